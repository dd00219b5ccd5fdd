"""The command language: words, values, the command table and the parser.

Nothing here knows about Twisted or the UI; the engine and the views import this.
"""
