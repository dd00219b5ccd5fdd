"""Threads of ours that a traced program must not see.

``threading.enumerate()`` and ``threading.active_count()`` list every
``threading.Thread``: a program that counts its threads (a test making sure it left none
running) would count the watchdog too. These threads are started with ``_thread``, as a
C extension's are, and are not in ``threading``'s tables. Their code must not ask
``threading.current_thread()`` (that would list it as a dummy thread): the engine knows
them by the label each gives itself first (``Engine.label_thread``).
"""

from __future__ import annotations

import _thread
import threading
from typing import Any, Callable


class Unlisted:
    """A thread ``threading`` does not list; ``join`` waits for it to end."""

    def __init__(self, target: Callable[[], Any]) -> None:
        self._target = target
        self._done = threading.Event()

    def start(self) -> None:
        _thread.start_new_thread(self._run, ())

    def _run(self) -> None:
        try:
            self._target()
        finally:
            self._done.set()

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)

    def is_alive(self) -> bool:
        return not self._done.is_set()
