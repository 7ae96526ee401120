"""--transcript FILE: everything shown and typed, as plain text (as
Inform's TRANSCRIPT command keeps one)."""

from __future__ import annotations

from typing import Iterable, TextIO

from game.core.sanitize import safe


class Transcript:
    def __init__(self, stream: TextIO):
        self.stream = stream

    @classmethod
    def open(cls, path: str) -> "Transcript":
        return cls(open(path, "a", encoding="utf-8"))

    def shown(self, lines: Iterable[str]) -> None:
        self.stream.write(safe("\n".join(lines)) + "\n")
        self.stream.flush()

    def typed(self, text: str) -> None:
        self.stream.write("> " + safe(text.rstrip("\r\n")) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()
