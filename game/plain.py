"""Plain line mode: linear text, no escape codes, one answer per line.

For screen readers, pipes and scripts. End of input exits 0.
"""

from __future__ import annotations

from typing import TextIO

from game import model as m
from game import render
from game.session import ENDING_MENU, Message, Quit, SceneShown, Session

MAX_LINE = 4096  # characters of one answer that are read; the rest is dropped


def run(session: Session, inp: TextIO, out: TextIO) -> int:
    def write(lines) -> None:
        out.write("\n".join(lines) + "\n")

    def show(events) -> bool:
        """Print events; True when the run is over."""
        for event in events:
            if isinstance(event, Quit):
                write(["Goodbye."])
                return True
            if isinstance(event, Message):
                write(render.safe(line) for line in event.lines)
            elif isinstance(event, SceneShown):
                write([""] + render.scene_lines(event.view))
                ending = event.view.ending
                if ending:
                    write([session.summary()])
                    if ending.kind == m.VICTORY:
                        write(["The end."])
                        return True
                    write([f"{i}. {label}" for i, label in enumerate(ENDING_MENU, 1)])
        return False

    if show(session.start()):
        return 0
    while True:
        out.write("> ")
        out.flush()
        line = inp.readline(MAX_LINE)
        if not line:
            out.write("\n")
            return 0
        if not line.endswith("\n"):  # an overlong line: drop the rest of it
            while (rest := inp.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass
        if show(session.handle(line)):
            return 0
