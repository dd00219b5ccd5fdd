"""A program that does not exit: its 'before shutdown' trigger returns a Deferred that
nothing fires, and reactor.stop() waits for it — the classic "why does my program not
exit". Only SIGALRM (``--give-up SECONDS``; a signal handler is not something the hang
lint counts) fires it here, so that the plain program ends. Traced, the hang is said;
with --strict the loop ends there (as crash() ends it) and the program goes on after
reactor.run(). The watchdog stopped looking once reactor.stop() was called."""

from __future__ import annotations

import signal
import sys

from twisted.internet import defer, reactor


class Cleanup:
    def __init__(self) -> None:
        self.closed: defer.Deferred[None] = defer.Deferred()

    def flush(self) -> defer.Deferred[None]:
        print("cleanup: waiting for the connection to close", flush=True)
        return self.closed  # nothing fires it (but the alarm)


cleanup = Cleanup()
give_up = float(sys.argv[sys.argv.index("--give-up") + 1])
signal.signal(signal.SIGALRM, lambda *_: reactor.callFromThread(cleanup.closed.callback, None))
signal.setitimer(signal.ITIMER_REAL, give_up)
reactor.addSystemEventTrigger("before", "shutdown", cleanup.flush)
reactor.callLater(0.1, reactor.stop)
reactor.run()
print("exited", flush=True)
