"""Transcript tests: an author's `*.transcript` files beside the story.

    # Comments start with '#'.
    == The Alley ==            lines before the first '>' are expected at the start
    > 1                        what the player types
    == The Corridor ==         lines expected, in this order, in what that answer shows
    Noise so far: 0.

Expected lines are whole lines of plain-mode output (surrounding spaces
ignored); output may hold other lines between them, so a transcript says
only what matters. Each transcript runs twice: straight, and with the game
saved and loaded before every answer, so saves are tested along the way.
`update` re-records a file from what the game shows now (Inform's "bless").
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from game.core import codec, render
from game.core import model as m
from game.core.session import Session

SUFFIX = ".transcript"
MAX_TRANSCRIPT_BYTES = 1024 * 1024  # read no more than this: a transcript is answers and what they show
MAX_ANSWERS = 2_000  # each answer is a step played twice (plain, then through a save)


@dataclass
class Step:
    answer: str | None  # None for the opening
    line: int  # where the answer (or the file) starts
    expected: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)


@dataclass
class Result:
    path: Path
    failures: list[str]  # one message (with a diff) per failing step

    @property
    def passed(self) -> bool:
        return not self.failures


def find(root: str | Path) -> list[Path]:
    """Transcripts below a story folder (the loader's walk: bounded, no links)."""
    from game.story.loader import FolderWalk

    return [Path(root) / rel for rel in FolderWalk(Path(root), (SUFFIX,)).found
            if (Path(root) / rel).is_file() and not (Path(root) / rel).is_symlink()]


def parse(text: str) -> list[Step]:
    steps = [Step(None, 1)]
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            steps.append(Step(line[1:].strip(), number))
        else:
            steps[-1].expected.append((number, line))
    return steps


def _outputs(story: m.Story, answers: list[str | None], round_trip: bool) -> list[list[str]]:
    """What the game shows for the opening and after each answer."""
    session = Session(story)
    shown = []
    for answer in answers:
        if answer is None:
            events = session.start()
        else:
            if round_trip:
                session.state, _ = codec.decode(story, json.loads(codec.dumps(story, session.state, "")))
            events = session.handle(answer)
        lines = []
        for event in events:
            lines += render.event_lines(event)
        shown.append([line.strip() for line in lines if line.strip()])
    return shown


def _first_missing(expected: list[str], actual: list[str]) -> int | None:
    """Index of the first expected line not found (in order), or None."""
    position = 0
    for index, want in enumerate(expected):
        try:
            position = actual.index(want, position) + 1
        except ValueError:
            return index
    return None


class TooBig(Exception):
    """A transcript past the limits, with the reason."""


def read(path: Path) -> str:
    """The transcript's text, reading at most MAX_TRANSCRIPT_BYTES (TooBig
    past that, or past MAX_ANSWERS answers)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_TRANSCRIPT_BYTES + 1)
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TooBig(f"it is larger than {MAX_TRANSCRIPT_BYTES:,} bytes; split it into several transcripts")
    text = data.decode("utf-8", errors="replace")
    answers = sum(1 for line in text.splitlines() if line.lstrip().startswith(">"))
    if answers > MAX_ANSWERS:
        raise TooBig(f"it has {answers:,} answers; the limit is {MAX_ANSWERS:,}, so split it")
    return text


def run(story: m.Story, path: Path, display: str) -> Result:
    try:
        steps = parse(read(path))
    except TooBig as exc:
        return Result(path, [f"{display}: the transcript cannot be played: {exc}"])
    except OSError as exc:
        return Result(path, [f"{display}: the transcript cannot be read ({exc.strerror or exc})"])
    answers = [s.answer for s in steps]
    failures: list[str] = []
    for round_trip in (False, True):
        outputs = _outputs(story, answers, round_trip)
        for step, actual in zip(steps, outputs):
            expected = [text for _, text in step.expected]
            missing = _first_missing(expected, actual)
            if missing is None:
                continue
            where = f"{display}:{step.expected[missing][0]}"
            after = "at the start" if step.answer is None else f"after '> {step.answer}'"
            mode = " (after a save and load)" if round_trip else ""
            diff = difflib.unified_diff(expected, actual, "expected", "shown", lineterm="", n=2)
            failures.append(f"{where}: {after}{mode}, the game did not show what was expected\n"
                            + "\n".join("    " + d for d in diff))
            break  # later steps follow from this one; one report per run is enough
        if failures:
            break
    return Result(path, failures)


def update(story: m.Story, path: Path) -> None:
    """Re-record: keep the answers and comments, replace the expected lines
    with everything the game shows now."""
    text = read(path)  # TooBig: the caller reports it
    steps = parse(text)
    outputs = _outputs(story, [s.answer for s in steps], False)
    out = []
    for line in text.splitlines():  # the comments at the top stay
        if line.strip() and not line.strip().startswith("#"):
            break
        out.append(line)
    for step, shown in zip(steps, outputs):
        if step.answer is not None:
            out.append(f"> {step.answer}")
        out += shown
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
