"""--transcript FILE: everything shown and typed, as plain text (as
Inform's TRANSCRIPT command keeps one)."""

from __future__ import annotations

from typing import Iterable, TextIO

from game.core.sanitize import safe


class OutputFailed(Exception):
    """An output (standard output, a transcript) can no longer be written:
    the game stops with this one-line reason instead of a traceback."""


class Transcript:
    def __init__(self, stream: TextIO):
        self.stream = stream

    @classmethod
    def open(cls, path: str) -> "Transcript":
        return cls(open(path, "a", encoding="utf-8"))

    def shown(self, lines: Iterable[str]) -> None:
        self._write(safe("\n".join(lines)) + "\n")

    def typed(self, text: str) -> None:
        self._write("> " + safe(text.rstrip("\r\n")) + "\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError as exc:
            raise OutputFailed(f"cannot write the transcript ({exc.strerror or exc})") from None

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass  # what could not be written was reported when it failed
