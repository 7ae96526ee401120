"""Plain line mode: linear text, no escape codes, one answer per line.

For screen readers, pipes and scripts. End of input exits 0, and so does a
victory; after a failure the ending menu (retry, restart, quit) is offered.
"""

from __future__ import annotations

import threading
from typing import TextIO

from game import model as m
from game import render
from game.session import ENDING_MENU, Quit, SceneShown, Session
from game.transcript import Transcript

MAX_LINE = 4096  # characters of one answer that are read; the rest is dropped


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


WATCH_SECONDS = 0.5


def run(session: Session, inp: TextIO, out: TextIO, transcript: Transcript | None = None, watcher=None) -> int:
    lock = threading.Lock()  # the watcher thread and the reader take turns with the session

    def show(events) -> bool:
        """Print events; True when the run is over."""
        for event in events:
            lines = render.event_lines(event, session.summary(), ENDING_MENU)
            victory = isinstance(event, SceneShown) and event.view.ending is not None \
                and event.view.ending.kind == m.VICTORY
            if victory:  # nothing to retry after a win: the run is over
                lines = lines[: -len(ENDING_MENU)] + ["The end."]
            out.write("\n".join(lines) + "\n")
            if transcript:
                transcript.shown(lines)
            if victory or isinstance(event, Quit):
                return True
        return False

    if show(session.start()):
        return 0
    stop = threading.Event()
    if watcher is not None:
        def watch() -> None:
            while not stop.wait(WATCH_SECONDS):
                if watcher.changed():
                    with lock:
                        out.write("\n")
                        show(session.reload())
                        out.write("> ")
                        out.flush()
        threading.Thread(target=watch, daemon=True).start()
    try:
        return _loop(session, inp, out, transcript, show, lock)
    finally:
        stop.set()


def _loop(session, inp, out, transcript, show, lock) -> int:
    while True:
        out.write("> ")
        out.flush()
        line = read_line(inp)
        if line is None:
            out.write("\n")
            return 0
        with lock:
            if transcript:
                transcript.typed(line)
            if show(session.handle(line)):
                return 0
