"""Plain line mode: linear text, no escape codes, one answer per line.

For screen readers, pipes and scripts. It shows what the session says: a
scene, its choices, and at an ending the session's menu (after a failure:
retry, restart or quit; after a victory: restart or quit). It exits 0 at the
end of input or when the player quits.
"""

from __future__ import annotations

import shutil
import textwrap
import threading

from game.core import render
from game.core.events import Quit
from game.core.session import Session
from game.play.io import RunIO, read_line

WATCH_SECONDS = 0.5


def fit(lines: list[str], width: int | None) -> list[str]:
    """Lines wrapped at `width` on word boundaries (a numbered choice keeps its
    number clear of the text below it); None leaves one paragraph a line."""
    if not width:
        return lines
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
            continue
        head = line[: len(line) - len(line.lstrip())]
        number = line.lstrip().split(" ", 1)[0]
        indent = head + " " * (len(number) + 1) if number[:-1].isdigit() and number.endswith(".") else head
        out += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""]
    return out


def terminal_width(out) -> int | None:
    """The terminal's width when output goes to one; None for a pipe or a file."""
    try:
        if out.isatty():
            return max(shutil.get_terminal_size().columns - 1, 20)
    except (AttributeError, ValueError, OSError):
        pass
    return None


def run(session: Session, io: RunIO) -> int:
    out, transcript = io.out, io.transcript
    lock = threading.Lock()  # the watcher thread and the reader take turns with the session

    def show(events) -> bool:
        """Print events; True when the run is over."""
        width = terminal_width(out)  # measured each time: the window may have been resized
        for event in events:
            lines = render.event_lines(event)
            out.write("\n".join(fit(lines, width)) + "\n")
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
