"""Per-user folders, following the platformdirs convention without the
dependency: XDG on Linux and BSD, ~/Library on macOS, %LOCALAPPDATA% on
Windows. Saves may be redirected with DEAD_RECKONING_SAVE_DIR (or --save-dir).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "dead-reckoning"


def data_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / APP


def cache_dir() -> Path:
    if sys.platform == "win32":
        return data_dir() / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / APP
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / APP


def save_dir(override: str | None = None) -> Path:
    """Where saves go: --save-dir, then DEAD_RECKONING_SAVE_DIR, then the data dir."""
    chosen = override or os.environ.get("DEAD_RECKONING_SAVE_DIR")
    return Path(chosen) if chosen else data_dir() / "saves"
