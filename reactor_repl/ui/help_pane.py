"""The help pane (help, F1): shown over the log until Esc or F1; PageUp/PageDown scroll it.

It scrolls by screen lines, not by lines of the help text: a page is what was on the
screen, wrapped lines and all, so PageDown never skips text.
"""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.layout.controls import UIContent, UIControl

from reactor_repl.ui.log_pane import wrap
from reactor_repl.views.escape import printable

TITLE = " help — Esc or F1 closes · PageUp/PageDown scroll · help COMMAND for one page "


class HelpPane:
    def __init__(self) -> None:
        self.lines: list[str] | None = None  # None: hidden
        self.offset = 0  # screen lines scrolled past
        self.page = 20  # screen lines of text in the pane, updated on each draw
        self._wrapped: tuple[int, list[StyleAndTextTuples]] | None = None  # (width, lines)

    @property
    def visible(self) -> bool:
        return self.lines is not None

    def show(self, text: str) -> None:
        self.lines = text.splitlines()
        self.offset = 0
        self._wrapped = None

    def hide(self) -> None:
        self.lines = None
        self._wrapped = None

    def screen_lines(self, width: int) -> list[StyleAndTextTuples]:
        """The help text cut to ``width`` columns (kept until the width changes)."""
        if self._wrapped is None or self._wrapped[0] != width:
            out: list[StyleAndTextTuples] = []
            for text in self.lines or []:
                out += wrap([("class:help", printable(text))], width, indent="    ")
            self._wrapped = (width, out)
        return self._wrapped[1]

    @property
    def last_offset(self) -> int:
        """The offset at which the end of the text is at the bottom of the pane."""
        total = len(self._wrapped[1]) if self._wrapped is not None else len(self.lines or [])
        return max(0, total - self.page)

    def scroll(self, rows: int) -> None:
        if self.lines is not None:
            self.offset = max(0, min(self.offset + rows, self.last_offset))

    def to_end(self, end: bool) -> None:
        self.offset = self.last_offset if end else 0

    def render(self, width: int, height: int) -> list[StyleAndTextTuples]:
        self.page = max(1, height - 1)
        lines = self.screen_lines(width)
        self.offset = max(0, min(self.offset, len(lines) - self.page))
        out: list[StyleAndTextTuples] = [[("class:help.title", TITLE[:width].ljust(width))]]
        return out + lines[self.offset:self.offset + self.page]


class HelpControl(UIControl):
    def __init__(self, pane: HelpPane) -> None:
        self.pane = pane

    def create_content(self, width: int, height: int) -> UIContent:
        lines = self.pane.render(width, height)
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)

    def is_focusable(self) -> bool:
        return False
