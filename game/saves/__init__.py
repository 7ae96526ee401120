"""Saves at the edge: slots on disk, atomic writes, per-user folders.
The save format itself (state <-> JSON) is pure and lives in core.codec."""
