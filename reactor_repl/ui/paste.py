"""A paste of several lines: each whole line runs in order, as if typed with Enter.

prompt_toolkit's own handling puts the pasted newlines into the one-line input: the
screen showed only the prompt, the line's check reported a false error about the
second line, and nothing ran until Enter. Here every complete line of the paste is
run at once (each shows in the log as it runs, as a typed line does) and kept in the
history; an unfinished last line stays in the input line, to finish with Enter.
"""

from __future__ import annotations

from typing import Callable

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document


def paste(buffer: Buffer, data: str, run: Callable[[str], None]) -> list[str]:
    """Insert ``data`` at the cursor; run the lines it completes. Returns those lines."""
    data = data.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in data:
        buffer.insert_text(data)
        return []
    doc = buffer.document
    *whole, rest = (doc.text_before_cursor + data).split("\n")
    after = doc.text_after_cursor
    buffer.set_document(Document(rest + after, len(rest)), bypass_readonly=True)
    ran = [line for line in whole if line.strip()]
    for line in ran:
        buffer.history.append_string(line)
        run(line)
    return ran
