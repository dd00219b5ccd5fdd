"""One ``twisted.logger`` observer for the process, started before anything runs.

Twisted never writes to the terminal behind the explorer's back: every log event
goes to the engines that are listening (usually one), which record it.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any, Callable

_COMMANDS = r"reactor_repl\.engine\."  # the modules whose callables the commands add
_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # reactor_repl/
_lock = threading.Lock()
_listeners: list[Callable[[dict[str, Any]], None]] = []
_started = False
_watching = False  # _observer added to the publisher by watch()
_replaying = False  # Twisted replays its buffer of early events to every observer


def _observer(event: dict[str, Any]) -> None:
    if _replaying:  # (watching, ours saw each of them as it came)
        return
    for fn in list(_listeners):
        try:
            fn(event)
        except Exception:  # observation never breaks the observed
            pass


def begin() -> None:
    """Route all Twisted logging to the listeners (idempotent)."""
    global _started, _watching
    with _lock:
        if _started:
            return
        _started = True
    from twisted.logger import globalLogBeginner, globalLogPublisher

    if _watching:  # watched before: the beginning below adds _observer again
        globalLogPublisher.removeObserver(_observer)
        _watching = False

    globalLogBeginner.beginLoggingTo([_observer], discardBuffer=True, redirectStandardIO=False)


def listen(fn: Callable[[dict[str, Any]], None]) -> None:
    """``fn`` gets every Twisted log event of a session (which begins Twisted's logging)."""
    begin()
    # a session's commands stand where a plain program's __main__ code would: Python shows
    # a DeprecationWarning about code there (Twisted's, about a callback that returns its
    # own Deferred), so it shows about the commands' callables too (as a log event) —
    # each time: each command's callable stands for a place of its own in such a program
    warnings.filterwarnings("always", category=DeprecationWarning, module=_COMMANDS)
    from twisted.logger import globalLogBeginner

    # and warnings go to the log, as beginning it arranged (whoever replaced showwarning
    # since — a test's catch_warnings — would have them written behind the screen's back)
    warnings.showwarning = globalLogBeginner.showwarning
    _listeners.append(fn)


def watch(fn: Callable[[dict[str, Any]], None]) -> None:
    """Like ``listen``, but without beginning Twisted's logging: the observer joins the
    global publisher beside whatever a traced program logs to (beginning it here would
    stop plain Twisted's stderr output of critical events, and make the program's own
    ``startLogging`` warn that a log target was selected twice)."""
    global _watching
    with _lock:
        if not _started and not _watching:
            from twisted.logger import globalLogPublisher

            globalLogPublisher.addObserver(_observer)
            _watching = True
            _skip_the_replay()
    _listeners.append(fn)


def _skip_the_replay() -> None:
    """When a traced program begins its log, Twisted replays the events logged before to
    the whole publisher, ours included: they would be recorded twice (twistd's
    "Loading app.tac…")."""
    from twisted.logger import globalLogBeginner

    buffer = getattr(globalLogBeginner, "_initialBuffer", None)
    replay = getattr(buffer, "replayTo", None)
    if replay is None or getattr(globalLogBeginner, "_temporaryObserver", None) is None:
        return

    def replay_to(observer: Any) -> None:
        global _replaying
        _replaying = True
        try:
            replay(observer)
        finally:
            _replaying = False

    buffer.replayTo = replay_to  # type: ignore[union-attr]


def unlisten(fn: Callable[[dict[str, Any]], None]) -> None:
    try:
        _listeners.remove(fn)
    except ValueError:
        pass


def describe(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A one-line text and data for a Twisted log event."""
    from twisted.logger import formatEvent

    from reactor_repl.engine.describe import failure_type

    failure = event.get("log_failure")
    if failure is None and event.get("isError") and event.get("failure") is not None:
        # twisted.python.log.err (a thread job nobody takes the result of): its text is the
        # whole traceback; the log says what and why, as for a new-style failure
        failure = event["failure"]
        text = str(event.get("why") or "Unhandled Error")
    elif "warning" in event and str(event.get("filename", "")).startswith(_OURS):
        # a warning about a command's callable: where in our code says nothing to a reader
        text = f"{str(event.get('category', 'Warning')).removeprefix('builtins.')}: {event['warning']}"
    else:
        text = formatEvent(event) or ""
    data: dict[str, Any] = {"level": getattr(event.get("log_level"), "name", "")}
    if failure is not None:
        err = f"{failure_type(failure)}: {failure.getErrorMessage()}"
        text = f"{text}: {err}" if text else err
        data["error"] = err
        site = _raised_at(failure)
        if site:  # where the person's code raised it, as the traceback Twisted prints says
            text += f" (at {site})"
            data["site"] = site
    return text.replace("\n", " ")[:300], data


def twisteds_chatter(event: dict[str, Any]) -> bool:
    """An info or debug line that Twisted itself logged ("Starting factory …"), not the
    program (its own ``Logger().info``, ``log.msg``): the log hides only Twisted's.
    Called while the line is being logged: a legacy ``log.msg`` is told by its caller."""
    namespace = str(event.get("log_namespace", ""))
    if namespace != "log_legacy" and (namespace.startswith("twisted.")
                                      or namespace.startswith("reactor_repl")):
        return True
    # a legacy log.msg, or a Logger named after the person's class (a Factory subclass of
    # theirs: Twisted's doStart logs "Starting factory" under its name): told by its caller
    import sys

    twisted_dir, passing = _logging_code()
    frame = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if not path.startswith(passing):
            return path.startswith(twisted_dir)
        frame = frame.f_back
    return True


_LOGGING_CODE: tuple[str, tuple[str, ...]] = ("", ())


def _logging_code() -> tuple[str, tuple[str, ...]]:
    """Twisted's folder, and where a log line passes on its way to us (Twisted's logging,
    ``msg`` synchronized by ``threadable``, ours): worked out once."""
    global _LOGGING_CODE
    if not _LOGGING_CODE[0]:
        import twisted

        here = os.path.dirname(str(twisted.__file__))
        _LOGGING_CODE = (here, (os.path.join(here, "python", "log.py"),
                                os.path.join(here, "python", "threadable.py"),
                                os.path.join(here, "logger", ""), _OURS))
    return _LOGGING_CODE


def _raised_at(failure: Any) -> str:
    """``file:line`` of the innermost frame of the person's code in a failure's traceback
    (not Twisted's, the standard library's or the recorder's), or ""."""
    from reactor_repl.observe import sites

    try:
        frames = failure.frames or []
    except Exception:
        return ""
    return sites.raised_at((filename, line) for _, filename, line, *_ in frames)
