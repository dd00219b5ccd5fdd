"""A program with a ThreadPoolExecutor of its own (as asyncio's run_in_executor and
to_thread make one): its idle workers are woken to exit by a hook the interpreter runs at
shutdown, before it waits for non-daemon threads. Traced, the launcher waited for them
first: the program printed all it had to and never ended."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from twisted.internet import reactor

pool = ThreadPoolExecutor(2)


def work() -> int:
    return 42


future = pool.submit(work)


def done() -> None:
    print("the pool's job returned", future.result())
    reactor.stop()


reactor.callLater(0.05, done)
reactor.run()
print("end")
