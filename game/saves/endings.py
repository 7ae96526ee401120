"""Endings found across runs: a small record per story in the data folder
(never inside saves, so loading, undo and retry leave it alone), written
atomically, read with a bound, and forgiving: a damaged record starts again
rather than stopping the game.

    <data dir>/endings/<story id>.json
    {"story": ID, "runs": N, "found": {SCENE_ID: {"run": N, "date": "YYYY-MM-DD"}}}
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from game import atomic
from game.core import model as m
from game.core.codec import SaveError
from game.core.sanitize import safe
from game.saves.store import open_regular

MAX_BYTES = 256 * 1024


class EndingsBook:
    def __init__(self, root: Path, story: m.Story, *, clock=time.time):
        self.story = story
        self.path = Path(root) / "endings" / f"{story.id}.json"
        self.clock = clock
        self.runs, self.found = self._read()

    def _read(self) -> tuple[int, dict[str, dict]]:
        try:
            with open_regular(self.path) as handle:  # the saves' own reader: bounded, never blocks
                data = json.loads(handle.read(MAX_BYTES + 1)[:MAX_BYTES].decode("utf-8"))
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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write(self.path, json.dumps(data, sort_keys=True).encode())
        except OSError:
            pass  # the record is a pleasure, not progress: a read-only disk never stops the game

    def begin_run(self) -> None:
        self.runs += 1
        self._write()

    @property
    def endings(self) -> list[m.Scene]:
        return [s for s in self.story.scenes.values() if s.ending]

    def reached(self, scene_id: str) -> str:
        """Note an ending reached (first time only); the one line to show."""
        if scene_id not in self.found:
            self.found[scene_id] = {"run": max(self.runs, 1),
                                    "date": time.strftime("%Y-%m-%d", time.localtime(self.clock()))}
            self._write()
        return f"Endings found: {len(self.found)} of {len(self.endings)} ('dead-reckoning endings' lists them)."

    def lines(self) -> list[str]:
        """The gallery: N/M found, then each ending by kind, found or ???."""
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
