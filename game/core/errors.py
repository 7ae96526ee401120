"""Errors as values with a place, and the one exception a rule refuses with."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

from game.core.sanitize import clip, visible

ERROR = "error"
WARNING = "warning"


MAX_MESSAGE = 1_000  # characters of one message: a name quoted from a hostile file is cut, not echoed whole


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in a story, at a file, line and column (1-based)."""

    file: str
    line: int
    col: int
    message: str
    severity: str = ERROR
    hint: str | None = None

    def format(self) -> str:
        place = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        text = f"{place}: {self.severity}: {clip(self.message, MAX_MESSAGE)}"
        if self.hint:
            text += f" ({clip(self.hint, MAX_MESSAGE)})"
        return visible(text)

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.col, self.message)


class StoryError(Exception):
    """A story that cannot be loaded; carries every diagnostic found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class Impossible(Exception):
    """A player action the rules refuse, with a message to show the player."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A 'did you mean' hint for a near-miss name, or None."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None
