"""Plain line mode: linear text, no escape codes, one answer per line.

For screen readers, pipes and scripts. It shows what the session says: a
scene, its choices, and at an ending the session's menu (after a failure:
retry, restart or quit; after a victory: restart or quit). It exits 0 at the
end of input or when the player quits.
"""

from __future__ import annotations

import threading

from game.core import render
from game.core.events import Quit
from game.core.session import Session
from game.play.io import RunIO, read_line

WATCH_SECONDS = 0.5


def run(session: Session, io: RunIO) -> int:
    out, transcript = io.out, io.transcript
    lock = threading.Lock()  # the watcher thread and the reader take turns with the session

    def show(events) -> bool:
        """Print events; True when the run is over."""
        for event in events:
            lines = render.event_lines(event)
            out.write("\n".join(lines) + "\n")
            if transcript:
                transcript.shown(lines)
            if isinstance(event, Quit):
                return True
        return False

    if show(session.start()):
        return 0
    stop = threading.Event()
    if io.watcher is not None:
        watcher = io.watcher

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
        while True:
            out.write("> ")
            out.flush()
            line = read_line(io.inp)
            if line is None:
                out.write("\n")
                return 0
            with lock:
                if transcript:
                    transcript.typed(line)
                if show(session.handle(line)):
                    return 0
    finally:
        stop.set()
