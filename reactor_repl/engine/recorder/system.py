"""System event triggers and reactor.stop."""

from __future__ import annotations

from typing import Any, Callable


from reactor_repl.engine.describe import label_of
from reactor_repl.engine.recorder.base import Base
from reactor_repl.engine.registry import TriggerRecord
from reactor_repl.observe import sites


class SystemPart(Base):
    # ------------------------------------------------------------ triggers, stop
    def trigger_new(self, phase: str, event: str, f: Any, frame: Any) -> Any:
        rec, detail = self._follow("trigger", TriggerRecord, frame, True, phase=phase,
                                   event=event)
        name = rec.name
        rec.detail = f"{phase} {event}"
        if rec.internal:
            return rec
        self.eng.record("trigger.add", name, f"{phase} {event}" + (
                        detail if detail is not None else f" → {label_of(f)}()"),
                        self._data(rec, {"phase": phase, "event": event}))
        return rec

    def trigger_added(self, token: Any, trigger_id: Any) -> None:
        token.trigger_id = trigger_id

    def trigger_fire(self, token: Any, f: Callable[..., Any], args: tuple, kw: dict) -> Any:
        rec: TriggerRecord = token
        rec.trigger_id = None  # (Twisted's id holds the callable and its arguments: kept,
        # they lived until the program ended; a fired trigger is not removed any more)
        if rec.internal:
            return f(*args, **kw)
        rec.state = "fired"
        self.reg.finished(rec)
        return self.eng.timed("trigger.fire", rec.name, f"{rec.phase} {rec.event}",
                              {"phase": rec.phase, "event": rec.event}, f, *args, **kw)

    def trigger_removed(self, trigger_id: Any) -> None:
        for rec in self.reg.records():
            if isinstance(rec, TriggerRecord) and rec.state == "pending" and (
                    rec.trigger_id is trigger_id or rec.trigger_id == trigger_id):
                rec.state, rec.trigger_id = "removed", None
                self.reg.finished(rec)
                self.eng.record("trigger.remove", rec.name, "removed", {})

    def reactor_stop(self, frame: Any) -> None:
        self.eng.record("reactor.stop", "", "reactor.stop(): shutdown triggers run next",
                        _called_at(frame))

    def reactor_crash(self, frame: Any) -> None:
        r = self.eng.reactor
        if getattr(r, "_stopped", False):  # (a stop's shutdown is under way)
            text = ("reactor.crash(): the loop stops now; the shutdown under way still runs "
                    "its triggers")
        else:
            text = "reactor.crash(): the loop stops now, no shutdown triggers"
        self.eng.record("reactor.crash", "", text, _called_at(frame))


def _called_at(frame: Any) -> dict[str, Any]:
    """``{"site": file:line}`` of the person's code that called, so ``filter from`` keeps
    it; nothing when the explorer's own command did."""
    site = sites.site_of(frame)
    return {"site": site} if site else {}


