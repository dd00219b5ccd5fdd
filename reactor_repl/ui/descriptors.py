"""Output that goes around ``sys.stdout``: into the log, not onto the screen.

Python-level writes (``print``, ``sys.stderr.write``) are caught by ``capture.py``'s
proxies, one ``output`` event a line with its thread and the line that printed it.
What goes around them — ``sys.__stdout__``, ``os.write(1, …)``, a stream a library took
before the proxies went in (Twisted's own "Unhandled error in Deferred" goes to the
``sys.stderr`` it saw at import), C code, child processes — writes file descriptors 1
and 2. While a session runs (the full-screen explorer, ``run``; line mode leaves them
to the terminal) and while the explorer runs beside a traced program, those are pipes
read by a thread of their own, each line an ``output`` event too; the views write on
duplicates of the descriptors they had. A child process still writing when the session
ends gets a relay process that copies on what it writes (``stop``).
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
from typing import IO, Any

from reactor_repl.ui.capture import KIND, MAX_LINE

STREAMS = ((1, "stdout"), (2, "stderr"))
DRAIN_CHUNKS = 16  # reads of up to 64 KiB a drain takes at most, the lock held
SETTLE_PATIENCE = 0.05  # seconds the loop waits for a reader busy recording


class DescriptorCapture:
    """Descriptors 1 and 2 as pipes into the log, for as long as the view runs."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.saved: dict[int, int] = {}  # fd → a duplicate of what it was (the terminal)
        self.readers: list[threading.Thread] = []
        self.out: IO[str] | None = None  # a text stream on what descriptor 1 was
        self.err: IO[str] | None = None  # … and 2
        # the pipes' read ends still open → (stream name, its unfinished line); read by
        # their threads or by ``settle``, one at a time (the lock): bytes read are recorded
        # before the lock is let go
        self._ends: dict[int, tuple[str, bytes]] = {}
        self._lock = threading.Lock()
        self._wake: tuple[int, int] | None = None  # stop() tells the readers to let go

    @staticmethod
    def possible() -> bool:
        """``sys.stdout`` and ``sys.stderr`` write on descriptors 1 and 2, and both are open
        (``2>&-``: a pipe made now could take the number 2). Streams put in their place
        (a test's capture, ``redirect_stdout``) are what the views write on, as before."""
        try:
            for (fd, _), stream in zip(STREAMS, (sys.stdout, sys.stderr)):
                if stream.fileno() != fd:
                    return False
                os.fstat(fd)
        except (OSError, ValueError, AttributeError):  # (io.UnsupportedOperation: OSError)
            return False
        return True

    def start(self, like: tuple[Any, Any] | None = None, errors: str | None = "replace") -> IO[str]:
        """Put the pipes in; return a text stream on what descriptor 1 was, for the view
        (``err``: the same for 2), encoded as ``like``'s streams are (Python's own for the
        descriptors by default), with ``errors`` (None: theirs)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        try:
            self._wake = os.pipe()
            for fd, name in STREAMS:
                self.saved[fd] = os.dup(fd)
                r, w = os.pipe()
                os.dup2(w, fd)
                os.close(w)
                os.set_blocking(r, False)
                self._ends[r] = (name, b"")
                t = threading.Thread(target=self._read, args=(r,), name="output", daemon=True)
                t.start()
                self.readers.append(t)
            settlers = getattr(self.engine, "settlers", None)
            if settlers is not None:
                settlers.append(self.settle)
            out_like, err_like = like or (sys.__stdout__, sys.__stderr__)
            self.err = _text_on(self.saved[2], err_like, errors)
            self.out = _text_on(self.saved[1], out_like, errors)
            return self.out
        except BaseException:  # the descriptors as they were, whatever went wrong
            self.stop(wait=0)
            raise

    def stop(self, wait: float = 0.3) -> None:
        """The terminal back on 1 and 2; what is still in the pipes is recorded first (or,
        once the session has ended, written where it was going)."""
        for stream in (sys.__stdout__, sys.__stderr__, self.err):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        settlers = getattr(self.engine, "settlers", None)
        if settlers is not None and self.settle in settlers:
            settlers.remove(self.settle)
        saved = dict(self.saved)
        for fd, dup in saved.items():
            os.dup2(dup, fd)  # the pipe's last writer goes: its reader sees the end
        self.saved.clear()  # (a reader left running writes on 1 and 2 themselves now)
        deadline = time.monotonic() + wait  # (one wait for all: quit within a second)
        for t in self.readers:
            t.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in self.readers) and self._wake is not None:
            # a child process left running holds a write end: its readers let go, and a
            # process of its own copies what it writes on to 1 and 2 until it ends, as
            # under python (with nobody reading, it died of SIGPIPE at our exit)
            os.write(self._wake[1], b"x")
            deadline = time.monotonic() + 0.5
            for t in self.readers:
                t.join(max(0.0, deadline - time.monotonic()))
            self._hand_over()
        for dup in saved.values():
            os.close(dup)
        if self._wake is not None and not any(t.is_alive() for t in self.readers):
            for fd in self._wake:
                os.close(fd)
            self._wake = None

    def _hand_over(self) -> None:
        """The pipes still open, to a relay process: read until the last writer ends, each
        on to the descriptor it stood for (now the terminal again)."""
        with self._lock:
            ends, self._ends = dict(self._ends), {}
        if not ends:
            return
        try:
            pid = os.fork()
        except OSError:
            pid = -1
        if pid == 0:  # the relay: only reads and writes, and leaves without Python's exit
            try:
                # every descriptor but the pipes and 1, 2 (a listening socket kept open by
                # the relay would hold its port after the program's exit)
                low = 3
                for keep in sorted(ends):
                    os.closerange(low, keep)
                    low = keep + 1
                os.closerange(low, _open_max())
                _relay(ends)
            finally:
                os._exit(0)
        for r, (name, rest) in ends.items():
            if pid < 0 and rest:
                self._record(name, rest, end=b"")
            os.close(r)

    def close(self) -> None:
        """The views' streams (after ``stop``): flushed and closed; a write that fails
        (a full disk) is raised here, as the stream it stood for would have at exit."""
        problem = None
        for stream in (self.out, self.err):
            try:
                if stream is not None:
                    stream.close()
            except OSError as e:
                problem = problem or e
        self.out = self.err = None
        if problem is not None:
            raise problem

    def terminal_fd(self) -> int | None:
        """The terminal's descriptor while the pipes are in (for an emergency restore)."""
        return self.saved.get(1)

    def settle(self, final: bool = False) -> None:
        """What is in the pipes now is recorded now. The recording thread asks before the
        virtual clock moves and before the loop goes idle: an ``os.write`` in a callback
        (or a child process the callback waited for) is an event of that instant, not of
        whenever the reading thread came round to it. ``final`` (the session ends): an
        unfinished line too (it went out after the last event, outside --json's lines)."""
        engine = self.engine
        # (not for long: a reader that has the lock is recording what came already — under
        # a flood it takes it back at once, and the loop waited for ever)
        if not self._lock.acquire(timeout=SETTLE_PATIENCE):
            return
        engine.set_thread_label("output")
        try:
            for r in list(self._ends):
                self._drain(r)
                if final:
                    name, rest = self._ends[r]
                    if rest:
                        self._ends[r] = (name, b"")
                        self._record(name, rest)
        finally:
            engine.set_thread_label(None)
            self._lock.release()

    def _read(self, r: int) -> None:
        poller = select.poll()
        poller.register(r, select.POLLIN)
        wake = self._wake[0] if self._wake is not None else None
        if wake is not None:
            poller.register(wake, select.POLLIN)
        handed = False
        try:
            while r in self._ends:
                try:
                    ready = poller.poll()
                except InterruptedError:
                    continue
                except OSError:
                    break
                if wake is not None and any(fd == wake for fd, _ in ready):
                    handed = True  # stop(): a child holds the write end; a relay takes it
                    break
                with self._lock:
                    if not self._drain(r):
                        break
        finally:
            with self._lock:
                if r in self._ends and not handed:
                    name, rest = self._ends.pop(r)
                    if rest:
                        self._record(name, rest, end=b"")
                    os.close(r)

    def _drain(self, r: int) -> bool:
        """Read what the pipe holds and record its whole lines (the lock held); False at
        its end (every write end closed). A bounded amount at a time: a child that writes
        without pause kept the lock for ever (the session's end waited for it)."""
        got = self._ends.get(r)
        if got is None:
            return False
        name, rest = got
        open_ = True
        for _ in range(DRAIN_CHUNKS):
            try:
                chunk = os.read(r, 65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                open_ = False
                break
            if not chunk:
                open_ = False
                break
            *lines, rest = (rest + chunk).split(b"\n")
            if len(rest) > MAX_LINE:
                lines.append(rest)
                rest = b""
            for line in lines:
                self._record(name, line)
        self._ends[r] = (name, rest)
        return open_

    def _record(self, name: str, line: bytes, end: bytes = b"\n") -> None:
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        try:
            if not self.engine.ended:
                self.engine.record(KIND, name, text, {"stream": name, "fd": True})
                return
        except Exception:  # recording must never break the program that wrote
            return
        # the session is over (its shutdown, the last lines): where it was going
        fd = 1 if name == "stdout" else 2
        try:
            os.write(self.saved.get(fd, fd), line + end)
        except OSError:
            pass


def _text_on(fd: int, like: Any, errors: str | None) -> IO[str]:
    """A text stream on a duplicate of ``fd``, encoded as ``like`` (the stream made for
    that descriptor) is: an ASCII terminal stays one."""
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = errors or getattr(like, "errors", None) or "strict"
    return open(os.dup(fd), "w", buffering=1 if getattr(like, "line_buffering", False) else -1,
                encoding=encoding, errors=errors, closefd=True)



def _open_max() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (ValueError, OSError):
        return 65536


def _relay(ends: dict[int, tuple[str, bytes]]) -> None:
    """In the relay process: each pipe's bytes on to 1 or 2 until every writer is gone."""
    out = {r: 1 if name == "stdout" else 2 for r, (name, _) in ends.items()}
    for r, (name, rest) in ends.items():
        if rest:
            os.write(out[r], rest)
        os.set_blocking(r, True)
    poller = select.poll()
    for r in ends:
        poller.register(r, select.POLLIN)
    left = set(ends)
    while left:
        for r, _ in poller.poll():
            try:
                chunk = os.read(r, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                poller.unregister(r)
                left.discard(r)
                continue
            try:
                os.write(out[r], chunk)
            except OSError:
                return
