"""A ``LoopingCall`` poller: polls a queue every 0.05 s and stops itself when it is empty."""

from __future__ import annotations

from twisted.internet import reactor, task

QUEUE = ["job-a", "job-b", "job-c"]


def poll() -> None:
    if not QUEUE:
        print("poll: queue empty, stopping")
        poller.stop()
        return
    print(f"poll: took {QUEUE.pop(0)}")


def stopped(_: object) -> None:
    print("poller stopped")
    reactor.stop()


poller = task.LoopingCall(poll)

if __name__ == "__main__":
    poller.start(0.05).addCallback(stopped)
    reactor.run()
