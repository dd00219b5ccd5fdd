"""Runs the reactor a second time: Twisted raises ReactorNotRestartable out of run(), and
the traceback Python prints at exit is Twisted's frames and this file's, nothing else."""

from twisted.internet import reactor

reactor.callWhenRunning(reactor.stop)
reactor.run()
reactor.run()
