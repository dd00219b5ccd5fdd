"""Descriptors: addReader/removeReader, doRead and connectionLost for the person's own."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from twisted.internet import error
from twisted.python.failure import Failure

from reactor_repl.engine.describe import (
    bytes_text,
    payload,
    plural,
    reason_text,
)
from reactor_repl.engine.recorder.base import (
    Base,
    _let_go,
    _record_of,
    _set_record,
    _twisted_internal,
)
from reactor_repl.engine.recorder.tcp import unbuilt
from reactor_repl.engine.registry import (
    ConnRecord,
    PortRecord,
    ReaderRecord,
)


class IOPart(Base):
    # ------------------------------------------------------------ descriptors
    def descriptor_added(self, selectable: Any, writer: bool, frame: Any) -> None:
        if _twisted_internal(selectable):
            return
        rec = _record_of(selectable)
        verb = "addWriter" if writer else "addReader"
        if rec is not None:
            if rec.state == "paused":
                rec.state = "watching"
                self.eng.record("reader.add", rec.name, f"{verb}: watched again", {})
            return
        rec, detail = self._follow("writer" if writer else "reader", ReaderRecord, frame, False,
                                   state="watching")
        name = rec.name
        rec.detail = "0 bytes read"
        _set_record(selectable, rec)
        if rec.internal:
            return
        self._keep(rec, selectable)
        try:
            fd = selectable.fileno()
        except Exception:
            fd = -1
        what = detail or f"{type(selectable).__name__}, fd {fd}"
        self.eng.record("reader.add", name,
                        f"add{'Writer' if writer else 'Reader'}: {what}",
                        self._data(rec, {"fd": fd, "writer": writer}))

    def descriptor_removed(self, selectable: Any, writer: bool) -> None:
        rec = _record_of(selectable)
        _let_go(selectable, lost=False)
        if rec is None or rec.internal or rec.state != "watching":
            return
        rec.state = "paused"
        self.eng.record("reader.remove", rec.name,
                        f"remove{'Writer' if writer else 'Reader'}: the loop stops watching it", {})

    def io_dispatch(self, selectable: Any, what: str, run: Callable[[], Any]) -> Any:
        eng = self.eng
        rec = _record_of(selectable)
        if rec is None or not isinstance(rec, ReaderRecord):
            if isinstance(rec, PortRecord):
                try:
                    return run()
                finally:
                    unbuilt(self.reg, selectable)
            if isinstance(rec, ConnRecord) or rec is not None:
                return run()
            label = getattr(selectable, "_rr_label", None) or type(selectable).__name__
            port = getattr(selectable, "port", None)
            if isinstance(port, int) and label == type(selectable).__name__:
                label = f"{label}:{port}"
            eng.record("io.ready", "", f"{label} ready", {"selectable": label}, True)
            return run()
        if rec.internal or what == "hangup":
            return run()
        kind = "reader.read" if what == "read" else "writer.write"
        ev = eng.dispatch(kind, rec.name, "doRead()" if what == "read" else "doWrite()", {})
        if hasattr(selectable, "last_read"):
            selectable.last_read = None
        out = eng.run_dispatch(ev, run)
        written = getattr(selectable, "last_written", None) if what == "write" else None
        if isinstance(written, int):
            ev.text = f"doWrite(): {written} byte{'s' if written != 1 else ''} into the pipe"
            ev.data = {"bytes": written}
        last = getattr(selectable, "last_read", None)
        if what == "read" and isinstance(last, (bytes, bytearray)):
            if last:
                rec.total += len(last)
                rec.detail = f"{plural(rec.total, 'byte')} read"
                n = len(last)
                ev.text = f"doRead(): {n} byte{'s' if n != 1 else ''} {bytes_text(bytes(last))}"
                ev.data = payload(bytes(last))
            else:
                ev.text = "doRead(): end of file → CONNECTION_DONE"
                ev.data = {"bytes": 0, "eof": True}
        return out

    def all_removed(self, selectables: list[Any]) -> None:
        """The shutdown's ``disconnectAll`` calls each one's ``connectionLost`` itself
        (base.py): a reader's is recorded as ``reader.lost``, as when it reads its end (it
        said only ``reader.remove``, and the session ended with the reader "paused")."""
        for selectable in selectables:
            rec = _record_of(selectable)
            if isinstance(rec, ReaderRecord) and not rec.internal:
                self._lost_through(selectable)

    def _lost_through(self, selectable: Any) -> None:
        """Its next ``connectionLost(reason)`` goes through ``io_lost`` (once)."""
        if "connectionLost" in getattr(selectable, "__dict__", ()):
            return  # (its own per-instance one: left alone)
        own = selectable.connectionLost

        def lost(reason: Any, *rest: Any) -> Any:
            try:
                del selectable.connectionLost
            except AttributeError:
                pass
            why = reason.value if isinstance(reason, Failure) else reason
            return self.io_lost(selectable, why, partial(own, reason, *rest))

        try:
            selectable.connectionLost = lost
        except (AttributeError, TypeError):  # (no __dict__: __slots__)
            pass

    def io_lost(self, selectable: Any, why: Any, run: Callable[[], Any]) -> Any:
        rec = _record_of(selectable)
        _let_go(selectable, lost=True)
        if not isinstance(rec, ReaderRecord) or rec.internal:
            return run()
        rec.state = "closed"
        self.reg.finished(rec)
        if why.__class__ in (error.ConnectionDone, error.ConnectionLost):
            why = why.__class__()  # Twisted passes its own failure of that class, not ``why``
        reason = reason_text(Failure(why) if isinstance(why, BaseException) else why)
        if isinstance(why, error.ConnectionDone):
            reason = "ConnectionDone: Connection was closed cleanly."
        return self.eng.timed("reader.lost", rec.name, f"connectionLost({reason})",
                              {"reason": reason}, run)

