"""Save slots on disk: the only module that writes game files.

A slot is `<save dir>/<story id>/<slot>.json`. Writes are atomic (see
`atomic`): the new save goes to a temporary file in the same folder, is
flushed and fsynced, and only then replaces the slot with `os.replace`. Just
before that, the previous save is hard-linked to `<slot>.json.bak`, so at
every instant the slot holds either the old save or the new one, and the
old one stays as a backup.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from game import atomic
from game.core import codec
from game.core import model as m
from game.core.codec import SaveError
from game.core.sanitize import safe
from game.core.state import State

AUTOSAVE = "autosave"
QUICKSAVE = "quicksave"
PREVIOUS_RUN = "previous-run"
DEBUG_RUN = "debug-run"  # where a run begun with --start/--set/--give saves itself
BACKUP_SUFFIX = ".bak"
MAX_SAVE_BYTES = 8 * 1024 * 1024
SLOT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}\Z")  # \Z: "$" would let a final newline in
SLOT_RULE = "letters, digits, '-' and '_', at most 32, starting with a letter or digit"


@dataclass(frozen=True, slots=True)
class SlotInfo:
    name: str
    modified: float  # file time, for ordering and display
    chapter: str
    title: str
    turn: int | None
    problem: str | None  # why it cannot be read, if it cannot


def check_slot(name: str) -> str:
    """A valid slot name, or SaveError. `NAME.bak` names NAME's backup."""
    base = name[: -len(BACKUP_SUFFIX)] if name.endswith(BACKUP_SUFFIX) else name
    if not SLOT_RE.match(base):
        shown = name if len(name) <= 40 else name[:40] + "..."
        raise SaveError(f"'{shown}' is not a valid save name ({SLOT_RULE})")
    return name


class SaveStore:
    def __init__(self, root: Path, story: m.Story, *, clock=time.time, fresh_run: bool = True,
                 autosave_slot: str = AUTOSAVE):
        self.folder = Path(root) / story.id
        self.story = story
        self.clock = clock
        self.fresh_run = fresh_run  # a new run keeps the last run's autosave as previous-run
        self.autosave_slot = autosave_slot  # an author's jump saves apart: DEBUG_RUN

    # -- paths ------------------------------------------------------------
    def path(self, name: str) -> Path:
        name = check_slot(name)
        if name.endswith(BACKUP_SUFFIX):
            return self.folder / (name[: -len(BACKUP_SUFFIX)] + ".json" + BACKUP_SUFFIX)
        return self.folder / f"{name}.json"

    # -- writing ------------------------------------------------------------
    def save(self, name: str, state: State) -> Path:
        if name.endswith(BACKUP_SUFFIX):
            raise SaveError("backups are kept by the game; save under a plain name")
        path = self.path(name)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))
        data = codec.dumps(self.story, state, stamp).encode()
        if len(data) > MAX_SAVE_BYTES:
            raise SaveError(f"the save would be {len(data):,} bytes, over the limit of {MAX_SAVE_BYTES:,}")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic.write(path, data, backup=path.with_name(path.name + BACKUP_SUFFIX))
        except OSError as exc:
            raise SaveError(f"cannot write '{name}': {exc.strerror or exc}") from None
        return path

    def autosave(self, state: State) -> None:
        if self.autosave_slot != AUTOSAVE:
            self.save(self.autosave_slot, state)
            return
        if self.fresh_run:
            self.fresh_run = False
            current = self.path(AUTOSAVE)
            if current.exists():  # keep the last run: starting afresh never loses it
                try:
                    os.replace(current, self.path(PREVIOUS_RUN))
                    atomic.fsync_dir(self.folder)
                except OSError as exc:
                    raise SaveError(f"cannot keep the previous run: {exc.strerror or exc}") from None
        self.save(AUTOSAVE, state)

    # -- reading ------------------------------------------------------------
    def load(self, name: str) -> tuple[State, list[str]]:
        """The saved state and notes for the player; SaveError says why not.
        The file is never modified."""
        path = self.path(name)
        try:
            state, notes = codec.decode(self.story, self._read_json(path, name))
        except SaveError as exc:
            message = f"Save '{name}' cannot be loaded: {exc}."
            backup = self.path(name + BACKUP_SUFFIX) if not name.endswith(BACKUP_SUFFIX) else None
            if path.exists() and backup is not None and backup.exists():
                message += f" The save before it is kept: type 'load {name}{BACKUP_SUFFIX}'."
            raise SaveError(message) from None
        return state, notes

    def _read_json(self, path: Path, name: str) -> object:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_SAVE_BYTES + 1)
        except FileNotFoundError:
            raise SaveError("there is no save by that name (type 'saves' to list them)") from None
        except OSError as exc:
            raise SaveError(f"the file cannot be read ({exc.strerror or exc})") from None
        if len(data) > MAX_SAVE_BYTES:
            raise SaveError(f"the file is larger than {MAX_SAVE_BYTES:,} bytes")
        try:
            return json.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise SaveError("the file is damaged (it is not text)") from None
        except json.JSONDecodeError as exc:
            truncated = exc.pos >= len(data.strip()) or exc.msg.startswith("Unterminated string")
            where = "it ends too soon" if truncated else \
                f"invalid JSON at line {exc.lineno}, column {exc.colno}"
            raise SaveError(f"the file is damaged ({where})") from None
        except (RecursionError, ValueError):
            raise SaveError("the file is damaged (nested too deeply or numbers too large)") from None

    def slots(self) -> list[SlotInfo]:
        """Every slot of this story, newest first, with what a list shows."""
        out = []
        try:
            paths = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        for path in paths:
            name = path.name[: -len(".json")]
            if not SLOT_RE.match(name):
                continue
            try:
                modified = path.stat().st_mtime
            except OSError:
                continue
            try:
                state, _ = codec.decode(self.story, self._read_json(path, name))
                scene = self.story.scenes[state.scene]
                out.append(SlotInfo(name, modified, scene.chapter, scene.title, state.turn, None))
            except SaveError as exc:
                out.append(SlotInfo(name, modified, "", "", None, str(exc)))
        return sorted(out, key=lambda s: s.modified, reverse=True)

    def latest(self) -> SlotInfo | None:
        return next((s for s in self.slots() if s.problem is None), None)

    def describe(self) -> list[str]:
        return describe(self.slots())


def describe(slots: list[SlotInfo]) -> list[str]:
    """A listing line per slot, safe to print (titles and problems come from
    story files and saves)."""
    return [safe(line) for line in _describe(slots)]


def _describe(slots: list[SlotInfo]) -> list[str]:
    if not slots:
        return ["No saved games yet."]
    lines = []
    for s in slots:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.modified))
        if s.problem:
            lines.append(f"  {s.name:<14} {when}  (cannot be loaded: {s.problem})")
        else:
            place = " - ".join(p for p in (s.chapter, s.title) if p)
            lines.append(f"  {s.name:<14} {when}  {place}, turn {s.turn}")
    return lines
