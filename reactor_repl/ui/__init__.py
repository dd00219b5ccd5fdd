"""The views a person uses: the full-screen explorer and line mode (prompt_toolkit).

They read the engine's event stream and snapshots; commands go to the driver,
which runs in its own "prompt" thread so the screen never waits on the reactor.
"""
