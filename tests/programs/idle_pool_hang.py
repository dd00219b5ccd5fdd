"""A real hang beside an idle thread pool of the program's own: its worker waits for work
only the hung loop could give it (so it cannot wake the loop), and the Deferred waits on
nothing. An alarm (no timer, job or descriptor the loop could know of) ends it after 2 s;
``--strict`` ends it at the hang (the pool is stopped by its shutdown trigger)."""

from __future__ import annotations

import signal

from twisted.internet import defer, reactor, threads
from twisted.python.threadpool import ThreadPool

pool = ThreadPool(minthreads=1, maxthreads=2, name="mine")
pool.start()
reactor.addSystemEventTrigger("before", "shutdown", pool.stop)


@defer.inlineCallbacks
def main() -> object:
    got = yield threads.deferToThreadPool(reactor, pool, lambda: 42)
    print(f"the pool's job gave {got}", flush=True)
    yield defer.Deferred()  # nothing can ever fire it


signal.signal(signal.SIGALRM, lambda *_: reactor.callFromThread(reactor.stop))
signal.setitimer(signal.ITIMER_REAL, 2.0)
reactor.callWhenRunning(main)
reactor.run()
