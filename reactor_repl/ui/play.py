"""``play FILE``: a scenario replayed inside the UI, whole or one line per Enter."""

from __future__ import annotations

from dataclasses import dataclass

from reactor_repl.language.words import text_lines


@dataclass
class Player:
    path: str
    text: str
    step: bool = False
    lineno: int = 0  # the line running now, or the last one run
    state: str = "waiting"  # waiting | running | stopped | done
    comments_shown: int = 0  # the comments before this line were shown already (--step)
    quit_line: int = 0  # the file's own quit ended the replay there (the explorer stays)

    def __post_init__(self) -> None:
        self.lines = text_lines(self.text)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "running")

    def next_line(self) -> tuple[int, str, list[str]] | None:
        """(lineno, text, comments passed on the way) of the next line to run, or None."""
        comments: list[str] = []
        n = self.lineno
        while n < self.total:
            n += 1
            raw = self.lines[n - 1]
            body = raw.strip()
            if not body:
                continue
            if body.startswith("#"):
                comments.append(body)
                continue
            return n, raw, comments
        return None

    def paragraph(self, lineno: int) -> list[tuple[int, str]]:
        """The ``note`` lines right after a note at ``lineno``: one Enter runs a note of
        several lines whole (a sentence cut at its line's end took one Enter a line)."""
        if not _is_note(self.lines[lineno - 1]):
            return []
        more: list[tuple[int, str]] = []
        n = lineno
        while n < self.total and _is_note(self.lines[n]):
            more.append((n + 1, self.lines[n]))
            n += 1
        return more

    def status(self, short: bool = False) -> str:
        """The replay's progress for the status line (``short``: for a narrow screen)."""
        name = self.path
        if self.state == "done":
            return "play: done" if short else \
                f"play {name}: done ({self.total} lines) — interactive now"
        if self.state == "stopped":
            return f"play: stopped at {self.lineno}" if short else \
                f"play {name}: stopped at line {self.lineno} (Ctrl-C) — interactive now"
        if self.step:
            nxt = self.next_line()
            if nxt is None:
                return "play: Enter ends" if short else f"play {name}: end of file — Enter finishes"
            if short:
                return f"play {nxt[0]}/{self.total} · Enter"
            return f"play {name} {nxt[0]}/{self.total} · Enter runs: {nxt[1].strip()}"
        if short:
            return f"play {self.lineno}/{self.total}"
        return f"play {name} line {self.lineno}/{self.total} · Ctrl-C stops the replay"


def _is_note(raw: str) -> bool:
    from reactor_repl.language.table import BY_NAME

    words = raw.split(None, 1)
    command = BY_NAME.get(words[0]) if words else None
    return command is not None and command.name == "note"
