"""Bytes still on their way between two loopback sockets (virtual clock).

The virtual clock may jump only when nothing is ready at this instant. On loopback a
write is not always readable at once: Nagle's algorithm holds a small segment until
the peer acknowledges the one before (a delayed ACK, ~40 ms of real time), so a loop
that jumped after a couple of milliseconds saw several small writes arrive as one.
The kernel knows what is still in a socket's send queue (unsent, or sent and not yet
acknowledged): while any connection has some, the loop waits for it to land instead
of jumping — and the log shows the chunks a plain program gets.
"""

from __future__ import annotations

import array
import fcntl
import termios
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

# Linux: SIOCOUTQ (== TIOCOUTQ) is the bytes in a TCP socket's send queue
_OUTQ = getattr(termios, "TIOCOUTQ", 0x5411)


def queued(sock: Any) -> int:
    """Bytes in ``sock``'s send queue (0 if it cannot be asked)."""
    try:
        fd = sock.fileno()
        if fd < 0:
            return 0
        buf = array.array("i", [0])
        fcntl.ioctl(fd, _OUTQ, buf, True)
        return int(buf[0])
    except (OSError, ValueError, AttributeError):
        return 0


def in_flight(eng: Engine) -> int:
    """Bytes written on the session's open connections that the peer has not yet got."""
    total = 0
    for rec in list(eng.registry.by_name.values()):
        if rec.family not in ("conn", "client") or rec.state != "open":
            continue
        ref = getattr(rec, "transport", None)
        transport = ref() if ref is not None else None
        sock = getattr(transport, "socket", None)
        if sock is not None:
            total += queued(sock)
            if getattr(transport, "dataBuffer", b"") or getattr(transport, "_tempDataBuffer", None):
                total += 1  # Twisted's own buffer still holds some: it writes when writable
    return total
