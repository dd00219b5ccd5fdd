"""The help pane (help, F1): shown over the log until Esc or F1; PageUp/PageDown scroll it."""

from __future__ import annotations

from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.layout.controls import UIContent, UIControl

from reactor_repl.ui.log_pane import clean, wrap

TITLE = " help — Esc or F1 closes · PageUp/PageDown scroll · help COMMAND for one page "


class HelpPane:
    def __init__(self) -> None:
        self.lines: list[str] | None = None  # None: hidden
        self.offset = 0
        self.page = 20

    @property
    def visible(self) -> bool:
        return self.lines is not None

    def show(self, text: str) -> None:
        self.lines = text.splitlines()
        self.offset = 0

    def hide(self) -> None:
        self.lines = None

    def scroll(self, rows: int) -> None:
        if self.lines is not None:
            self.offset = max(0, min(self.offset + rows, len(self.lines) - 1))

    def render(self, width: int, height: int) -> list[StyleAndTextTuples]:
        self.page = max(1, height - 2)
        out: list[StyleAndTextTuples] = [[("class:help.title", TITLE[:width].ljust(width))]]
        for text in (self.lines or [])[self.offset:]:
            out += wrap([("class:help", clean(text))], width, indent="    ")
            if len(out) >= height:
                break
        return out[:height]


class HelpControl(UIControl):
    def __init__(self, pane: HelpPane) -> None:
        self.pane = pane

    def create_content(self, width: int, height: int) -> UIContent:
        lines = self.pane.render(width, height)
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)

    def is_focusable(self) -> bool:
        return False
