"""Cancelling a timer lets go of what it would have called, at once: Twisted's
``cancel()`` deletes its function and arguments. Here a timer's function is a bound
method of an object with a finalizer, and its argument a failed Deferred nobody else
holds; and a Deferred whose ``addTimeout`` timer Twisted cancels when it fails. Plain
Twisted frees the object, then logs "Unhandled error in Deferred" — both at the cancel,
before the next line. Traced, the recorder kept the function until the program ended."""

from __future__ import annotations

import gc
import weakref

from twisted.internet import defer, reactor

gc.disable()  # freed by reference counting alone, as most objects are


class Thing:
    def method(self, d: object) -> None:
        print("never called", d)


def cancel_one() -> None:
    d: defer.Deferred[None] = defer.Deferred()
    d.errback(ValueError("in the cancelled timer's arguments"))
    thing = Thing()
    weakref.finalize(thing, print, "the timer's object freed", flush=True)
    call = reactor.callLater(10, thing.method, d)
    del d, thing
    call.cancel()
    print("after the cancel", flush=True)
    reactor.callLater(0.01, time_out_one)


def time_out_one() -> None:
    d: defer.Deferred[None] = defer.Deferred()
    d.addTimeout(30, reactor)
    d.errback(ValueError("failed before its timeout"))
    del d
    print("after the failure", flush=True)
    reactor.callLater(0.01, reactor.stop)


def in_debug_mode() -> None:
    """With DelayedCall.debug on, cancel() keeps the timer's repr (it failed, traced)."""
    from twisted.internet.base import DelayedCall

    DelayedCall.debug = True
    call = reactor.callLater(10, print, "never")
    call.cancel()
    DelayedCall.debug = False
    shown = repr(call)
    print("cancelled in debug mode:", "cancelled=1" in shown, "print('never')" in shown, flush=True)


in_debug_mode()
reactor.callWhenRunning(cancel_one)
reactor.run()
print("end", flush=True)
