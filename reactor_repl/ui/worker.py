"""The prompt worker: runs the driver in its own thread, one job at a time.

``wait``, ``step``, ``load`` and a replay block the thread that runs them, so
they must not run in the UI thread: the UI only puts jobs on this queue.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

Job = Callable[[], object]


class PromptWorker:
    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self.jobs: queue.Queue[tuple[str, Job] | None] = queue.Queue()
        self.current: str | None = None  # the label of the job running now
        self.interrupt = threading.Event()  # Ctrl-C: stop a replay or a wait
        self.on_error = on_error
        self.thread = threading.Thread(target=self._run, name="prompt", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def submit(self, label: str, job: Job) -> None:
        self.jobs.put((label, job))

    @property
    def waiting(self) -> int:
        """Jobs not started yet."""
        return self.jobs.qsize()

    @property
    def busy(self) -> bool:
        return self.current is not None or not self.jobs.empty()

    def stop(self) -> None:
        self.interrupt.set()
        self.jobs.put(None)

    def _run(self) -> None:
        while True:
            item = self.jobs.get()
            if item is None:
                return
            label, job = item
            self.interrupt.clear()
            self.current = label
            try:
                job()
            except Exception as e:  # a failing command must not end the session
                if self.on_error is not None:
                    try:
                        self.on_error(e)
                    except Exception:
                        pass
            finally:
                self.current = None
