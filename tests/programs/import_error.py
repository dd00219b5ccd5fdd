"""Fails while it is imported: Python prints the traceback and exits 1."""

from __future__ import annotations

from twisted.internet import reactor

print("importing")
SETTINGS = {"port": 8080}
port = SETTINGS["prot"]  # a typo: KeyError at import time
reactor.run()
