"""The session layer: the driver that feeds typed and scenario lines to the engine,
and the prompt commands. ``cli`` and ``ui`` share it; it sits above the engine and
the views, so nothing in ``engine/`` imports a view."""
