"""reactor-repl: an interactive explorer for the Twisted reactor."""

__version__ = "0.1.0"
