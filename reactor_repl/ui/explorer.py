"""The full-screen explorer: a prompt_toolkit Application beside the reactor.

The Explorer holds the UI state; ``layout.py`` and ``key_bindings.py`` are built
from it. The screen is refreshed by one background task that drains new events
from the log at most ~30 times a second, however fast they arrive; a key redraws
at once (its echo does not wait for the next frame). The driver
(in the prompt worker thread) talks to the Explorer through view methods that
only queue an action for the UI thread.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import nullcontext
import queue
import sys
import time
from typing import Any, Callable

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import ColorDepth, Output

from reactor_repl.engine.core import Engine
from reactor_repl.language.helptext import help_text
from reactor_repl.language.table import BY_NAME
from reactor_repl.ui import toolbar
from reactor_repl.ui.capture import captured
from reactor_repl.ui.collector import ShortCollections
from reactor_repl.ui.completer import ReplCompleter
from reactor_repl.ui.help_pane import HelpPane
from reactor_repl.ui.key_bindings import create_key_bindings, keys_text
from reactor_repl.ui.layout import STATE_WIDTH, create_layout
from reactor_repl.ui.tty import clear_before_leaving
from reactor_repl.ui.log_pane import LogPane
from reactor_repl.ui.paste import paste
from reactor_repl.ui.play import Player
from reactor_repl.ui.session import Session
from reactor_repl.ui.state_pane import LoopWatch, loop_status, state_fragments
from reactor_repl.ui.styles import explorer_style
from reactor_repl.ui.waiting_watch import Waits, WaitingWatch
from reactor_repl.views.places import PlaceFilter, filter_message

POLL = 0.05  # how often the log is looked at while things happen
IDLE_POLL = 0.2  # ... and after a second with nothing new (a key or a line speeds it up)
FRAME = 0.1  # new events are drawn at most this often: 10 times a second, as a person reads
TIMED_REDRAW = 0.1  # how often a BLOCKED counter moves
SWITCH_INTERVAL = 0.002  # the GIL's switch interval while the screen runs (Python's: 5 ms)
IDLE_REDRAW = 2.0  # how often the clock moves while the loop waits with nothing due
COUNTDOWN_REDRAW = 1.0  # ... and while the state pane counts a timer down
WIDE = 100  # columns from which the state pane is shown (narrower: F2 shows it)
DRAIN_SLICE = 500  # events moved into the log pane between two looks at the keyboard
WAIT_REDRAW = 0.2  # how often a live wait's count moves in the status line
ESC_WAIT = 0.1  # a lone Esc is known as one after this long (prompt_toolkit: 0.5 s)
KEYS_QUIET = 1.0  # seconds without a key after which the person is not typing
TYPING = 0.5  # a key this recent: the person is typing ...
TYPING_FRAME = 0.25  # ... and new events are drawn at most this often


class Explorer(Session):
    # what the person's Python prints is captured by run() (beside a traced program, the
    # runner captures it before the program starts); full collections are the explorer's
    # own (not beside a program: its garbage is collected as under python)
    capture_output = True
    manage_gc = True
    # a person's own (use) objects are frozen too: everything is scanned again this often
    # (seconds, at a moment nobody types; see ShortCollections)
    rescan_every: float | None = 10.0
    welcome_first = False

    def __init__(self, engine: Engine, *, internals: bool = False, allow_python_files: bool = False,
                 player: Player | None = None, history: History | None = None,
                 input: Input | None = None, output: Output | None = None) -> None:
        super().__init__(engine, allow_python_files=allow_python_files, player=player)
        self.no_colour = bool(os.environ.get("NO_COLOR"))
        self.pane = LogPane(colour=not self.no_colour, internals=internals,
                            size=engine.config.log_size)
        self.help = HelpPane()
        self.watch = LoopWatch()
        self.waits = WaitingWatch(engine)  # the state pane's "waiting" section
        self.seq = 0  # the last event drained into the pane
        self.actions: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._error_cache: tuple[str, Any] = ("", None)
        # full garbage collections between two redraws, short (the ring and pane are frozen)
        self.collections = ShortCollections(engine.config.log_size, self.rescan_every,
                                            quiet=self.keys_quiet)
        self._state_drawn: tuple[dict[str, Any], tuple[Any, ...], StyleAndTextTuples] | None = None
        self._last_frame = 0.0
        self._last_drain = 0.0  # when new events were last drawn (a timed redraw draws none)
        self._busy_until = 0.0  # look at the log every POLL until then, else every IDLE_POLL
        self.show_play = player is not None
        self.state_pref: bool | None = None  # F2's choice; None: shown from WIDE columns
        self.mouse = False  # F3: mouse capture (off: the terminal selects text)
        self._last_failure = ""
        self.buffer = Buffer(
            name="input",
            completer=ReplCompleter(self.items, self.next_name, self.python_names),
            complete_while_typing=True,
            history=history or InMemoryHistory(),
            accept_handler=self._accept,
            multiline=False,
        )
        self.key_bindings = create_key_bindings(self)
        self._last_key = 0.0  # when a key was last pressed (a long collection waits for a pause)
        self.app: Application[int] = Application(
            layout=create_layout(self),
            key_bindings=self.key_bindings,
            style=explorer_style(),
            full_screen=True,
            mouse_support=Condition(lambda: self.mouse),
            enable_page_navigation_bindings=False,
            color_depth=ColorDepth.MONOCHROME if self.no_colour else None,
            input=input,
            output=output,
        )
        # a lone Esc (close help, close the menu) waited half a second to be told from the
        # start of an escape sequence; a terminal sends a sequence's bytes together
        self.app.ttimeoutlen = ESC_WAIT
        clear_before_leaving(self.app.output)

    @property
    def columns(self) -> int:
        try:
            return self.app.output.get_size().columns
        except Exception:
            return 80

    @property
    def show_state(self) -> bool:
        """The state pane: shown from WIDE columns (hidden below), unless F2 said otherwise."""
        return self.state_pref if self.state_pref is not None else self.columns >= WIDE

    @show_state.setter
    def show_state(self, on: bool) -> None:
        self.state_pref = on

    # ------------------------------------------------------------- running
    def run(self) -> int:
        """Run until quit; returns the exit code."""
        self.worker.start()
        if self.player is not None:
            self.start_play()
        undo = self.catch_signals()
        if self.welcome_first:  # beside a program: before what it did meanwhile
            self.pane.message(self.welcome(), "class:log.welcome")
        self.pump()
        if not self.welcome_first:
            self.pane.message(self.welcome(), "class:log.welcome")
        if self.manage_gc:
            self.collections.start()
        # a busy reactor thread holds the GIL until asked to drop it, then for the switch
        # interval more: a key's echo waits for that two or three times (reading the key,
        # drawing, writing); 2 ms instead of 5 keeps the echo quick under a storm
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, SWITCH_INTERVAL))
        try:
            # the app holds the terminal's stream already; what else is printed is logged
            with captured(self.engine) if self.capture_output else nullcontext():
                self.app.run(pre_run=self._pre_run, handle_sigint=False)
        except (OSError, EOFError) as e:
            if not self.terminal_lost(e):
                raise
        finally:
            sys.setswitchinterval(switch)
            undo()
            self.collections.stop()
            self.finish()
            self._snap_at = 0.0  # asked after the end: the state at the end
        return self.exit_code

    def _pre_run(self) -> None:
        self.app.key_processor.before_key_press += self._key_pressed
        self.app.create_background_task(self._refresh())

    def _key_pressed(self, _: object) -> None:
        self._last_key = time.monotonic()

    def keys_quiet(self) -> bool:
        """No key for a while: a moment for work that holds everything up (a full scan)."""
        return time.monotonic() - self._last_key > KEYS_QUIET

    async def _refresh(self) -> None:
        """Drain events, apply the driver's requests, redraw: new events at most FRAME
        apart, however fast they come; the driver's requests (filter, clear, help) at once;
        with nothing new, only what moves with time (a BLOCKED counter, the clock)."""
        while True:
            self.collections.collect_if_due()
            now = time.monotonic()
            changed = False
            # while the person types, new events wait longer: a frame of a storm takes the
            # time a key's echo needs
            frame = TYPING_FRAME if now - self._last_key < TYPING else FRAME
            # (measured from the last drain, not the last frame: a BLOCKED counter's
            # redraws, 10 a second, held a line typed during a block off the screen until
            # the person had stopped typing for half a second)
            if now - self._last_drain >= frame or not self.actions.empty():
                try:
                    changed = await self._drain()
                    if changed:
                        self._last_drain = now
                        self._busy_until = now + 1.0
                except Exception as e:  # a view that fails must not freeze the screen
                    report = f"the explorer hit {type(e).__name__}: {e}"
                    if report != self._last_failure:
                        self._last_failure = report
                        self.pane.message(report)
                    changed = True
            if not changed and now - self._last_frame >= self._timed_period():
                changed = True
            if not changed and self._snap_seq < self.seq and now - self._snap_at > self._snap_age:
                changed = True  # the last frame's clock and state were older than its log
            if changed:
                self._last_frame = now
                self.app.invalidate()
            if self.should_leave():
                self.pump()
                self.app.exit(result=0)
                return
            await asyncio.sleep(POLL if now < self._busy_until else IDLE_POLL)

    def request_quit(self) -> None:
        super().request_quit()
        self.busy()

    def busy(self) -> None:
        """A key was typed: look at the log often again (what it starts shows at once)."""
        self._busy_until = time.monotonic() + 2.0

    def _timed_period(self) -> float:
        """How often the screen moves with nothing new in the log: BLOCKED counts up at
        10 Hz; a live loop waiting in the poller once a second while the state pane counts
        a timer down, else every two seconds (a frame costs ~10 ms: idle, that is 0.5%)."""
        if self.waiting is not None:
            return WAIT_REDRAW
        if self.engine.virtual:
            return IDLE_REDRAW
        snap = self._snap  # as last drawn: asking the engine costs, idle too
        if snap.get("phase") in ("blocked", "paused", "run"):
            return TIMED_REDRAW
        if self.show_state and any(it.get("due") is not None for it in snap.get("items") or ()):
            return COUNTDOWN_REDRAW
        return IDLE_REDRAW

    def pump(self) -> bool:
        """Move new events into the log pane and run queued view actions (UI thread)."""
        changed = False
        new = self.engine.log.since(self.seq)
        if new:
            self._take(new)
            changed = True
        return self._run_actions() or changed

    async def _drain(self) -> bool:
        """pump() in slices: between two, a key typed meanwhile is read and echoed (a storm
        brings thousands of events a frame)."""
        new = self.engine.log.since(self.seq)
        for start in range(0, len(new), DRAIN_SLICE):
            chunk = new[start:start + DRAIN_SLICE]
            if start:
                await asyncio.sleep(0)
                if chunk[0].seq <= self.seq:  # a key's handler pumped meanwhile (play --step)
                    chunk = [ev for ev in chunk if ev.seq > self.seq]
            if chunk:
                self._take(chunk)
        return self._run_actions() or bool(new)

    def _take(self, events: list[Any]) -> None:
        self.seq = events[-1].seq
        watch, pane = self.watch, self.pane
        for ev in events:
            watch.see(ev)
            pane.add(ev)

    def _run_actions(self) -> bool:
        changed = False
        while True:
            try:
                action = self.actions.get_nowait()
            except queue.Empty:
                break
            action()
            changed = True
        return changed

    # ------------------------------------------------ view (driver, any thread)
    def show_text(self, text: str) -> None:
        self.actions.put(lambda: self.help.show(text))

    def clear(self) -> None:
        upto = self.engine.log.seq  # what is in the log as clear runs, not as the UI gets to it
        self.actions.put(lambda: self.pane.clear(upto))

    def filter(self, kinds: list[str], places: tuple[str, ...] = ()) -> None:
        where = self.place_filter(places)
        self.actions.put(lambda: self.pane.set_filter(kinds or (), self._drained(), where))
        self.actions.put(lambda: self.pane.message(filter_message(kinds, places) + (
            "" if self.pane.has_events() or not (kinds or places) else
            " — nothing recorded so far matches (what matches will show as it comes)")))

    def place_filter(self, places: tuple[str, ...]) -> PlaceFilter | None:
        """``filter from …``: what code there did (the registry knows where the live
        objects were made, if the ring has dropped their first events)."""
        if not places:
            return None
        registry = self.engine.registry

        def site_of_name(name: str) -> str:
            rec = registry.get(name)
            return str(getattr(rec, "site", "") or "") if rec is not None else ""

        return PlaceFilter(places, site_of_name)

    def internals(self, on: bool) -> None:
        self.actions.put(lambda: self.pane.set_internals(on, self._drained()))

    def tick(self) -> None:
        pass  # the refresh task redraws on its own

    def comment(self, text: str) -> None:
        """A scenario's comment in step mode (UI thread): shown before the line it precedes."""
        self.pump()
        self.pane.message(text, "class:log.comment")

    def warn(self, text: str) -> None:
        self.actions.put(lambda: self.pane.message(text))

    def keys_help(self) -> str:
        return keys_text(self.key_bindings)

    def _drained(self) -> list[Any]:
        return [e for e in self.engine.log.snapshot() if e.seq <= self.seq]

    # ------------------------------------------------------------- input
    def _accept(self, buffer: Buffer) -> bool:
        self.run_line(buffer.text)
        return False

    def run_line(self, text: str) -> None:
        """A line entered (Enter, or a whole line of a paste)."""
        self.busy()
        if text.strip() and self.help.visible and not text.strip().startswith("help"):
            self.help.hide()
        if text.strip():
            self.pane.bottom()
            if self.player is not None and not self.player.active:
                self.show_play = False  # the replay's last word has been read
        self.submit_text(text)

    def paste(self, data: str) -> None:
        """A paste: its whole lines run in order; an unfinished last one waits for Enter."""
        paste(self.buffer, data, self.run_line)

    def toggle_help(self) -> None:
        if self.help.visible:
            self.help.hide()
            return
        word = self.buffer.text.split()[0] if self.buffer.text.split() else ""
        topic = BY_NAME[word].name if word in BY_NAME else None
        self.help.show(help_text(topic))

    def toggle_mouse(self) -> None:
        self.mouse = not self.mouse
        self.pane.message("mouse on: the wheel scrolls the log; F3 gives the mouse back to the "
                          "terminal (selecting text)" if self.mouse else
                          "mouse off: the terminal selects text; F3 turns it on (the wheel "
                          "scrolls the log)")

    def scroll(self, pages: int) -> None:
        if self.help.visible:
            self.help.scroll(-pages * self.help.page)  # help reads downwards
        else:
            for _ in range(abs(pages)):
                self.pane.page_up() if pages > 0 else self.pane.page_down()

    def scroll_to(self, top: bool) -> None:
        if self.help.visible:
            self.help.to_end(not top)
        elif top:
            self.pane.top()
        else:
            self.pane.bottom()

    def error_column(self) -> int | None:
        """0-based column of the input's parse error, if it has one."""
        err = self._error()
        return None if err is None else max(0, err.col - 1)

    def _error(self) -> Any:
        text = self.buffer.text
        if self._error_cache[0] != text:
            self._error_cache = (text, toolbar.check(text))
        return self._error_cache[1]

    # ------------------------------------------------------------- drawing
    def prompt_fragments(self) -> StyleAndTextTuples:
        if self.engine.virtual:
            now = self.snapshot().get("now", 0.0)
            return [("class:prompt", "rr "), ("class:prompt.clock", f"{now:.3f}s"),
                    ("class:prompt", "> ")]
        return [("class:prompt", "rr> ")]

    def state_width(self) -> int:
        """The state pane's width: 44 columns, less on a narrow terminal (the log keeps at
        least half of the screen), a third of a wide one (at 200 columns it wrapped its
        file sites beside a log with sixty columns to spare)."""
        columns = self.columns
        return max(1, min(max(STATE_WIDTH, columns * 3 // 10), max(24, columns // 3),
                          columns // 2))

    def state_fragments(self) -> StyleAndTextTuples:
        """The state pane; made again only when what it shows from may have changed (a new
        snapshot, at most 10 times a second), not on every key typed."""
        snap, watch = self.snapshot(), self.watch
        waits = self.waiting_now()
        key = (watch.stopped, watch.blocked_in, watch.poller, watch.queued,
               self.worker.waiting, self.state_width() - 1, waits)
        cached = self._state_drawn
        if cached is not None and cached[0] is snap and cached[1] == key:
            return cached[2]
        out = state_fragments(snap, watch, queued=key[4], width=key[5], waits=waits)
        self._state_drawn = (snap, key, out)
        return out

    def waiting_now(self) -> Waits:
        """The state pane's pending Deferreds (looked at most once a second)."""
        return self.waits.get()

    def status_fragments(self) -> StyleAndTextTuples:
        """Left: the replay, a wait, commands queued; right: the clock and the loop. Each
        part has a short form; on a narrow screen the short forms come first, then the left
        parts go: which clock this is (live or virtual) and the loop's state always stay."""
        snap = self.snapshot()
        left: list[tuple[str, list[str]]] = []
        p = self.player
        if p is not None and self.show_play:
            left.append(("class:status.play", [p.status(), p.status(short=True)]))
        progress = self.wait_progress()
        if progress:
            left.append(("class:status.play", [f"{progress} · Ctrl-C stops", progress]))
        phase = snap.get("phase")
        waiting = self.worker.waiting + snap.get("commands_waiting", self.watch.queued)
        if waiting and phase in ("blocked", "paused"):
            many = waiting != 1
            left.append(("class:status.queue", [
                f"{waiting} typed command{'s' if many else ''} {'wait' if many else 'waits'} "
                "for the loop", f"{waiting} queued"]))
        elif progress and self.worker.waiting:
            # lines typed during a wait run after it (they vanished without a word)
            many = self.worker.waiting != 1
            left.append(("class:status.queue", [
                f"{self.worker.waiting} typed line{'s' if many else ''} "
                f"{'run' if many else 'runs'} after the wait", f"{self.worker.waiting} queued"]))
        style, text = loop_status(snap, self.watch)
        loop_style = "class:status.blocked" if style in (
            "class:state.blocked", "class:state.paused") else "class:status"
        clock = str(snap.get("clock", "live"))
        right = [("class:status", [f"{clock} {snap.get('now', 0.0):.3f}s · tick "
                                   f"{snap.get('tick', 0)}", clock]),
                 (loop_style, [text, short_status(text)])]
        return fit_status(left, right, self.columns)

    def toolbar_fragments(self) -> StyleAndTextTuples:
        doc = self.buffer.document
        return toolbar.toolbar_fragments(doc.text_before_cursor, self._error(), self.columns)


def short_status(text: str) -> str:
    """The loop's state without where: ``BLOCKED 1.2s``, ``paused``, ``waiting in epoll``."""
    if text.startswith("BLOCKED"):
        return " ".join(text.split()[:2])
    if text.startswith("paused"):
        return "paused (continue/step)"
    if text.startswith("stopped"):
        return "stopped"
    if text.startswith("the record ends"):
        return "the record ends"
    if text.startswith(("the program", "its reactor", "not running")):
        return text.split(":")[0].split(";")[0]
    if text.startswith("idle"):
        return "idle"
    return text


Part = tuple[str, list[str]]  # a style and the forms of a text, longest first


def fit_status(left: list[Part], right: list[Part], width: int) -> StyleAndTextTuples:
    """Lay out the status line in ``width`` columns: short forms before anything is left
    out, and a text cut only as the very last resort."""
    form = [0] * (len(left) + len(right))  # which form each part shows
    parts = left + right

    def text(i: int) -> str:
        return f" {parts[i][1][form[i]]} "

    def total(shown: list[int]) -> int:
        return sum(len(text(i)) for i in shown) + 1

    shown = list(range(len(parts)))
    # the clock first, then the loop, then the left parts from the right
    for i in [len(left), len(left) + 1] + list(range(len(left) - 1, -1, -1)):
        if i >= len(parts) or total(shown) <= width:
            break
        form[i] = len(parts[i][1]) - 1
    while shown[0] < len(left) and total(shown) > width:
        shown.remove(max(i for i in shown if i < len(left)))
        if not any(i < len(left) for i in shown):
            break
    # what fits again once the others are short: the clock's whole form first, then the
    # loop's (the time was left out during a wait, a block or a replay, with room to spare)
    for i in (len(left), len(left) + 1):
        if i < len(parts) and form[i]:
            was, form[i] = form[i], 0
            if total(shown) > width:
                form[i] = was
    out: StyleAndTextTuples = [(parts[i][0], text(i)) for i in shown if i < len(left)]
    room = width - sum(len(text(i)) for i in shown)
    out.append(("class:status", " " * max(1, room)))
    out += [(parts[i][0], text(i)) for i in shown if i >= len(left)]
    over = sum(len(t) for _, t, *_ in out) - width
    if over > 0:  # narrower than the clock and the loop's short state: cut the loop's
        style, last = out[-1]
        out[-1] = (style, last[:max(0, len(last) - over)])
    return out
