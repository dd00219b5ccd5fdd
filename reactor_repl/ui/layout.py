"""The screen, built from plain functions of the Explorer (the ptpython way).

    ┌ log pane (or help) ───────────────┬ state pane (F2) ┐
    │ #0012  1.000  [9]  timer.fire  t1 │ clock  live …   │
    ├ status: play progress · queue · scroll       BLOCKED 1.2s ┤
    │ rr> later 1 t1                                      │
    │ later DELAY [NAME] [do …]  reactor.callLater — …    │
    └ error as you type, or the keys                      ┘
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prompt_toolkit.filters import Condition
from prompt_toolkit.layout import (
    ConditionalContainer,
    Float,
    FloatContainer,
    HSplit,
    Layout,
    VSplit,
    Window,
)
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl
from prompt_toolkit.layout.dimension import Dimension
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import (
    Processor,
    Transformation,
    TransformationInput,
)
from prompt_toolkit.layout.utils import explode_text_fragments
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.widgets import SearchToolbar

from reactor_repl.language.lexer import ReactorReplLexer
from reactor_repl.ui.help_pane import HelpControl
from reactor_repl.ui.log_pane import LogControl

if TYPE_CHECKING:
    from reactor_repl.ui.explorer import Explorer

STATE_WIDTH = 44
MENU_ROWS = 12  # completions shown at once (the menu scrolls)
BELOW_MENU = 4  # the status line, the input line and the two toolbar lines: never covered


def menu_height(ex: Explorer) -> int:
    """Rows of the completion menu: one a completion, at most MENU_ROWS and what fits
    above the status line."""
    state = ex.buffer.complete_state
    count = len(state.completions) if state is not None else 0
    try:
        rows = ex.app.output.get_size().rows
    except Exception:
        rows = 24
    return max(0, min(count, MENU_ROWS, rows - BELOW_MENU - 1))


class ErrorMark(Processor):
    """Underline the word where the line's parse error is (validation as you type)."""

    def __init__(self, ex: Explorer) -> None:
        self.ex = ex

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        col = self.ex.error_column()
        if col is None or ti.lineno != 0:
            return Transformation(ti.fragments)
        fragments = explode_text_fragments(ti.fragments)
        i = col
        while i < len(fragments):
            style, text = fragments[i][0], fragments[i][1]
            if text.isspace() and i > col:
                break
            fragments[i] = (style + " class:input.error", text)
            i += 1
        return Transformation(fragments)


def body_size(ex: Explorer) -> tuple[int, int]:
    """(columns, rows) of the log pane. Every size is given exactly: prompt_toolkit grows
    a flexible window one row or column at a time, some 900 steps a frame at 120x40."""
    try:
        size = ex.app.output.get_size()
        columns, rows = size.columns, size.rows
    except Exception:
        columns, rows = 80, 24
    searching = 1 if ex.app.layout.is_searching else 0
    if ex.show_state:
        columns -= ex.state_width() + 1
    return max(1, columns), max(1, rows - BELOW_MENU - searching)


def log_area(ex: Explorer) -> HSplit:
    help_shown = Condition(lambda: ex.help.visible)

    def width() -> Dimension:
        return Dimension.exact(body_size(ex)[0])

    def height() -> Dimension:
        return Dimension.exact(body_size(ex)[1])

    return HSplit([
        ConditionalContainer(Window(HelpControl(ex.help), width=width, height=height),
                             filter=help_shown),
        ConditionalContainer(Window(LogControl(ex.pane), width=width, height=height),
                             filter=~help_shown),
    ], width=width, height=height)


def state_area(ex: Explorer) -> ConditionalContainer:
    return ConditionalContainer(
        VSplit([
            Window(width=1, char="│", style="class:state.border"),
            # no style of its own: a styled window paints every cell of its area each frame
            Window(FormattedTextControl(ex.state_fragments), width=lambda: Dimension.exact(
                ex.state_width()), wrap_lines=False),
        ]),
        filter=Condition(lambda: ex.show_state),
    )


def input_window(ex: Explorer, search: SearchToolbar) -> Window:
    control = BufferControl(
        buffer=ex.buffer,
        lexer=PygmentsLexer(ReactorReplLexer),
        input_processors=[ErrorMark(ex)],
        search_buffer_control=search.control,
        preview_search=True,
    )
    return Window(control, height=1, get_line_prefix=lambda n, w: ex.prompt_fragments(),
                  dont_extend_height=True)


def create_layout(ex: Explorer) -> Layout:
    search = SearchToolbar(ignore_case=True)
    entry = input_window(ex, search)
    root = HSplit([
        VSplit([log_area(ex), state_area(ex)], height=lambda: Dimension.exact(body_size(ex)[1])),
        Window(FormattedTextControl(ex.status_fragments), height=1, style="class:status"),
        entry,
        search,
        Window(FormattedTextControl(ex.toolbar_fragments), height=2, style="class:toolbar"),
    ])
    # the menu opens above the status line, never over it or the key hints
    container = FloatContainer(root, floats=[
        # not over help: its rows were printed into the help's text (F1 with the STEP
        # menu open read "raise [MESSAG raise    raise Exception(MESSAGE)")
        Float(xcursor=True, bottom=BELOW_MENU, height=lambda: menu_height(ex),
              content=ConditionalContainer(
                  CompletionsMenu(max_height=MENU_ROWS, scroll_offset=1),
                  filter=Condition(lambda: not ex.help.visible))),
    ])
    return Layout(container, focused_element=entry)
