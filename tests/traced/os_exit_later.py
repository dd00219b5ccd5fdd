"""Beside the explorer: a program that ends by ``os._exit(5)`` a moment after it starts."""

from __future__ import annotations

import os

from twisted.internet import reactor


def leave() -> None:
    print("leaving by os._exit", flush=True)
    os._exit(5)


reactor.callLater(0.5, leave)
reactor.run()
