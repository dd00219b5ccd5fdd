"""The one hook on ``os._exit``: after it no exit handler runs, so what must happen as the
process ends — a traced program's record written, the terminal put back — is asked for
here and runs first (a program's ``os._exit``, or ``py os._exit(5)`` typed)."""

from __future__ import annotations

import os
from typing import Callable


def before_os_exit(fn: Callable[[int], None]) -> Callable[[], None]:
    """Call ``fn(status)`` first when ``os._exit(status)`` is called (once; what it raises
    does not stop the exit). Returns the undo. ``os._exit`` keeps its own name."""
    real = os._exit

    def _exit(status: int, /) -> None:
        os._exit = real  # (once: an os._exit inside fn is the real one)
        try:
            fn(status)
        except BaseException:
            pass
        real(status)

    _exit.__name__, _exit.__qualname__, _exit.__doc__ = (
        real.__name__, real.__qualname__, real.__doc__)
    os._exit = _exit  # type: ignore[assignment]

    def undo() -> None:
        if os._exit is _exit:
            os._exit = real

    return undo
