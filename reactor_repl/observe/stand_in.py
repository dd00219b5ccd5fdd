"""What the observation layer puts where Twisted keeps the person's callable.

A timer's ``func``, a Deferred's callbacks, a coroutine's resumption: Twisted keeps the
callable it was given, and a program may look at it (``d.callbacks[0][0][0].__name__``,
``dc.func.__qualname__``). Ours is a ``partial`` (made in C, no closure cells, no
attribute dictionary) that reports and then calls the person's callable; what it lacks
is read from that callable, and ``__wrapped__`` is the callable itself.
"""

from __future__ import annotations

from functools import partial
from operator import getitem
from typing import Any


class StandIn(partial):
    """A ``partial`` whose argument ``AT`` is the person's callable."""

    __slots__ = ()
    AT = 0

    @property
    def __wrapped__(self) -> Any:
        return self.args[self.AT]

    def __getattr__(self, name: str) -> Any:
        # (only for what a partial has not: __name__, __qualname__, the callable's own)
        return getattr(self.args[self.AT], name)

    # Looked at, compared, copied or pickled, it is the person's callable (``dc.func == f``
    # holds; ``pickle.dumps(d)`` keeps what they added, not the observer's token)
    def __repr__(self) -> str:
        return repr(self.args[self.AT])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StandIn):
            other = other.args[other.AT]
        return bool(self.args[self.AT] == other)

    def __hash__(self) -> int:
        return hash(self.args[self.AT])

    def __reduce__(self) -> tuple[Any, ...]:
        return getitem, ((self.args[self.AT],), 0)
