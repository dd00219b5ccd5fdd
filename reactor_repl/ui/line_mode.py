"""Line mode (``--line``): a PromptSession with the log printed above the prompt.

Plain lines in SPEC §3's format, one per event, as the headless runner prints
them; the same highlighting, completion and syntax toolbar as the explorer.
Nothing redraws on its own except the toolbar while the loop is blocked, which
makes it the mode for screen readers.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from contextlib import contextmanager
from typing import IO, Iterator

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.output import ColorDepth, Output
from prompt_toolkit.patch_stdout import patch_stdout

from reactor_repl.engine.core import Engine
from reactor_repl.engine.events import Event
from reactor_repl.language.lexer import ReactorReplLexer
from reactor_repl.ui import toolbar
from reactor_repl.ui.capture import captured
from reactor_repl.ui.completer import ReplCompleter
from reactor_repl.ui.log_pane import is_note
from reactor_repl.ui.paste import paste
from reactor_repl.ui.play import Player
from reactor_repl.ui.session import Session
from reactor_repl.ui.state_pane import LoopWatch, loop_status
from reactor_repl.ui.styles import explorer_style
from reactor_repl.views.places import PlaceFilter, filter_message, is_answer
from reactor_repl.views.text import family, format_line, want_colour
from reactor_repl.language.kinds import MULTILINE_KINDS

PRINT_EVERY = 0.05

LINE_KEYS = """keys (line mode)
  Enter          Run the line (on an empty line in play --step: the scenario's next line).
  Tab            Complete: command words, object names that fit, STEP words, file paths.
  Up / Down      Walk through the input history.   Ctrl-R  Search it.
  Ctrl-C         Stop a replay or a wait; else clear the line; on an empty line, quit.
  Ctrl-D         Quit (on an empty line).
  paste          Each whole line runs in order; an unfinished last line waits for Enter."""


class LineSession(Session):
    def __init__(self, engine: Engine, *, internals: bool = False, allow_python_files: bool = False,
                 player: Player | None = None, history: History | None = None,
                 input: Input | None = None, output: Output | None = None,
                 out: IO[str] | None = None) -> None:
        super().__init__(engine, allow_python_files=allow_python_files, player=player)
        self._out = out  # None: the screen (patch_stdout's proxy)
        self._screen: IO[str] | None = None
        self.colour = want_colour(sys.stdout) if out is None else False
        self.internals_on = internals
        self.kinds: tuple[str, ...] = ()
        self.places: PlaceFilter | None = None  # filter … from MODULE_OR_FILE
        self.watch = LoopWatch()
        self.seq = 0
        self.texts: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()
        # filter lines typed: (the log's seq then, kinds, places), applied from that seq on
        self.filters: queue.SimpleQueue[tuple[int, tuple[str, ...], PlaceFilter | None]] = \
            queue.SimpleQueue()
        self._stop = threading.Event()
        self._advance: Event | None = None
        self._blocked = False
        kb = KeyBindings()

        @kb.add("c-c")
        def _interrupt(event: KeyPressEvent) -> None:
            "Stop a replay or a wait; else clear the line; on an empty line, quit."
            if self.interrupt():
                return
            if event.app.current_buffer.text:
                event.app.current_buffer.reset()
                return
            self.request_quit()
            event.app.exit(result=None)

        @kb.add(Keys.BracketedPaste)
        def _paste(event: KeyPressEvent) -> None:
            "A paste: each whole line runs in order; an unfinished last line waits for Enter."
            paste(event.app.current_buffer, event.data, self.submit_text)

        self.prompt = PromptSession(
            message=self.prompt_message,
            lexer=PygmentsLexer(ReactorReplLexer),
            completer=ReplCompleter(self.items, self.next_name, self.python_names),
            complete_while_typing=True,
            history=history or InMemoryHistory(),
            style=explorer_style(),
            bottom_toolbar=self.bottom_toolbar,
            key_bindings=kb,
            color_depth=ColorDepth.MONOCHROME if not self.colour and out is None and
            not want_colour(sys.stdout) else None,
            input=input,
            output=output,
        )

    # ------------------------------------------------------------- running
    def run(self) -> int:
        self.worker.start()
        self.texts.put((self.engine.log.seq, self.welcome()))
        printer = threading.Thread(target=self._print_loop, name="printer", daemon=True)
        undo = self.catch_signals()
        try:
            with patch_stdout(raw=True), self._screen_stream(), captured(self.engine):
                printer.start()
                if self.player is not None:
                    self.start_play()
                while not self.should_leave():
                    if self.quit_at is not None:
                        time.sleep(0.02)  # quit asked: queued commands get a moment
                        continue
                    try:
                        text = self.prompt.prompt(handle_sigint=False)
                    except EOFError:
                        self.request_quit()
                        continue
                    except KeyboardInterrupt:
                        continue
                    except OSError as e:
                        if not self.terminal_lost(e):
                            raise
                        continue
                    if text is not None:
                        self.submit_text(text)
                self._stop.set()
                printer.join(1.0)
        finally:
            undo()
            self._stop.set()
            self.finish()
        return self.exit_code

    @contextmanager
    def _screen_stream(self) -> Iterator[None]:
        """Log lines go above the prompt through the stream patch_stdout put in place;
        from then on ``sys.stdout`` is the person's (captured into the log)."""
        self._screen = sys.stdout
        try:
            yield
        finally:
            self._screen = None

    def wake(self) -> None:
        app = self.prompt.app
        if app.is_running and app.loop is not None:
            app.loop.call_soon_threadsafe(lambda: app.exit(result=None))

    def _print_loop(self) -> None:
        """Print new events (and help) above the prompt; keep the toolbar's BLOCKED live."""
        while not self._stop.is_set():
            try:
                self.flush()
                blocked = self.snapshot().get("phase") in ("blocked", "paused")
                if blocked or self._blocked:
                    self._invalidate()
                self._blocked = blocked
            except Exception:
                pass
            self._stop.wait(PRINT_EVERY)
        self.flush()

    def flush(self) -> None:
        new = self.engine.log.since(self.seq)
        pending_texts: list[tuple[int, str]] = []
        while True:
            try:
                pending_texts.append(self.texts.get_nowait())
            except queue.Empty:
                break
        filters: list[tuple[int, tuple[str, ...], PlaceFilter | None]] = []
        while True:
            try:
                filters.append(self.filters.get_nowait())
            except queue.Empty:
                break
        lines: list[str] = []
        advance = self._advance  # a clock.advance held back: printed unless a row follows
        for ev in new:
            while pending_texts and pending_texts[0][0] < ev.seq:
                lines.append(pending_texts.pop(0)[1])
            while filters and filters[0][0] < ev.seq:
                _, self.kinds, self.places = filters.pop(0)
            self.seq = ev.seq
            self.watch.see(ev)
            if self.places is not None:
                self.places.learn(ev)
            if not self.visible(ev) or ev.kind == "input" and is_note(ev.text):
                continue  # (a note shows once: the note, not also the line typed)
            advance = None  # something follows it: it only moved time, as the row's t says
            if ev.kind == "clock.advance" and not self.internals_on and not (
                    {"clock", "clock.advance"} & set(self.kinds)):
                advance = ev
                continue
            lines.append(self.format(ev))
        if advance is not None and not new and not pending_texts:
            lines.append(self.format(advance))  # nothing came after it: where time is now
            advance = None
        self._advance = advance
        if filters:  # typed after the last event: from the next one on
            _, self.kinds, self.places = filters[-1]
        lines += [t for _, t in pending_texts]
        if lines:
            out = self._out or self._screen or sys.stdout
            out.write("\n".join(lines) + "\n")
            out.flush()
            self._snap_at = 0.0
            self._invalidate()

    def _invalidate(self) -> None:
        app = self.prompt.app
        if app.is_running:
            app.invalidate()

    def visible(self, ev: Event) -> bool:
        if ev.kind == "error":
            return True
        if ev.internal and not self.internals_on:
            return False
        if self.places is not None and not self.places.belongs(ev):
            return False
        if self.places is not None and is_answer(ev):
            return True  # what was typed and its answers, as filter's message says
        return not self.kinds or ev.kind in self.kinds or family(ev.kind) in self.kinds

    def format(self, ev: Event) -> str:
        line = format_line(ev, self.colour)
        if ev.kind in MULTILINE_KINDS and ev.data and ev.data.get("lines"):
            line += "".join("\n        " + str(x) for x in ev.data["lines"][1:])
        return line

    # ------------------------------------------------------------- drawing
    def prompt_message(self) -> StyleAndTextTuples:
        if self.engine.virtual:
            now = self.snapshot().get("now", 0.0)
            return [("class:prompt", "rr "), ("class:prompt.clock", f"{now:.3f}s"),
                    ("class:prompt", "> ")]
        return [("class:prompt", "rr> ")]

    def bottom_toolbar(self) -> StyleAndTextTuples:
        doc = self.prompt.default_buffer.document
        err = toolbar.check(doc.text)
        snap = self.snapshot()
        out: StyleAndTextTuples = [("class:status", f" {snap.get('clock', 'live')} "), ("", " ")]
        progress = self.wait_progress()
        if progress:
            out += [("class:status.play", f" {progress} · Ctrl-C stops "), ("", " ")]
        style, text = loop_status(snap, self.watch)
        if snap.get("phase") in ("blocked", "paused"):
            out.append(("class:status.blocked", f" {text} "))
            out.append(("", " "))
        if self.player is not None and self.player.active:
            out.append(("class:status.play", f" {self.player.status()} "))
            out.append(("", " "))
        if err is not None:
            out.append(("class:toolbar.error", toolbar.error_text(err)))
        else:
            out += toolbar.syntax_fragments(doc.text_before_cursor) or [
                ("class:toolbar", "help · Tab completes · Ctrl-D quits")]
        return out

    # ------------------------------------------------ view (driver, any thread)
    def show_text(self, text: str) -> None:
        self.texts.put((self.engine.log.seq, text))

    def clear(self) -> None:
        self.texts.put((self.engine.log.seq, "\x1b[H\x1b[2J" if self.colour else "(cleared)"))

    def filter(self, kinds: list[str], places: tuple[str, ...] = ()) -> None:
        registry = self.engine.registry

        def site_of_name(name: str) -> str:
            rec = registry.get(name)
            return str(getattr(rec, "site", "") or "") if rec is not None else ""

        seq = self.engine.log.seq  # from the events after the line: not those printed late
        self.filters.put((seq, tuple(kinds or ()),
                          PlaceFilter(places, site_of_name) if places else None))
        self.texts.put((seq, filter_message(kinds, places)))

    def internals(self, on: bool) -> None:
        self.internals_on = on

    def tick(self) -> None:
        pass

    def comment(self, text: str) -> None:
        self.texts.put((self.engine.log.seq, text))

    def warn(self, text: str) -> None:
        self.texts.put((self.engine.log.seq, text))

    def keys_help(self) -> str:
        return LINE_KEYS
