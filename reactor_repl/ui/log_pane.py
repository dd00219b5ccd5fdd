"""The log pane: one row per event the person wants to see, newest at the bottom.

The model keeps rows (events, tick rules, UI messages) in a bounded deque and
draws only the rows that fit, walking up from the bottom: a redraw costs the
same with ten events or a hundred thousand. Rows are added as events arrive;
``filter``/``internals`` rebuild them once from the log. A redraw with nothing new
in the pane (a key typed between two frames of an event storm) reuses the last one.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, Union

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.layout.controls import UIContent, UIControl
from prompt_toolkit.mouse_events import MouseEvent, MouseEventType
from prompt_toolkit.utils import get_cwidth

from reactor_repl.engine.events import Event
from reactor_repl.language.table import BY_NAME
from reactor_repl.ui.styles import sgr_class
from reactor_repl.views.escape import printable
from reactor_repl.views.places import PlaceFilter, is_answer
from reactor_repl.views.text import colour_for, family
from reactor_repl.language.kinds import MULTILINE_KINDS

# always shown, whatever the filter: a person must see what went wrong
ALWAYS = ("error",)
PLACE_LOOKBACK = 500  # rows looked back through to place a row of an older pass
ANSWER_ROWS = 200  # rows of the last answer kept to be pinned (a long `waiting`)


def is_note(text: str) -> bool:
    """An input line that is a ``note`` (its ``note`` event shows the text)."""
    word = text.split(None, 1)[0] if text.strip() else ""
    cmd = BY_NAME.get(word)
    return cmd is not None and cmd.name == "note"
CONTINUATION = "      "


# A rule, the thin line between two passes of the loop (ticks), is the tick it starts: a
# plain int. Under a storm every event is a pass of its own, and an int is a row Python's
# cyclic garbage collector does not track (an instance of any class of ours is: beside a
# traced program, whose full collections run as under python, they were 100,000 more
# objects each full collection scanned, with the program and the prompt stopped).
Rule = int


class Message:
    """A line from the UI itself (not an event): a warning, a play note."""

    __slots__ = ("text", "style", "after")

    def __init__(self, text: str, style: str = "class:log.message", after: int = 0) -> None:
        self.text = text
        self.style = style
        self.after = after  # the newest event when it was said: a rebuild keeps it there


Row = Union[Event, Rule, Message]


def wrap(fragments: StyleAndTextTuples, width: int, indent: str = CONTINUATION
         ) -> list[StyleAndTextTuples]:
    """Cut a line of fragments into screen lines of at most ``width`` cells, at a space
    where one is near the end of the line."""
    width = max(width, len(indent) + 8)
    if all(text.isascii() and text.isprintable() for _, text, *_ in fragments) and \
            sum(len(text) for _, text, *_ in fragments) <= width:
        # it fits, one cell a character (most log lines): the line as the cut below makes it
        whole: StyleAndTextTuples = []
        for style, text, *_ in fragments:
            if not text:
                continue
            if whole and whole[-1][0] == style:
                whole[-1] = (style, whole[-1][1] + text)
            else:
                whole.append((style, text))
        return [whole]
    cells = [(style, ch) for style, text, *_ in fragments for ch in text]
    lines: list[StyleAndTextTuples] = []
    first = True
    while cells:
        room = width - (0 if first else len(indent))
        used, cut = 0, 0
        while cut < len(cells) and used + get_cwidth(cells[cut][1]) <= room:
            used += get_cwidth(cells[cut][1])
            cut += 1
        if cut < len(cells):
            back = range(cut - 1, max(cut - max(20, room // 2), 0), -1)
            space = max((k for k in back if cells[k][1] == " "), default=None)
            if space is None:  # a long path: after a / rather than in a name
                space = max((k for k in back if cells[k][1] == "/"), default=None)
            if space is not None:
                cut = space + 1
        line: StyleAndTextTuples = [] if first else [("", indent)]
        for style, ch in cells[:max(cut, 1)]:
            if line and line[-1][0] == style:
                line[-1] = (style, line[-1][1] + ch)
            else:
                line.append((style, ch))
        lines.append(line)
        cells = cells[max(cut, 1):]
        first = False
    return lines or [[]]


class LogPane:
    """What the log pane shows, and where the person has scrolled to."""

    def __init__(self, *, colour: bool = True, internals: bool = False,
                 size: int = 100_000) -> None:
        self.colour = colour
        self.internals = internals
        self.kinds: tuple[str, ...] = ()
        self.places: PlaceFilter | None = None  # filter … from MODULE_OR_FILE
        self._kinds_shown: dict[str, bool] = {}  # kind -> shown under the filter
        self.rows: deque[Row] = deque(maxlen=2 * size + 100)
        self.offset = 0  # rows hidden below the bottom of the pane; 0 follows the log
        self.unseen = 0  # rows that arrived while scrolled up
        self.page = 20  # rows in a page, updated on each draw
        self._size: tuple[int, int] | None = None  # (width, height) of the last draw
        self._shown: tuple[int, bool] | None = None  # its top row, and whether it was cut
        self._tick: int | None = None  # tick of the newest event row
        self._advance: tuple[Event, int | None] | None = None  # a clock.advance row, shown last
        self.cleared_at = 0  # events up to this seq were cleared away
        self.gone_upto = 0  # events up to this seq had left the log when the pane was rebuilt
        self._last_seq = 0  # the newest event given to the pane (a message goes after it)
        self._version = 0  # counts changes to rows: the last render is reused until it moves
        self._drawn: tuple[tuple[int, int, int, int, int], list[StyleAndTextTuples]] | None = None
        # the last typed line and what answered it: pinned at the bottom of the pane once
        # the log, following a busy program, has moved it off the top (Esc lets it go)
        self.answer: list[Event] = []
        self._pin_drawn = False  # the last render pinned it

    # -- what is shown
    def _kind_shown(self, kind: str) -> bool:
        """Once per kind: a rebuild of 100,000 events looks each up once."""
        shown = self._kinds_shown[kind] = kind in ALWAYS or not self.kinds or (
            kind in self.kinds or family(kind) in self.kinds)
        return shown

    def visible(self, ev: Event) -> bool:
        kind = ev.kind
        shown = self._kinds_shown.get(kind)
        if shown is None:
            shown = self._kind_shown(kind)
        if not shown and not (self.places is not None and is_answer(ev)):
            return False
        if self.places is not None and not self.places.belongs(ev):
            return False
        return not ev.internal or self.internals or kind in ALWAYS

    def add(self, ev: Event) -> bool:
        """Add an event if it is shown; True when a row was added. (The hot path of a
        storm: written out, a few microseconds an event.)"""
        kind = ev.kind
        self._last_seq = ev.seq
        places = self.places
        if places is not None:
            places.learn(ev)  # every event: where its object was made
        shown = self._kinds_shown.get(kind)
        if shown is None:
            self._kind_shown(kind)  # works it out for this kind, once
            shown = self._kinds_shown[kind]
        if not shown and not (places is not None and is_answer(ev)):
            return False
        if ev.seq <= self.cleared_at or (
                ev.internal and not self.internals and kind not in ALWAYS):
            return False
        if places is not None and not places.belongs(ev):
            return False
        if kind == "input":
            if is_note(ev.text):
                self.answer = []
                return False  # the note itself follows: one row, not two
            # what the person typed (a replayed file's line is not theirs to look for)
            where = ev.data.get("where") if ev.data else None
            self.answer = [ev] if where in (None, "", "<prompt>") else []
        elif self.answer and is_answer(ev) and len(self.answer) < ANSWER_ROWS:
            self.answer.append(ev)
        if self._advance is not None:
            self._fold_advance()
        tick, last = ev.tick, self._tick
        rows = self.rows
        added = 1
        if tick != last and last is not None:
            if tick < last:
                # another thread read the tick just before the loop moved on: the row goes
                # with the rows of its own pass, so every row between two rules has one tick
                self._place(ev)
                return True
            rows.append(tick)
            added = 2
        rows.append(ev)
        self._version += 1
        if self.offset:
            self.offset += added
            self.unseen += added
        self._tick = tick
        if kind == "clock.advance" and self._folds_advances():
            self._advance = (ev, last)
        return True

    def _folds_advances(self) -> bool:
        """A clock.advance that only moves time between two dispatches says nothing the
        next row's time does not: folded away, unless internals or the filter ask for it."""
        return not self.internals and not ({"clock", "clock.advance"} & set(self.kinds))

    def _fold_advance(self) -> None:
        """Something follows the last clock.advance: it only moved time, drop its row
        (and the rule it brought, if it opened a pass of its own)."""
        ev, before = self._advance  # type: ignore[misc]
        self._advance = None
        if not self.rows or self.rows[-1] is not ev:
            return
        self._pop()
        if before is not None and before != ev.tick and self.rows and \
                isinstance(self.rows[-1], Rule) and self.rows[-1] == ev.tick:
            self._pop()
            self._tick = before

    def _pop(self) -> None:
        self._version += 1
        self.rows.pop()
        if self.offset:
            self.offset -= 1

    def _place(self, ev: Event) -> None:
        """Insert a row whose tick is older than the newest: at the end of its pass (a new
        pass of its own between two rules if none of its pass is shown)."""
        rows = self.rows
        pos, before, i = len(rows), None, len(rows) - 1
        while i >= 0:
            if len(rows) - i > PLACE_LOOKBACK:  # too far back to look: it stays where it came
                self._append(ev)
                return
            row = rows[i]
            tick = row if isinstance(row, Rule) else None if isinstance(row, Message) else row.tick
            if tick is not None and tick <= ev.tick:
                before = tick
                break
            pos = i
            i -= 1
        new: list[Row] = [ev]
        if before is not None and before != ev.tick:
            new.insert(0, ev.tick)
        at = rows[pos] if pos < len(rows) else None
        if isinstance(at, Event) and at.tick != ev.tick:
            new.append(at.tick)  # the first pass shown had no rule before it
        for row in reversed(new):
            self._insert(pos, row)

    def message(self, text: str, style: str = "class:log.message") -> None:
        self._advance = None  # a message after it: the clock.advance row stays
        self._append(Message(text, style, self._last_seq))

    def _append(self, row: Row) -> None:
        self._version += 1
        self.rows.append(row)
        if self.offset:
            self.offset += 1
            self.unseen += 1

    def _insert(self, at: int, row: Row) -> None:
        self._version += 1
        if len(self.rows) == self.rows.maxlen:
            self.rows.popleft()
            at -= 1
        self.rows.insert(max(at, 0), row)
        if self.offset:
            self.offset += 1

    def clear(self, upto_seq: int) -> None:
        """Drop every row up to event ``upto_seq`` (what was there when clear was typed)."""
        kept = [r for r in self.rows if isinstance(r, Event) and r.seq > upto_seq]
        self.cleared_at = upto_seq
        self.rebuild(kept, keep_messages=False)

    def rebuild(self, events: Iterable[Event], keep_messages: bool = True) -> None:
        """Show the log again after filter/internals changed."""
        messages = [r for r in self.rows if isinstance(r, Message)][-20:] if keep_messages else []
        self._version += 1
        self.rows.clear()
        self._tick = None
        self._advance = None
        self.offset = self.unseen = 0
        self.answer = []
        events = list(events)
        if events:
            self.gone_upto = max(self.gone_upto, events[0].seq - 1)
        for ev in events:
            while messages and messages[0].after < ev.seq:
                self._append(messages.pop(0))  # where it was said, not after everything
            self.add(ev)
        for m in messages:
            self._append(m)

    def set_filter(self, kinds: Iterable[str], events: Iterable[Event],
                   places: PlaceFilter | None = None) -> None:
        self.kinds = tuple(kinds)
        self.places = places if places else None
        self._kinds_shown.clear()
        self.rebuild(events)

    def set_internals(self, on: bool, events: Iterable[Event]) -> None:
        self.internals = on
        self.rebuild(events)

    def has_events(self) -> bool:
        """Any event row shown (a filter that matched nothing left an empty pane, silent)."""
        return any(isinstance(r, Event) and r.kind not in ("input", "error") for r in self.rows)

    def pinned(self) -> bool:
        """The last answer is pinned at the bottom (hidden by Esc)."""
        return self._pin_drawn and bool(self.answer)

    def let_answer_go(self) -> None:
        """Esc: the pinned answer goes (it is still in the log, where it was said)."""
        self.answer = []
        self._version += 1

    # -- scrolling
    def scroll(self, rows: int) -> None:
        """Up (positive) or down (negative) by ``rows``; at the bottom it follows again."""
        self.offset = max(0, min(self.offset + rows, len(self.rows) - 1))
        if self.offset == 0:
            self.unseen = 0

    def page_up(self) -> None:
        """A page up: the row at the top of the pane (or the one cut there) becomes the
        bottom row, so none is skipped however many lines each row wraps to."""
        if self._shown is None:
            self.scroll(self.page)
            return
        top, cut = self._shown
        bottom = top if cut else top - 1
        offset = len(self.rows) - 1 - bottom
        self.scroll(max(offset, self.offset + 1) - self.offset)

    def page_down(self) -> None:
        """A page down: the row below the bottom one goes to the top of the pane (a page
        of ``height - 1`` rows skipped the rows that wrapped)."""
        if self._size is None or not self.offset:
            self.scroll(-self.page)
            return
        width, height = self._size
        room = height - 1
        j = len(self.rows) - self.offset  # the row below the bottom one
        used = 0
        while j < len(self.rows):
            used += len(self.fragments(self.rows[j], width))
            if used > room:
                break
            j += 1
        bottom = max(j - 1, len(self.rows) - self.offset)
        self.scroll(len(self.rows) - 1 - bottom - self.offset)

    def top(self) -> None:
        self.scroll(len(self.rows))

    def bottom(self) -> None:
        self.offset = self.unseen = 0

    # -- drawing
    def fragments(self, row: Row, width: int) -> list[StyleAndTextTuples]:
        if isinstance(row, Rule):
            return [[("class:log.rule", "─" * width)]]
        if isinstance(row, Message):
            return wrap([(row.style, printable(row.text))], width)
        ev = row
        head = f"#{ev.seq:04d}  {ev.t:.3f}  [{ev.tick}]"
        rest = printable(ev.line()[len(head):])
        style = "class:" + sgr_class(colour_for(ev)) if self.colour else ""
        lines = wrap([("class:log.head", head), (style, rest)], width)
        if ev.kind in MULTILINE_KINDS and ev.data and ev.data.get("lines"):
            # the event's line is the first of them (as run and line mode print it)
            for text in ev.data["lines"][1:]:
                text = printable(str(text))
                # a row of a tree (waiting's └ …) wraps under its own text, not left of it
                lead = len(text) - len(text.lstrip(" "))
                tree = 2 if text.lstrip(" ").startswith(("└", "├", "✓", "·", "•")) else 0
                lines += wrap([(style, CONTINUATION + text)], width,
                              CONTINUATION + " " * min(lead + tree, width // 2))
        return lines

    def render(self, width: int, height: int, _top: bool = False) -> list[StyleAndTextTuples]:
        """The screen lines for a pane of this size (only the rows that fit are drawn)."""
        self.page = max(1, height - 1)
        if height <= 0:
            return []
        key = (self._version, self.offset, self.unseen, width, height)
        if self._drawn is not None and self._drawn[0] == key:
            return self._drawn[1]
        self._pin_drawn = False
        out = self._render(width, height, _top)
        answer = self.answer
        # pinned once all of it has left the screen (a part still in sight was shown twice)
        if len(answer) > 1 and not self.offset and not self._drawn_from(answer[-1]):
            pin = self._pin(width, height)
            out = self._render(width, height - len(pin), _top) + pin
            self._pin_drawn = True
            self._drawn = (key, out)
        return out

    def _drawn_from(self, ev: Event) -> bool:
        """``ev``'s row is on the screen (the last render drew from that row or above)."""
        top = self._shown[0] if self._shown is not None else len(self.rows)
        rows = self.rows
        for i in range(len(rows) - 1, max(top, 0) - 1, -1):
            row = rows[i]
            if row is ev:
                return True
            if isinstance(row, Event) and row.seq < ev.seq:
                return False
        return False

    def _pin(self, width: int, height: int) -> list[StyleAndTextTuples]:
        """The last answer's lines under a header, at most half the pane."""
        room = max(2, height // 2)
        head = f"── your last command, #{self.answer[0].seq:04d} · Esc lets it go "
        lines: list[StyleAndTextTuples] = [[("class:log.more", head[:width])]]
        for ev in self.answer:
            lines += self.fragments(ev, width)
        if len(lines) > room:
            cut = len(lines) - room + 1
            lines = lines[:room - 1] + [[("class:log.more", f"… {cut} more line"
                                         f"{'s' if cut != 1 else ''} above, in the log"[:width])]]
        return lines

    def _render(self, width: int, height: int, _top: bool = False) -> list[StyleAndTextTuples]:
        rows = self.rows
        room = height - (1 if self.offset else 0)
        chunks: list[list[StyleAndTextTuples]] = []
        used = 0
        i = len(rows) - 1 - self.offset
        while i >= 0 and used < room:
            lines = self.fragments(rows[i], width)
            chunks.append(lines)
            used += len(lines)
            i -= 1
        gone = self._gone(width)
        if i < 0 and used < room and gone:
            chunks.append(gone)  # the top of what is kept: say that older rows are gone
            used += len(gone)
        if i < 0 and used < room and self.offset and not _top:
            # scrolled to the top with room to spare: the top of the log fills the pane
            # (not a few rows at the bottom of a blank one)
            self.offset = self._offset_showing_top(width, height)
            if self.offset == 0:
                self.unseen = 0
            return self._render(width, height, _top=True)
        out = [line for chunk in reversed(chunks) for line in chunk][-room:] if room > 0 else []
        self._size = (width, height)
        self._shown = (i + 1, used > room)  # the top row drawn, and whether it is cut
        key = (self._version, self.offset, self.unseen, width, height)
        if self.offset:
            rows = f"{self.offset} row{'s' if self.offset != 1 else ''}"
            more = f" ↓ {self.unseen} new · {rows} below · End follows the log "
            out.append([("class:log.more", more[:width])])
        self._drawn = (key, out)
        return out

    def _gone(self, width: int) -> list[StyleAndTextTuples]:
        """The line above the oldest row when older ones are no longer kept (the pane is
        full, or the log's ring had dropped them when the pane was rebuilt): Home showed
        #237530 as if the session began there."""
        full = len(self.rows) >= (self.rows.maxlen or 0) - 2
        if not (full or self.gone_upto > self.cleared_at):
            return []
        first = next((r.seq for r in self.rows if isinstance(r, Event)), 0)
        upto = max(self.gone_upto, first - 1 if full else 0)
        if upto <= self.cleared_at:
            return []
        return wrap([("class:log.more", f"… the events up to #{upto:04d} are no longer kept "
                      "(--log-size sets how many are)")], width)

    def _offset_showing_top(self, width: int, height: int) -> int:
        """The offset at which the first row is at the top of a full pane (0: all fit)."""
        used, n = len(self._gone(width)), 0
        for row in self.rows:
            lines = len(self.fragments(row, width))
            if used + lines > height - 1:
                if n == len(self.rows) - 1 and used + lines <= height:
                    return 0  # the last row fits where the "rows below" line would be
                break
            used += lines
            n += 1
        return len(self.rows) - n


class LogControl(UIControl):
    """Draws a ``LogPane``; the mouse wheel scrolls it."""

    def __init__(self, pane: LogPane) -> None:
        self.pane = pane

    def create_content(self, width: int, height: int) -> UIContent:
        lines = self.pane.render(width, height)
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)

    def is_focusable(self) -> bool:
        return False

    def mouse_handler(self, mouse_event: MouseEvent) -> object:
        if mouse_event.event_type == MouseEventType.SCROLL_UP:
            self.pane.scroll(3)
            return None
        if mouse_event.event_type == MouseEventType.SCROLL_DOWN:
            self.pane.scroll(-3)
            return None
        return NotImplemented
