"""The explorer's keys. Each handler's docstring is its line in ``help keys``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prompt_toolkit.filters import Condition, has_completions
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

if TYPE_CHECKING:
    from reactor_repl.ui.explorer import Explorer

# keys prompt_toolkit provides that the explorer relies on (shown in help keys)
BUILTIN_KEYS = (
    ("Enter", "Run the line (on an empty line in play --step: run the scenario's next line)."),
    ("Tab", "Complete: command words, object names that fit, STEP words, file paths."),
    ("Up / Down", "Walk through the input history."),
    ("Ctrl-R", "Search the input history backwards."),
    ("mouse wheel", "Scroll the log while the mouse is on (F3)."),
)

_NAMES = {"c-": "Ctrl-", "s-": "Shift-"}


def key_name(key: object) -> str:
    text = str(getattr(key, "value", key))
    for short, long in _NAMES.items():
        if text.startswith(short):
            return long + text[len(short):].upper()
    return {"pageup": "PageUp", "pagedown": "PageDown", "home": "Home", "end": "End",
            "escape": "Esc", "<bracketed-paste>": "paste"}.get(text, text.upper() if len(text) <= 3 else text)


def describe(kb: KeyBindings) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding, from the handlers' docstrings."""
    out: list[tuple[str, str]] = []
    for b in kb.bindings:
        doc = (b.handler.__doc__ or "").strip()
        if doc:
            out.append((" ".join(key_name(k) for k in b.keys), doc))
    return out


def keys_text(kb: KeyBindings) -> str:
    rows = describe(kb) + list(BUILTIN_KEYS)
    lines = ["keys"]
    lines += [f"  {keys:<14} {what}" for keys, what in rows]
    return "\n".join(lines)


def create_key_bindings(ex: Explorer) -> KeyBindings:
    kb = KeyBindings()
    help_shown = Condition(lambda: ex.help.visible)
    line_empty = Condition(lambda: not ex.buffer.text)
    log_keys = Condition(lambda: not ex.buffer.text or ex.pane.offset > 0 or ex.help.visible)

    @kb.add("f1")
    def _help(event: KeyPressEvent) -> None:
        "Help for the command being typed (or all commands); F1 again closes it."
        ex.toggle_help()

    @kb.add("f2")
    def _state(event: KeyPressEvent) -> None:
        "Show or hide the state pane."
        ex.show_state = not ex.show_state

    @kb.add("f3")
    def _mouse(event: KeyPressEvent) -> None:
        "Mouse on/off. Off (the default): the terminal selects and copies text. On: the wheel scrolls the log."
        ex.toggle_mouse()

    @kb.add("escape", filter=help_shown, eager=True)
    def _close_help(event: KeyPressEvent) -> None:
        "Close help."
        ex.help.hide()

    @kb.add("escape", filter=Condition(lambda: ex.pane.pinned()) & ~has_completions & ~help_shown,
            eager=True)
    def _let_answer_go(event: KeyPressEvent) -> None:
        "Let the pinned answer go (it stays in the log, where it was said)."
        ex.pane.let_answer_go()

    @kb.add("escape", filter=has_completions & ~help_shown, eager=True)
    def _close_menu(event: KeyPressEvent) -> None:
        "Close the completion menu."
        event.current_buffer.cancel_completion()

    @kb.add("tab", filter=has_completions)
    def _next_completion(event: KeyPressEvent) -> None:
        # (Tab's line in help keys is BUILTIN_KEYS': this only keeps a lone completion)
        b = event.current_buffer
        state = b.complete_state
        if state is not None and len(state.completions) == 1 and state.complete_index == 0:
            # the only completion is in: a second Tab kept cycling, back to what was typed
            # ('sh' again, and an unknown command), where a shell's does nothing
            b.complete_state = None
            return
        b.complete_next()

    @kb.add("pageup")
    def _page_up(event: KeyPressEvent) -> None:
        "Scroll the log (or help) up a page: the log stops following new lines."
        ex.scroll(+1)

    @kb.add("pagedown")
    def _page_down(event: KeyPressEvent) -> None:
        "Scroll down a page; at the bottom the log follows new lines again."
        ex.scroll(-1)

    @kb.add("home", filter=log_keys)
    def _top(event: KeyPressEvent) -> None:
        "Jump to the oldest row of the log (Home/End move in the line once you type)."
        ex.scroll_to(top=True)

    @kb.add("end", filter=log_keys)
    def _bottom(event: KeyPressEvent) -> None:
        "Back to the newest row: the log follows again."
        ex.scroll_to(top=False)

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        "Clear the line; on an empty line stop a replay or a wait, else quit."
        if ex.buffer.text:  # (as in a shell: a half-typed line first; it ended a lesson)
            ex.buffer.reset()
            return
        if ex.interrupt():
            return
        ex.request_quit()

    @kb.add("c-d", filter=line_empty)
    def _quit(event: KeyPressEvent) -> None:
        "Quit (on an empty line)."
        ex.request_quit()

    @kb.add(Keys.BracketedPaste)
    def _paste(event: KeyPressEvent) -> None:
        "A paste: each whole line runs in order; an unfinished last line waits for Enter."
        ex.paste(event.data)

    @kb.add("c-z")
    def _suspend(event: KeyPressEvent) -> None:
        "Suspend to the shell, as a shell's job (fg brings it back; the loop is stopped meanwhile)."
        event.app.suspend_to_background()

    @kb.add("c-l")
    def _redraw(event: KeyPressEvent) -> None:
        "Redraw the whole screen."
        event.app.renderer.clear()

    return kb
