"""Deferreds fired from outside the reactor's own work: by a thread of the program's own
(``callFromThread``) and by a child process's exit (with pipes, and with none). Nothing the reactor has scheduled can
fire them, and yet the program is not hung: ``--strict`` must not end it there (it took
them for a hang, and the program printed nothing and exited 1)."""

from __future__ import annotations

import sys
import threading
import time

from twisted.internet import defer, protocol, reactor


class Child(protocol.ProcessProtocol):
    def __init__(self, ended: defer.Deferred[int]) -> None:
        self.ended = ended

    def processEnded(self, reason: object) -> None:
        self.ended.callback(reason.value.exitCode)  # type: ignore[attr-defined]


@defer.inlineCallbacks
def main() -> object:
    from_thread: defer.Deferred[str] = defer.Deferred()

    def work() -> None:
        time.sleep(0.3)
        reactor.callFromThread(from_thread.callback, "a thread of its own")

    threading.Thread(target=work).start()
    got = yield from_thread
    print(f"woken by {got}")
    ended: defer.Deferred[int] = defer.Deferred()
    reactor.spawnProcess(Child(ended), sys.executable,
                         [sys.executable, "-c", "import time; time.sleep(0.3)"], env=None)
    code = yield ended
    print(f"woken by a child process's exit ({code})")
    # no pipes this time (its descriptors are the program's own): only its exit, SIGCHLD,
    # can wake the loop — a hang to the lint, which counted a child's pipes only
    alone: defer.Deferred[int] = defer.Deferred()
    reactor.spawnProcess(Child(alone), sys.executable,
                         [sys.executable, "-c", "import time; time.sleep(0.3)"], env=None,
                         childFDs={0: 0, 1: 1, 2: 2})
    code = yield alone
    print(f"woken by a child process with no pipes ({code})")
    reactor.stop()


reactor.callWhenRunning(main)
reactor.run()
