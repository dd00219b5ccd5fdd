"""The engine: the real reactor, the observation of it, recording, named objects, clocks, checks."""
