"""Bytes still on their way between two loopback sockets (virtual clock).

The virtual clock may jump only when nothing is ready at this instant. On loopback a
write is not always readable at once: Nagle's algorithm holds a small segment until
the peer acknowledges the one before (a delayed ACK, ~40 ms of real time), so a loop
that jumped after a couple of milliseconds saw several small writes arrive as one.
The kernel knows what is still in a socket's send queue and not sent: while any
connection has some, the loop waits for it to land instead of jumping — and the log
shows the chunks a plain program gets.
"""

from __future__ import annotations

import array
import fcntl
import termios
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reactor_repl.engine.core import Engine

# Linux: SIOCOUTQ (== TIOCOUTQ) is the bytes in a TCP socket's send queue, sent or not,
# until the peer acknowledges them; SIOCOUTQNSD those not sent yet (what Nagle holds)
_OUTQ = getattr(termios, "TIOCOUTQ", 0x5411)
_NOT_SENT = 0x894B
_CAN_ASK_NOT_SENT = [True]
# a receiver acknowledges within this much real time (Linux's delayed ACK: 40 ms at least)
DELAYED_ACK = 0.04


def queued(sock: Any, unsent_only: bool = False) -> int:
    """Bytes in ``sock``'s send queue the peer has not acknowledged — or, ``unsent_only``,
    not even been sent (0 if it cannot be asked)."""
    try:
        fd = sock.fileno()
        if fd < 0:
            return 0
        buf = array.array("i", [0])
        if unsent_only and _CAN_ASK_NOT_SENT[0]:
            try:
                fcntl.ioctl(fd, _NOT_SENT, buf, True)
                return int(buf[0])
            except OSError:
                _CAN_ASK_NOT_SENT[0] = False  # (a kernel without it: the acknowledged too)
        fcntl.ioctl(fd, _OUTQ, buf, True)
        return int(buf[0])
    except (OSError, ValueError, AttributeError):
        return 0


def in_flight(eng: Engine, gap: float | None = None) -> int:
    """Bytes written on the session's open connections that the peer has not yet got —
    and can get: bytes to a peer of ours that does not read (pauseProducing, stopReading)
    stay where they are however long the loop waits; counting them made every jump of
    the clock wait its whole patience (a loop's beats cost a second each).

    ``gap``: how far the clock is about to jump. In real time a gap that long lets every
    acknowledgement come (the peer's delayed ACK), and Nagle then holds no later write;
    a shorter one does not: the bytes sent are counted only until acknowledged when the
    gap is at least a delayed ACK's (a 2 ms ticker talking to an echo server waited 40 ms
    at each jump for acknowledgements its next write would have carried)."""
    unsent_only = gap is not None and gap < DELAYED_ACK
    sockets = []  # (transport, socket, bytes on their way)
    for rec in list(eng.registry.by_name.values()):
        if rec.family not in ("conn", "client") or rec.state != "open":
            continue
        ref = getattr(rec, "transport", None)
        transport = ref() if ref is not None else None
        sock = getattr(transport, "socket", None)
        if sock is None:
            continue
        waiting = queued(sock, unsent_only)
        if getattr(transport, "dataBuffer", b"") or getattr(transport, "_tempDataBuffer", None):
            waiting += 1  # Twisted's own buffer still holds some: it writes when writable
        sockets.append((transport, sock, waiting))
    total = sum(waiting for _, _, waiting in sockets)
    if total and eng.reactor is not None:
        total -= _to_peers_not_reading(eng, sockets)
    return total


def _to_peers_not_reading(eng: Engine, sockets: list[tuple[Any, Any, int]]) -> int:
    """Of the bytes above, those whose peer is one of ours that does not read."""
    by_address = {}
    for transport, sock, _ in sockets:
        try:
            by_address[sock.getsockname()] = transport
        except OSError:
            pass
    readers = set(eng.reactor.getReaders())
    stuck = 0
    for _, sock, waiting in sockets:
        if not waiting:
            continue
        try:
            peer = by_address.get(sock.getpeername())
        except OSError:
            continue
        if peer is not None and peer not in readers:
            stuck += waiting
    return stuck
