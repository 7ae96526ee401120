"""Front ends: they present the session's status and never decide it.

Each front end is one module with `run(session, io) -> int`; `setup` builds
a ready session and picks the front end from `FRONT_ENDS`."""
