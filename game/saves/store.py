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
import stat
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
PREVIOUS_RUNS = 5  # previous-run, previous-run-2 ... previous-run-5, newest first
DEBUG_RUN = "debug-run"  # where a run begun with --start/--set/--give saves itself
BACKUP_SUFFIX = ".bak"
MAX_SAVE_BYTES = 8 * 1024 * 1024
HEAD_BYTES = 64 * 1024  # a listing reads this much of each save: its head holds the summary
OWNER = ".story.json"  # which story a save folder belongs to (its id alone may be shared by accident)
MAX_OWNER_BYTES = 64 * 1024
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


def previous_run(n: int) -> str:
    """The slot of the n-th previous run (1 is the newest)."""
    return PREVIOUS_RUN if n == 1 else f"{PREVIOUS_RUN}-{n}"


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
        self._checked: dict[str, tuple[int, int]] = {}  # slot -> (mtime_ns, size) known loadable
        self._claimed = False

    # -- whose folder -------------------------------------------------------
    def claim(self, *, write: bool = True) -> None:
        """Make sure the save folder is this story's: SaveError if another
        story with the same id has saved there. A story is the same one when
        it is in the same folder, or has the same title and start scene (a
        new version installed elsewhere); saving makes the folder remember
        it as it is now."""
        if self._claimed:
            return
        mine = {"id": self.story.id, "title": self.story.title, "start": self.story.start,
                "root": str(Path(self.story.root).resolve())}
        marker = self.folder / OWNER
        try:
            with open_regular(marker) as handle:  # never blocks: a FIFO here is not a marker
                theirs = json.loads(handle.read(MAX_OWNER_BYTES).decode("utf-8"))
            if not isinstance(theirs, dict):
                theirs = {}
        except FileNotFoundError:
            theirs = None
        except (OSError, SaveError, ValueError, RecursionError):
            theirs = {}  # unreadable: nobody can show it is another story's
        same = theirs and (theirs.get("root") == mine["root"]
                           or (theirs.get("title"), theirs.get("start")) == (mine["title"], mine["start"]))
        if theirs and not same:
            title = theirs.get("title")
            other = f"'{title}'" if isinstance(title, str) else "another story"
            raise SaveError(f"the save folder {self.folder} holds the saves of {other}, which has the same "
                            f"id '{self.story.id}' as this one; give this story its own id in its story.yaml, "
                            "or keep its saves apart with --save-dir")
        if not write:
            return
        if theirs != mine:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                atomic.write(marker, json.dumps(mine).encode(), durable=False)
            except OSError:
                pass  # a read-only folder: saving says so itself
        self._claimed = True

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
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        self.claim()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            keep = backup if self._loadable_now(name, path) else None  # never push out the last good copy
            atomic.write(path, data, backup=keep)
            self._remember(name, path)
        except OSError as exc:
            raise SaveError(f"cannot write '{name}': {exc.strerror or exc}") from None
        return path

    def _loadable_now(self, name: str, path: Path) -> bool:
        """Whether the slot's present file may become its backup: anything
        but a damaged file (a save from a newer game, or of another version
        of the story, is kept). A slot this store wrote and nobody touched
        since is known to be whole."""
        try:
            info = path.stat()
        except FileNotFoundError:
            return True  # nothing there: nothing to protect
        if self._checked.get(name) == (info.st_mtime_ns, info.st_size):
            return True
        try:
            data = self._read_json(path, name)
        except SaveError:
            return False  # damaged: the backup is the last good copy
        try:
            codec.check_head(self.story, data)
        except SaveError:
            return True  # not this game's to judge (newer, or another story's): keep it as the backup
        try:
            codec.decode(self.story, data)
        except SaveError:
            return False
        return True

    def _remember(self, name: str, path: Path) -> None:
        try:
            info = path.stat()
            self._checked[name] = (info.st_mtime_ns, info.st_size)
        except OSError:
            self._checked.pop(name, None)

    def autosave(self, state: State) -> None:
        if self.autosave_slot != AUTOSAVE:
            self.save(self.autosave_slot, state)
            return
        if self.fresh_run:
            self.claim()
            self.fresh_run = False
            if self.path(AUTOSAVE).exists():  # keep the last runs: starting afresh never loses one
                try:
                    self._keep_previous_runs()
                except OSError as exc:
                    raise SaveError(f"cannot keep the previous run: {exc.strerror or exc}") from None
        self.save(AUTOSAVE, state)

    def _keep_previous_runs(self) -> None:
        """autosave -> previous-run -> previous-run-2 ... each with its backup;
        the oldest beyond PREVIOUS_RUNS is let go."""
        chain = [AUTOSAVE] + [previous_run(n) for n in range(1, PREVIOUS_RUNS + 1)]
        for newer, older in reversed(list(zip(chain, chain[1:]))):
            for suffix in ("", BACKUP_SUFFIX):
                source = self.path(newer + suffix)
                if source.exists():
                    os.replace(source, self.path(older + suffix))
                elif suffix:
                    try:
                        os.unlink(self.path(older + suffix))  # a backup belongs with its own save
                    except FileNotFoundError:
                        pass
            self._checked.pop(older, None)
        self._checked.pop(AUTOSAVE, None)
        atomic.fsync_dir(self.folder)

    # -- reading ------------------------------------------------------------
    def load(self, name: str) -> tuple[State, list[str]]:
        """The saved state and notes for the player; SaveError says why not.
        The file is never modified."""
        path = self.path(name)
        try:
            state, notes = self._decode(path, name)
        except SaveError as exc:
            message = f"Save '{name}' cannot be loaded: {exc}."
            backup = self.path(name + BACKUP_SUFFIX) if not name.endswith(BACKUP_SUFFIX) else None
            if path.exists() and backup is not None and backup.exists():
                message += f" The save before it is kept: type 'load {name}{BACKUP_SUFFIX}'."
            raise SaveError(message) from None
        return state, notes

    def _decode(self, path: Path, name: str) -> tuple[State, list[str]]:
        """The saved state, or SaveError with the reason alone. A slot that
        decodes is remembered as whole, so the next save over it need not
        read it again to decide whether it may become the backup."""
        loaded = codec.decode(self.story, self._read_json(path, name))
        self._remember(name, path)
        return loaded

    def _read_json(self, path: Path, name: str) -> object:
        try:
            with open_regular(path) as handle:
                data = handle.read(MAX_SAVE_BYTES + 1)
        except FileNotFoundError:
            raise SaveError("there is no save by that name (type 'saves' to list them)") from None
        except OSError as exc:
            raise SaveError(f"the file cannot be read ({exc.strerror or exc})") from None
        if len(data) > MAX_SAVE_BYTES:
            raise SaveError(f"the file is larger than {MAX_SAVE_BYTES:,} bytes")
        return _parse(data)

    def _by_age(self) -> list[tuple[str, Path, float]]:
        """Every slot's name, file and time, newest first (no file opened)."""
        found = []
        try:
            paths = sorted(self.folder.glob("*.json"))
        except OSError:
            return []
        for path in paths:
            name = path.name[: -len(".json")]
            if not SLOT_RE.match(name):
                continue
            try:
                found.append((name, path, path.stat().st_mtime))
            except OSError:
                continue
        return sorted(found, key=lambda f: f[2], reverse=True)

    def slots(self) -> list[SlotInfo]:
        """Every slot of this story, newest first, with what a list shows:
        read from each save's head (its first bytes) and its last byte, never
        the whole file, and never blocking on a file that is not a regular one."""
        out = []
        for name, path, modified in self._by_age():
            try:
                chapter, title, turn = self._summary(path, name)
                out.append(SlotInfo(name, modified, chapter, title, turn, None))
            except SaveError as exc:
                out.append(SlotInfo(name, modified, "", "", None, str(exc)))
        return out

    def _summary(self, path: Path, name: str) -> tuple[str, str, int]:
        try:
            with open_regular(path) as handle:
                size = os.fstat(handle.fileno()).st_size
                if size > MAX_SAVE_BYTES:
                    raise SaveError(f"the file is larger than {MAX_SAVE_BYTES:,} bytes")
                head = handle.read(HEAD_BYTES)
                end = head.find(b',"state":')
                if end < 0:  # not as the game writes saves (re-indented by hand?): read it all, as a load would
                    state, _ = self._decode(path, name)
                    scene = self.story.scenes[state.scene]
                    return scene.chapter, scene.title, state.turn
                handle.seek(max(size - 1, 0))
                if handle.read(1) != b"}":
                    raise SaveError("the file is damaged (it ends too soon)")
        except FileNotFoundError:
            raise SaveError("there is no save by that name") from None
        except OSError as exc:
            raise SaveError(f"the file cannot be read ({exc.strerror or exc})") from None
        data = _parse(head[:end] + b"}")
        codec.check_head(self.story, data)
        return codec.summary(data)

    def latest(self) -> SlotInfo | None:
        return next((s for s in self.slots() if s.problem is None), None)

    def to_continue(self) -> tuple[str | None, list[str], tuple[State, list[str]] | None]:
        """The slot `--continue` should load, what to tell the player, and
        the loaded game (read once): the newest save, or, when it cannot be
        loaded, the copy kept before it, or else the newest save that loads."""
        slots = [name for name, _, _ in self._by_age()]  # only the order is needed: no save is opened for it
        if not slots:
            return None, [], None
        newest = slots[0]
        try:
            return newest, [], self._decode(self.path(newest), newest)
        except SaveError as exc:
            damaged = f"Your newest save '{newest}' cannot be loaded ({exc})."
        backup = newest + BACKUP_SUFFIX
        try:
            loaded = self._decode(self.path(backup), backup)
            return backup, [damaged + f" Continuing from the copy kept before it, '{backup}' (turn "
                                      f"{loaded[0].turn}); '{newest}' is left as it is until this run saves over "
                                      "it."], loaded
        except SaveError:
            pass
        for other in slots[1:]:
            try:
                loaded = self._decode(self.path(other), other)
            except SaveError:
                continue
            return other, [damaged + f" Continuing from '{other}', the newest save that loads."], loaded
        return None, [damaged + " No other save can be loaded: a new run begins, and keeps it as 'previous-run'."], \
            None

    def describe(self) -> list[str]:
        return describe(self.slots())


def open_regular(path: Path):
    """Open a save for reading without ever blocking (a FIFO named like a
    save would hang a plain open) and only if it is a regular file."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SaveError("it is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _parse(data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SaveError("the file is damaged (it is not text)") from None
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(data.strip()) or exc.msg.startswith("Unterminated string")
        where = "it ends too soon" if truncated else f"invalid JSON at line {exc.lineno}, column {exc.colno}"
        raise SaveError(f"the file is damaged ({where})") from None
    except (RecursionError, ValueError):
        raise SaveError("the file is damaged (nested too deeply or numbers too large)") from None


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
