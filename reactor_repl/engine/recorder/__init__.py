"""The recorder: the observer that turns what the observation layer sees into events.

It names what it follows (a command's claim, else the family's next free name)
with the person's site, keeps typed records in the registry, and writes events
through the engine (which stamps time, tick and thread, and pauses at a break).
It holds no strong reference to a Twisted object it did not make. One part per
family of Twisted objects; ``base`` holds the naming they share.
"""

from __future__ import annotations

from reactor_repl.engine.recorder.base import suspension_site
from reactor_repl.engine.recorder.deferreds import DeferredsPart
from reactor_repl.engine.recorder.io import IOPart
from reactor_repl.engine.recorder.system import SystemPart
from reactor_repl.engine.recorder.tcp import TCPPart
from reactor_repl.engine.recorder.threads import ThreadsPart
from reactor_repl.engine.recorder.timers import TimersPart

__all__ = ["Recorder", "suspension_site"]


class Recorder(TimersPart, DeferredsPart, ThreadsPart, IOPart, TCPPart, SystemPart):
    """All parts together: the one observer of a session."""
