"""reactor.run(installSignalHandlers=False): nothing reaps a child with no pipes, so its
processEnded never comes and the program waits for ever, under python as traced. The
hang lint took the unreaped child for one still running (it counted Twisted's list of
children to reap) and never said the hang; --strict never ended it (tests/test_strict.py)."""

from twisted.internet import defer, protocol, reactor

done: defer.Deferred[None] = defer.Deferred()


class Child(protocol.ProcessProtocol):
    def processEnded(self, reason: object) -> None:
        done.callback(None)


def go() -> None:
    # (it outlives spawnProcess: one already gone then is reaped by Twisted at once)
    reactor.spawnProcess(Child(), "/bin/sh", ["sh", "-c", "sleep 0.3; exit 3"],
                         childFDs={0: 0, 1: 1, 2: 2})
    done.addCallback(lambda _: reactor.stop())


reactor.callWhenRunning(go)
reactor.run(installSignalHandlers=False)
print("finished")
