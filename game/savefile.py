"""Save format: a State (with its undo history and checkpoints) <-> plain,
versioned JSON data. Pure: no files here (see `saves`).

Everything read is validated before use: a save may be truncated, edited by
hand or made by a stranger. A save made with an earlier version of the story
is mapped onto this one with the manifest's `saves:` renames and defaults.
"""

from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType

from game import model as m
from game.state import UNDO_LIMIT, State

FORMAT = "dead-reckoning-save"
VERSION = 1  # of this file format; a newer one is refused with a clear message
MAX_NAMES = 100_000  # entries in one list or map of a saved state
MAX_INT = 2**53
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
_CHOICE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}/[A-Za-z0-9_#-]{1,65}$")


class SaveError(Exception):
    """A save that cannot be used, with a message for the player."""


# ---------------------------------------------------------------- writing


def encode(story: m.Story, state: State, saved_at: str) -> dict:
    checkpoints: list[dict] = []
    index: dict[int, int] = {}

    def checkpoint_ref(s: State) -> int | None:
        cp = s.checkpoint
        if cp is None:
            return None
        if id(cp) not in index:
            index[id(cp)] = len(checkpoints)
            checkpoints.append(_state_dict(cp, None))
        return index[id(cp)]

    scene = story.scenes[state.scene]
    return {
        "format": FORMAT,
        "version": VERSION,
        "story": {"id": story.id, "version": story.version, "fingerprint": story.fingerprint},
        "saved_at": saved_at,
        "summary": {"chapter": scene.chapter, "location": scene.location, "title": scene.title,
                    "turn": state.turn},
        "state": _state_dict(state, checkpoint_ref(state)),
        "history": [_state_dict(h, checkpoint_ref(h)) for h in state.history],
        "checkpoints": checkpoints,
    }


def _state_dict(s: State, checkpoint: int | None) -> dict:
    return {"scene": s.scene, "flags": sorted(s.flags), "items": list(s.items),
            "counters": dict(s.counters), "visits": dict(s.visits), "chosen": sorted(s.chosen),
            "turn": s.turn, "seed": s.seed, "checkpoint": checkpoint}


# ---------------------------------------------------------------- reading


def decode(story: m.Story, data: object) -> tuple[State, list[str]]:
    """A validated State from save data, and notes for the player (such as
    'made with an earlier version of the story'). Raises SaveError."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SaveError("it is not a Dead Reckoning save")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SaveError("its format version is missing or invalid")
    if version > VERSION:
        raise SaveError(f"it was made by a newer Dead Reckoning (save format {version}; "
                        f"this one reads up to {VERSION}); update the game to load it")
    about = _field(data, "story", dict, "story")
    story_id = _field(about, "id", str, "story id")
    if story_id != story.id:
        raise SaveError(f"it belongs to the story '{story_id[:64]}', not '{story.id}'")
    exact = about.get("fingerprint") == story.fingerprint

    checkpoints_raw = _field(data, "checkpoints", list, "checkpoints")
    history_raw = _field(data, "history", list, "history")
    if len(history_raw) > UNDO_LIMIT or len(checkpoints_raw) > UNDO_LIMIT + 1:
        raise SaveError("its undo history is longer than any game writes")
    migrate = _Migrator(story, exact)
    checkpoints = [migrate.state(_read_state(raw, f"checkpoint {i + 1}", None), None)
                   for i, raw in enumerate(checkpoints_raw)]

    def read(raw, where: str) -> State | None:
        s = _read_state(raw, where, len(checkpoints))
        cp = checkpoints[s[1]] if s[1] is not None else None
        return migrate.state(s, cp)

    current = read(_field(data, "state", dict, "state"), "state")
    if current is None:
        raise SaveError(migrate.missing_message())
    history: list[State] = []
    for i, raw in enumerate(history_raw):
        past = read(raw, f"undo step {i + 1}")
        if past is None:  # an older step in a scene that is gone: undo stops before it
            migrate.notes.append("Undo cannot go back past a scene the story no longer has.")
            break
        history.append(past)
    return replace(current, history=tuple(history)), migrate.notes


def _field(data: dict, key: str, kind: type, what: str):
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SaveError(f"its {what} is missing or of the wrong kind")
    return value


def _int(value, what: str, low: int = -MAX_INT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_INT:
        raise SaveError(f"{what} is not a valid number")
    return value


def _names(value, what: str, pattern=_NAME) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise SaveError(f"{what} is not a list of names")
    for name in value:
        if not isinstance(name, str) or not pattern.match(name):
            raise SaveError(f"{what} holds an invalid name")
    return value


def _counts(value, what: str, low: int) -> dict[str, int]:
    if not isinstance(value, dict) or len(value) > MAX_NAMES:
        raise SaveError(f"{what} is not a map of names to numbers")
    for name, number in value.items():
        if not _NAME.match(name):
            raise SaveError(f"{what} holds an invalid name")
        _int(number, f"{what} of '{name}'", low)
    return value


RawState = tuple[dict, int | None]


def _read_state(raw, where: str, checkpoints: int | None) -> RawState:
    if not isinstance(raw, dict):
        raise SaveError(f"its {where} is not a state")
    scene = raw.get("scene")
    if not isinstance(scene, str) or not _NAME.match(scene):
        raise SaveError(f"its {where} names no valid scene")
    fields = {
        "scene": scene,
        "flags": _names(raw.get("flags"), f"the flags in its {where}"),
        "items": _names(raw.get("items"), f"the items in its {where}"),
        "counters": _counts(raw.get("counters"), f"a counter in its {where}", -MAX_INT),
        "visits": _counts(raw.get("visits"), f"a visit count in its {where}", 0),
        "chosen": _names(raw.get("chosen"), f"the choices taken in its {where}", _CHOICE_KEY),
        "turn": _int(raw.get("turn"), f"the turn in its {where}", 0),
        "seed": _int(raw.get("seed"), f"the seed in its {where}"),
    }
    ref = raw.get("checkpoint")
    if ref is not None:
        if checkpoints is None:
            raise SaveError(f"its {where} is nested too deeply")
        _int(ref, f"the checkpoint of its {where}", 0)
        if ref >= checkpoints:
            raise SaveError(f"its {where} refers to a checkpoint that is not there")
    return fields, ref


class _Migrator:
    """Maps raw states onto the current story, renaming what the manifest
    says was renamed and adding defaults for state older saves lack."""

    def __init__(self, story: m.Story, exact: bool):
        self.story = story
        self.exact = exact
        self.renamed = {} if exact else story.migration.renamed
        self.missing: str | None = None
        self.notes: list[str] = [] if exact else [
            "This save was made with an earlier version of the story; it has been brought up to date."]

    def _rename(self, kind: str, names) -> list[str]:
        table = self.renamed.get(kind, {})
        return [table.get(n, n) for n in names]

    def state(self, raw: RawState, checkpoint: State | None) -> State | None:
        fields, _ = raw
        scenes = self.renamed.get("scenes", {})
        scene = scenes.get(fields["scene"], fields["scene"])
        if scene not in self.story.scenes:
            self.missing = self.missing or fields["scene"]
            return None
        counters = dict(zip(self._rename("counters", fields["counters"]), fields["counters"].values()))
        flags = set(self._rename("flags", fields["flags"]))
        items = list(dict.fromkeys(self._rename("items", fields["items"])))
        if not self.exact:
            defaults = self.story.migration.defaults
            flags |= defaults.flags
            items += [i for i in defaults.items if i not in items]
            for name, value in defaults.counters.items():
                counters.setdefault(name, value)
        visits = {}
        for old, count in fields["visits"].items():
            new = scenes.get(old, old)
            visits[new] = visits.get(new, 0) + count
        chosen = frozenset(self._choice_key(k, scenes) for k in fields["chosen"])
        return State(scene=scene, flags=frozenset(flags), items=tuple(items),
                     counters=MappingProxyType(counters), visits=MappingProxyType(visits),
                     chosen=chosen, turn=fields["turn"], seed=fields["seed"], checkpoint=checkpoint)

    @staticmethod
    def _choice_key(key: str, scenes) -> str:
        scene, _, rest = key.partition("/")
        return f"{scenes.get(scene, scene)}/{rest}"

    def missing_message(self) -> str:
        return (f"it needs the scene '{self.missing}', which this version of the story does not have "
                "(the story's manifest can map it under saves: renamed: scenes:)")
