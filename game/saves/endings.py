"""Endings found across runs: a small record per story in the data folder
(never inside saves, so loading, undo and retry leave it alone), written
atomically, read with a bound, and forgiving: a damaged record starts again
rather than stopping the game.

    <data dir>/endings/<story id>.json
    {"story": ID, "runs": N, "found": {SCENE_ID: {"run": N, "date": "YYYY-MM-DD"}}}
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

from game import atomic
from game.core import model as m
from game.core.codec import SaveError
from game.core.sanitize import safe
from game.saves.store import open_regular

MAX_BYTES = 256 * 1024


@contextmanager
def _locked(path: Path, wait: float = 1.0):
    """Hold `path` + '.lock' while reading and rewriting the record, so two
    games ending at once both keep their finds. Best effort: where there is
    no lock to take (or it stays held past `wait`), go on without it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the record is re-read just before each write, which is most of it
        yield
        return
    try:
        fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing lets the lock go


class EndingsBook:
    """The record for one story. Every change re-reads the file under a lock
    and merges into it, so games played at the same time lose nothing: the
    run count goes up once per run, and a find keeps its earliest run."""

    def __init__(self, root: Path, story: m.Story, *, clock=time.time):
        self.story = story
        self.path = Path(root) / "endings" / f"{story.id}.json"
        self.clock = clock
        self.runs, self.found = 0, {}  # as last read: each change and each listing reads the file first
        self.run: int | None = None  # this game's run number, once begun (a loaded game: the latest run)

    def _read(self) -> tuple[int, dict[str, dict]]:
        try:
            with open_regular(self.path) as handle:  # the saves' own reader: bounded, never blocks
                data = json.loads(handle.read(MAX_BYTES).decode("utf-8"))
        except (OSError, SaveError, ValueError, RecursionError):
            return 0, {}
        if not isinstance(data, dict) or data.get("story") != self.story.id:
            return 0, {}
        runs = data.get("runs")
        runs = runs if type(runs) is int and 0 <= runs < 2**53 else 0
        found = {}
        raw = data.get("found")
        for scene_id, entry in (raw.items() if isinstance(raw, dict) else ()):
            scene = self.story.scenes.get(scene_id)
            if scene is None or scene.ending is None or not isinstance(entry, dict):
                continue  # an ending this version of the story no longer has
            run, date = entry.get("run"), entry.get("date")
            if type(run) is int and 0 < run < 2**53 and isinstance(date, str) and len(date) <= 10:
                found[scene_id] = {"run": run, "date": date}
        return runs, found

    def _write(self) -> None:
        data = {"story": self.story.id, "runs": self.runs, "found": self.found}
        try:  # (the folder was made by _update, before the lock beside the record)
            atomic.write(self.path, json.dumps(data, sort_keys=True).encode(), durable=False)
        except OSError:
            pass  # the record is a pleasure, not progress: a read-only disk never stops the game

    def _update(self, change) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        with _locked(self.path):
            self.runs, self.found = self._read()
            if change():
                self._write()

    def begin_run(self) -> None:
        def one_more() -> bool:
            self.runs += 1
            self.run = self.runs
            return True
        self._update(one_more)

    @property
    def endings(self) -> list[m.Scene]:
        return [s for s in self.story.scenes.values() if s.ending]

    def reached(self, scene_id: str) -> str:
        """Note an ending reached (first time only); the one line to show."""
        def note() -> bool:
            if scene_id in self.found:
                return False
            self.found[scene_id] = {"run": self.run or max(self.runs, 1),
                                    "date": time.strftime("%Y-%m-%d", time.localtime(self.clock()))}
            return True
        self._update(note)
        return f"Endings found: {len(self.found)} of {len(self.endings)} ('dead-reckoning endings' lists them)."

    def lines(self) -> list[str]:
        """The gallery: N/M found, then each ending by kind, found or ???."""
        self.runs, self.found = self._read()
        endings = self.endings
        out = [f"{safe(self.story.title)}: {len(self.found)}/{len(endings)} endings found"]
        for kind, heading in ((m.VICTORY, "Victories"), (m.FAILURE, "Failures")):
            group = [s for s in endings if s.ending.kind == kind]
            if not group:
                continue
            out.append(f"{heading} ({sum(s.id in self.found for s in group)}/{len(group)}):")
            width = max((len(safe(s.ending.title)) for s in group if s.id in self.found), default=0)
            for scene in group:
                entry = self.found.get(scene.id)
                if entry is None:
                    out.append("  ???")
                else:
                    out.append(f"  {safe(scene.ending.title):<{width}}  first reached in run {entry['run']}, "
                               f"{entry['date']}")
        return out
