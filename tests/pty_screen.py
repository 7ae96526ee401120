"""A real pseudo-terminal with a VT100 screen behind it (pexpect + pyte):
what a player sees, cell for cell, at a given size."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pexpect
import pyte


def command() -> tuple[str, list[str]]:
    script = Path(sys.executable).parent / "dead-reckoning"
    if script.exists():
        return str(script), []
    return sys.executable, ["-m", "game"]


class Term:
    def __init__(self, args: list[str], env: dict, rows: int = 24, cols: int = 80):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        program, extra = command()
        self.child = pexpect.spawn(program, extra + args, env=env, dimensions=(rows, cols), timeout=20)

    def pump(self, seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while True:
            try:
                self.stream.feed(self.child.read_nonblocking(65536, timeout=0.02))
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                return
            if time.monotonic() >= end:
                return

    @property
    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def flat(self) -> str:
        """The screen as one line of words: wrapped text reads whole."""
        return " ".join(self.text.split())

    def wait(self, predicate, timeout: float = 15) -> None:
        """Until predicate(self) holds on the screen; AssertionError with the
        screen if it never does."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump()
            if predicate(self):
                return
        raise AssertionError("the screen never showed what was expected:\n" + self.text)

    def wait_for(self, text: str, timeout: float = 15) -> None:
        self.wait(lambda t: text in t.text, timeout)

    def send(self, keys: str, settle: float = 0.15) -> None:
        self.child.send(keys)
        self.pump(settle)

    def read_to_the_end(self) -> None:
        """What a player does at [MORE]: read on until the scene's end is seen."""
        for _ in range(20):
            if "[MORE]" not in self.text:
                return
            self.send(" ")
        raise AssertionError("[MORE] never went away:\n" + self.text)

    def close(self) -> int | None:
        try:
            self.child.expect(pexpect.EOF, timeout=10)
        except pexpect.TIMEOUT:
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus
