"""``reactor-repl view FILE.jsonl`` on a terminal: the record in the explorer, read-only.

The log pane, its scrolling, ``filter`` (kinds, ``from`` places) and ``internals`` work
as in a session; ``show NAME`` and ``waiting`` answer from the record (views/record.py),
``waiting`` as of the end of the record — or, scrolled up, as of the newest event on the
screen; ``expect`` checks the record. What would run something (a reactor command,
``wait``, ``py``, ``load`` …) is refused with an error that says what to do instead.
"""

from __future__ import annotations

from typing import Any

from prompt_toolkit.formatted_text import StyleAndTextTuples

from reactor_repl.engine.commands import execute
from reactor_repl.engine.events import Event
from reactor_repl.language.parser import Parsed
from reactor_repl.session.driver import Driver, Location
from reactor_repl.ui.explorer import Explorer
from reactor_repl.ui.waiting_watch import Waits, recorded
from reactor_repl.views.record import Recorded

AS_OF_KEPT = 100  # lines entered whose screen position waits for the driver
# what a record can answer; everything else would run something
READ_ONLY = frozenset({"show", "waiting", "expect", "filter", "clear", "internals", "help",
                       "quit", "export", "note"})
HINT = ("a record is read-only: scroll, filter, show NAME, waiting, expect; to try it, run "
        "the program again with reactor-repl trace")


class RecordDriver(Driver):
    """Answers from the record; refuses what would run."""

    bottom_seq: Any = None  # the explorer's: the newest event on screen (scrolled up)

    def _run(self, parsed: Parsed, where: Location, wait: bool, entry: Any) -> bool:
        eng = self.engine
        assert isinstance(eng, Recorded)
        name = parsed.command.name
        if name not in READ_ONLY:
            eng.record("error", "", f"{parsed.text}: {name} would run something — {HINT}",
                       {"command": parsed.text, "message": f"{name} would run something",
                        "hint": HINT})
            return False
        if name == "show":
            lines = eng.show_lines(parsed["NAME"])
            if lines is None:
                eng.record("error", "", f"{parsed.text}: the record never names "
                           f"{parsed['NAME']}", {"command": parsed.text,
                                                 "hint": "names are in the log's fourth column"})
                return False
            eng.record("show", parsed["NAME"], lines[0], {"lines": lines})
            return True
        if name == "waiting":
            return self._waiting(eng, parsed)
        if name == "expect":
            answer = eng.record_check(parsed["CHECK"])
            if answer is not None:
                from reactor_repl.engine import expect

                return expect.say(eng, parsed["CHECK"], *answer)
        if name in ("expect", "note"):
            return execute(eng, parsed)
        return super()._run(parsed, where, wait, entry)

    def _waiting(self, eng: Recorded, parsed: Parsed) -> bool:
        from reactor_repl.views.recorded_waiting import lines

        seq = self.bottom_seq(parsed.text) if self.bottom_seq is not None else None
        found, when = eng.waiting_at(seq)
        older = parsed["SECONDS"] if parsed["SECONDS"] is not None else 0.0
        found = [w for w in found if float(w.get("age", 0.0)) + 1e-9 >= older]
        text = lines(found, when + (f", {older:g}s or older" if older else ""))
        eng.record("waiting", "", text[0], {"lines": text, "waiting": found, "at": seq})
        return True


class RecordExplorer(Explorer):
    """The explorer on a record."""

    driver_class = RecordDriver
    welcome_first = True

    def __init__(self, engine: Recorded, *, source: str, problems: list[str] | None = None,
                 **kw: Any) -> None:
        super().__init__(engine, **kw)
        self.source = source
        self.problems = problems or []
        self.driver.bottom_seq = self.bottom_seq  # type: ignore[attr-defined]
        end = (engine.end.data or {}) if engine.end is not None else {}
        self._waits = recorded(end.get("waiting"))
        self._as_of: list[tuple[str, int | None]] = []  # (line entered, newest seq shown)

    def welcome(self) -> str:
        eng = self.engine
        assert isinstance(eng, Recorded)
        return (f"viewing {self.source} ({eng.record_events} events, read-only): PgUp/PgDn "
                "scroll · filter · show NAME · waiting · expect · quit leaves")

    def run(self) -> int:
        for p in self.problems:  # lines of the file that are not events: under the record
            self.warn(p)
        return super().run()

    def run_line(self, text: str) -> None:
        """Enter: where the person had scrolled to is kept for ``waiting`` (a line typed
        takes the log pane back to its bottom)."""
        if text.strip():
            self._as_of.append((text.strip(), self._bottom_seq()))
            del self._as_of[:-AS_OF_KEPT]
        super().run_line(text)

    def bottom_seq(self, line: str) -> int | None:
        """The newest recorded event on the screen when ``line`` was entered, if the log
        pane was scrolled up (None: at the bottom, the end of the record). Lines run in
        the order they were entered: those before it are done with."""
        while self._as_of:
            text, seq = self._as_of.pop(0)
            if text == line.strip():
                return seq
        return None

    def _bottom_seq(self) -> int | None:
        pane = self.pane
        if not pane.offset:
            return None
        rows = list(pane.rows)
        eng = self.engine
        assert isinstance(eng, Recorded)
        # scrolled past the top: the pane shows its first page (render clamps it so)
        offset = min(pane.offset, max(0, len(rows) - pane.page))
        for row in reversed(rows[: len(rows) - offset]):
            if isinstance(row, Event) and row.seq <= eng.last_seq:
                return row.seq
        return None

    def waiting_now(self) -> Waits:
        return self._waits

    def prompt_fragments(self) -> StyleAndTextTuples:
        return [("class:prompt", "view> ")]

    def _finish_engine(self) -> None:
        self.engine.finish()
