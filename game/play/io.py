"""What every front end is given, and the one way answers are read.

A front end is a module with `run(session, io: RunIO) -> int`; `setup`
picks it from its table. Front ends never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from game.play.transcript import Transcript

MAX_LINE = 4096  # characters of one answer that are read; the rest is dropped


@dataclass
class RunIO:
    inp: TextIO | None = None  # answers, one per line (plain, JSON lines)
    out: TextIO | None = None
    transcript: Transcript | None = None
    watcher: object | None = None  # story.loader.Watcher when --watch
    color: bool = True  # the terminal UI
    history_path: Path | None = None  # the terminal UI's input history


def read_line(inp: TextIO) -> str | None:
    """One answer, at most MAX_LINE characters (the rest of a longer line is
    dropped); None at end of input."""
    line = inp.readline(MAX_LINE)
    if not line:
        return None
    if not line.endswith("\n"):
        while (rest := inp.readline(MAX_LINE)) and not rest.endswith("\n"):
            pass
    return line
