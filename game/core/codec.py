"""Save format: a State (with its undo history and checkpoints) <-> plain,
versioned JSON. Pure: no files here (see `game.saves`).

Version 2 keeps the state once: the current state in full (visit counts of
scenes visited, flags, items, counters, once-only choices taken), the undo
history as records of what each step changed, and each checkpoint without
visit counts. A save grows with what the player changed, not with visits
times undo depth. The text is assembled from pieces that the persistent
maps and undo records cache, so saving after a choice costs what the choice
changed. Version 1 saves (full states in the history) still load.

Everything read is validated before use: a save may be truncated, edited by
hand or made by a stranger. A save made with an earlier version of the story
is mapped onto this one with the manifest's `saves:` renames and defaults.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from game.core import model as m
from game.core.pmap import EMPTY_MAP, MISSING, PMap, PSet
from game.core.state import SAME, UNDO_LIMIT, State, Undo

FORMAT = "dead-reckoning-save"
VERSION = 2  # of this file format; a newer one is refused with a clear message
MAX_NAMES = 250_000  # entries in one list or map of a saved state
MAX_INT = 2**53
_NAME_RE = r"[A-Za-z_][A-Za-z0-9_-]{0,63}"
_KEY_RE = r"[A-Za-z_][A-Za-z0-9_-]{0,63}/[A-Za-z0-9_#-]{1,65}"
_NAME = re.compile(_NAME_RE)
_NAMES = re.compile(rf"{_NAME_RE}(?:\n{_NAME_RE})*")
_KEYS = re.compile(rf"{_KEY_RE}(?:\n{_KEY_RE})*")


class SaveError(Exception):
    """A save that cannot be used, with a message for the player."""


# ---------------------------------------------------------------- writing


def dumps(story: m.Story, state: State, saved_at: str) -> str:
    """The save as compact JSON text."""
    table = _Checkpoints()
    current = _state_text(state, table.ref(state.checkpoint))
    history = ",".join(_undo_text(u, table) for u in state.history)
    scene = story.scenes[state.scene]
    head = json.dumps({"format": FORMAT, "version": VERSION,
                       "story": {"id": story.id, "version": story.version, "fingerprint": story.fingerprint},
                       "saved_at": saved_at,
                       "summary": {"chapter": scene.chapter, "location": scene.location, "title": scene.title,
                                   "turn": state.turn}}, separators=(",", ":"), ensure_ascii=False)
    return (f'{head[:-1]},"state":{current},"history":[{history}],'
            f'"checkpoints":[{",".join(table.texts)}]}}')


def encode(story: m.Story, state: State, saved_at: str) -> dict:
    """The save as JSON data (for tools and tests; the game writes `dumps`)."""
    return json.loads(dumps(story, state, saved_at))


class _Checkpoints:
    def __init__(self) -> None:
        self.index: dict[int, int] = {}
        self.texts: list[str] = []
        self.keep: list[State] = []  # ids stay valid while the table lives

    def ref(self, cp: State | None) -> str:
        if cp is None:
            return "null"
        found = self.index.get(id(cp))
        if found is None:
            found = self.index[id(cp)] = len(self.texts)
            self.keep.append(cp)
            self.texts.append(_checkpoint_text(cp))
        return str(found)


def _items(items) -> str:
    return json.dumps(list(items))


def _state_text(s: State, checkpoint: str) -> str:
    return (f'{{"scene":{json.dumps(s.scene)},"flags":[{s.flags.json_items()}],"items":{_items(s.items)},'
            f'"counters":{{{s.counters.json_members()}}},"visits":{{{s.visits.json_members()}}},'
            f'"chosen":[{s.chosen.json_items()}],"turn":{s.turn},"seed":{s.seed},"checkpoint":{checkpoint}'
            f'{_run_text(s)}}}')


def _run_text(s: State) -> str:
    """The return stack and the random draws, when there are any."""
    return (f',"stack":{_items(s.stack)}' if s.stack else "") + (f',"draws":{s.draws}' if s.draws else "")


def _checkpoint_text(s: State) -> str:
    return (f'{{"scene":{json.dumps(s.scene)},"flags":[{s.flags.json_items()}],"items":{_items(s.items)},'
            f'"counters":{{{s.counters.json_members()}}},"chosen":[{s.chosen.json_items()}],'
            f'"turn":{s.turn},"seed":{s.seed}{_run_text(s)}}}')


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _changes(pairs, present: object = None) -> str:
    """Map changes as JSON members: name: old value (or `present`), or null
    where it was absent."""
    return _dumps({k: None if v is MISSING else (present if present is not None else v) for k, v in pairs})[1:-1]


def _undo_text(u: Undo, table: _Checkpoints) -> str:
    if not u.memo:
        parts = [f'"scene":{json.dumps(u.scene)}', f'"turn":{u.turn}']
        if u.flags:
            parts.append(f'"flags":{{{_changes(u.flags, True)}}}')
        if u.items is not None:
            parts.append(f'"items":{_items(u.items)}')
        for name in ("counters", "visits"):
            if getattr(u, name):
                parts.append(f'"{name}":{{{_changes(getattr(u, name))}}}')
        if u.chosen:
            parts.append(f'"chosen":{{{_changes(u.chosen, True)}}}')
        if u.stack is not None:
            parts.append(f'"stack":{_items(u.stack)}')
        if u.draws is not None:
            parts.append(f'"draws":{u.draws}')
        u.memo.append("{" + ",".join(parts))
    text = u.memo[0]
    if u.checkpoint is SAME:
        return text + "}"
    return f'{text},"checkpoint":{table.ref(u.checkpoint)}}}'


# ---------------------------------------------------------------- reading


def check_head(story: m.Story, data: object) -> dict:
    """The part of a save before its state: that it is a save, of a format
    this game reads, of this story. Returns the story block. SaveError."""
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
    return about


def summary(data: dict) -> tuple[str, str, int]:
    """(chapter, scene title, turn) as the save's head records them, for a
    listing that does not read the state. SaveError if they are not there."""
    about = _field(data, "summary", dict, "summary")
    chapter, title = about.get("chapter"), about.get("title")
    if not isinstance(chapter, str) or not isinstance(title, str):
        raise SaveError("its summary is damaged")
    return chapter[:200], title[:200], _int(about.get("turn"), "the turn in its summary", 0)


def decode(story: m.Story, data: object) -> tuple[State, list[str]]:
    """A validated State from save data, and notes for the player (such as
    'made with an earlier version of the story'). Raises SaveError."""
    about = check_head(story, data)
    version = data["version"]
    exact = about.get("fingerprint") == story.fingerprint

    checkpoints_raw = _field(data, "checkpoints", list, "checkpoints")
    history_raw = _field(data, "history", list, "history")
    if len(history_raw) > UNDO_LIMIT or len(checkpoints_raw) > UNDO_LIMIT + 1:
        raise SaveError("its undo history is longer than any game writes")
    migrate = _Migrator(story, exact)
    known = known_names(story) if exact else (None, None)
    checkpoints = [migrate.state(_read_state(raw, f"checkpoint {i + 1}", None, visits=False, known=known), None)
                   for i, raw in enumerate(checkpoints_raw)]

    def checkpoint(ref) -> State | None:
        return None if ref is None else checkpoints[ref]

    fields, ref = _read_state(_field(data, "state", dict, "state"), "state", len(checkpoints), known=known)
    current = migrate.state((fields, ref), checkpoint(ref))
    if current is None:
        raise SaveError(migrate.missing_message())
    if version == 1:
        return _history_v1(current, history_raw, migrate, checkpoints), migrate.notes
    history: list[Undo] = []
    read = _undo_records_fast(history_raw, len(checkpoints), known)
    if read is None:  # something is wrong: read them one by one to say exactly what
        read = [_read_undo(raw, f"undo step {i + 1}", len(checkpoints)) for i, raw in enumerate(history_raw)]
    for fields in read:
        record = migrate.undo(fields, checkpoints)
        if record is None:  # a step back into a scene the story no longer has: undo stops before it
            migrate.notes.append("Undo cannot go back past a scene the story no longer has.")
            break
        history.append(record)
    return replace(current, history=tuple(history)), migrate.notes


def carry(old: m.Story, state: State, new: m.Story) -> tuple[State, list[str]]:
    """A state of one version of a story, carried into another (reload)."""
    return decode(new, json.loads(dumps(old, state, "")))


def _history_v1(current: State, history_raw: list, migrate: _Migrator, checkpoints: list) -> State:
    """Version 1 kept full states in the history: turn them into records."""
    states = [current]
    for i, raw in enumerate(history_raw):
        fields, ref = _read_state(raw, f"undo step {i + 1}", len(checkpoints))
        past = migrate.state((fields, ref), None if ref is None else checkpoints[ref])
        if past is None:
            migrate.notes.append("Undo cannot go back past a scene the story no longer has.")
            break
        states.append(past)
    records = tuple(newer.undo_record(older) for newer, older in zip(states, states[1:]))
    return replace(current, history=records)


def _field(data: dict, key: str, kind: type, what: str):
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SaveError(f"its {what} is missing or of the wrong kind")
    return value


def _int(value, what: str, low: int = -MAX_INT) -> int:
    if type(value) is not int or not low <= value <= MAX_INT:
        raise SaveError(f"{what} is not a valid number")
    return value


def _names(value, what: str, pattern=_NAMES, known=None) -> list[str]:
    """A list of valid names, checked in bulk (no loop in Python)."""
    if type(value) is not list or len(value) > MAX_NAMES:
        raise SaveError(f"{what} is not a list of names")
    if value and (not set(map(type, value)) <= {str} or not _all_match(pattern, value, known)):
        raise SaveError(f"{what} holds an invalid name")
    return value


def _all_match(pattern, names, known: frozenset | None = None) -> bool:
    """Every name is valid. The usual case is one set lookup in C: every name
    is one the story itself has (`known`, all valid). Otherwise one regex pass
    over the names joined by newlines (a name with a newline of its own shows
    as one separator too many)."""
    if known is not None and known.issuperset(names):
        return True
    joined = "\n".join(names)
    return joined.count("\n") == len(names) - 1 and pattern.fullmatch(joined) is not None


def known_names(story: m.Story) -> tuple[frozenset, frozenset]:
    """Every name the story has (scenes, flags, items, counters) and every
    choice key: a save of this story holds only these, so checking a save
    against them is a set operation, not a regex per name."""
    symbols = story.symbols
    cached = getattr(symbols, "save_names", None)
    if cached is None:
        names = frozenset(story.scenes).union(*(symbols.names(k) for k in ("flag", "item", "counter"))) \
            if symbols is not None else frozenset(story.scenes)
        keys = frozenset(c.key for s in story.scenes.values() for c in s.targets())
        cached = (names, keys)
        if symbols is not None:
            symbols.save_names = cached
    return cached


def _counts(value, what: str, low: int, known=None) -> dict[str, int]:
    if type(value) is not dict or len(value) > MAX_NAMES:
        raise SaveError(f"{what} is not a map of names to numbers")
    if value:
        if not _all_match(_NAMES, value, known):
            raise SaveError(f"{what} holds an invalid name")
        numbers = list(value.values())
        if not set(map(type, numbers)) <= {int} or min(numbers) < low or max(numbers) > MAX_INT:
            bad = next(k for k, v in value.items() if type(v) is not int or not low <= v <= MAX_INT)
            raise SaveError(f"{what} of '{bad}' is not a valid number")
    return value


def _changes_in(value, what: str, kind: str) -> tuple:
    """Undo changes: name -> old value (true for flags and choices), or null."""
    if value is None:
        return ()
    if type(value) is not dict or len(value) > MAX_NAMES:
        raise SaveError(f"{what} is not a map of changes")
    pattern = _KEYS if kind == "chosen" else _NAMES
    if value and not _all_match(pattern, value):
        raise SaveError(f"{what} holds an invalid name")
    out = []
    for name, old in value.items():
        if old is None:
            out.append((name, MISSING))
        elif kind in ("flags", "chosen"):
            if old is not True:
                raise SaveError(f"{what} of '{name}' is not true or null")
            out.append((name, True))
        else:
            out.append((name, _int(old, f"{what} of '{name}'", 0 if kind == "visits" else -MAX_INT)))
    return tuple(out)


RawState = tuple[dict, int | None]
MAX_STACK = 64  # as the engine allows


_STACK = re.compile(rf"={{0,1}}{_NAME_RE}(?:\n={{0,1}}{_NAME_RE})*")


def _stack(value, what: str, known=None) -> list[str]:
    """Return places: scene ids, "=scene" for one to resume as it was left."""
    names = _names(value, what, _STACK)
    if len(names) > MAX_STACK:
        raise SaveError(f"{what} is deeper than any game makes")
    return names


def _stack_scene(entry: str) -> str:
    return entry[1:] if entry.startswith("=") else entry


def _read_state(raw, where: str, checkpoints: int | None, *, visits: bool = True, known=(None, None)) -> RawState:
    if not isinstance(raw, dict):
        raise SaveError(f"its {where} is not a state")
    scene = raw.get("scene")
    if not isinstance(scene, str) or not _NAME.fullmatch(scene):
        raise SaveError(f"its {where} names no valid scene")
    fields = {
        "scene": scene,
        "flags": _names(raw.get("flags"), f"the flags in its {where}", _NAMES, known[0]),
        "items": _names(raw.get("items"), f"the items in its {where}", _NAMES, known[0]),
        "counters": _counts(raw.get("counters"), f"a counter in its {where}", -MAX_INT, known[0]),
        # a version 1 checkpoint holds visit counts: they are not used
        "visits": _counts(raw.get("visits"), f"a visit count in its {where}", 0, known[0]) if visits else {},
        "chosen": _names(raw.get("chosen"), f"the choices taken in its {where}", _KEYS, known[1]),
        "turn": _int(raw.get("turn"), f"the turn in its {where}", 0),
        "seed": _int(raw.get("seed"), f"the seed in its {where}"),
        "stack": _stack(raw.get("stack", []), f"the return stack in its {where}", known[0]),
        "draws": _int(raw.get("draws", 0), f"the random draws in its {where}", 0),
    }
    ref = raw.get("checkpoint")
    if ref is not None:
        if checkpoints is None:
            raise SaveError(f"its {where} is nested too deeply")
        _int(ref, f"the checkpoint of its {where}", 0)
        if ref >= checkpoints:
            raise SaveError(f"its {where} refers to a checkpoint that is not there")
    return fields, ref


_CHANGE_KINDS = ("flags", "counters", "visits", "chosen")
_EMPTY_RECORD = {"scene": None, "turn": None, "items": None, "checkpoint": SAME, "flags": (), "counters": (),
                 "visits": (), "chosen": (), "stack": None, "draws": None}


def _undo_records_fast(history_raw: list, checkpoints: int, known=(None, None)) -> list[dict] | None:
    """The undo records, validated in bulk (the names of all records in one
    regex pass, all numbers at once), or None when anything is off; then
    `_read_undo` reads them again one by one to say what is wrong."""
    names: list = []
    keys: list = []
    numbers: list = []  # any whole number
    counts: list = []  # numbers that cannot be negative
    out = []
    for raw in history_raw:
        if type(raw) is not dict:
            return None
        fields = dict(_EMPTY_RECORD)
        for key, value in raw.items():
            if key == "visits" or key == "counters":
                if type(value) is not dict or len(value) > MAX_NAMES:
                    return None
                names.extend(value)
                values = value.values()
                if None in values:
                    fields[key] = tuple((k, MISSING if v is None else v) for k, v in value.items())
                    values = [v for v in values if v is not None]
                else:
                    fields[key] = tuple(value.items())
                (counts if key == "visits" else numbers).extend(values)
            elif key == "flags" or key == "chosen":
                if type(value) is not dict or len(value) > MAX_NAMES:
                    return None
                (keys if key == "chosen" else names).extend(value)
                for v in value.values():
                    if v is not True and v is not None:
                        return None
                fields[key] = tuple((k, MISSING if v is None else True) for k, v in value.items())
            elif key == "scene":
                names.append(value)
                fields[key] = value
            elif key == "turn":
                counts.append(value)
                fields[key] = value
            elif key == "items":
                if type(value) is not list or len(value) > MAX_NAMES:
                    return None
                names.extend(value)
                fields[key] = value
            elif key == "checkpoint":
                if value is not None:
                    counts.append(value)
                    if type(value) is not int or value >= checkpoints:
                        return None
                fields[key] = value
            elif key == "stack":
                if type(value) is not list or len(value) > MAX_STACK or not set(map(type, value)) <= {str} \
                        or (value and not _all_match(_STACK, value)):
                    return None
                fields[key] = tuple(value)
            elif key == "draws":
                counts.append(value)
                fields[key] = value
        if fields["scene"] is None or fields["turn"] is None:
            return None
        out.append(fields)
    if names and (not set(map(type, names)) <= {str} or not _all_match(_NAMES, names, known[0])):
        return None
    if keys and (not set(map(type, keys)) <= {str} or not _all_match(_KEYS, keys, known[1])):
        return None
    for group, low in ((numbers, -MAX_INT), (counts, 0)):
        if group and (not set(map(type, group)) <= {int} or min(group) < low or max(group) > MAX_INT):
            return None
    return out


def _read_undo(raw, where: str, checkpoints: int) -> dict:
    if not isinstance(raw, dict):
        raise SaveError(f"its {where} is not an undo record")
    scene = raw.get("scene")
    if not isinstance(scene, str) or not _NAME.fullmatch(scene):
        raise SaveError(f"its {where} names no valid scene")
    fields = {"scene": scene, "turn": _int(raw.get("turn"), f"the turn in its {where}", 0),
              "items": None if "items" not in raw else _names(raw["items"], f"the items in its {where}")}
    for kind in ("flags", "counters", "visits", "chosen"):
        fields[kind] = _changes_in(raw.get(kind), f"the {kind} in its {where}", kind)
    if "checkpoint" not in raw:
        fields["checkpoint"] = SAME
    else:
        ref = raw["checkpoint"]
        if ref is not None:
            _int(ref, f"the checkpoint of its {where}", 0)
            if ref >= checkpoints:
                raise SaveError(f"its {where} refers to a checkpoint that is not there")
        fields["checkpoint"] = ref
    fields["stack"] = None if "stack" not in raw else tuple(_stack(raw["stack"], f"the return stack in its {where}"))
    fields["draws"] = None if "draws" not in raw else _int(raw["draws"], f"the random draws in its {where}", 0)
    return fields


class _Migrator:
    """Maps raw states onto the current story, renaming what the manifest
    says was renamed and adding defaults for state older saves lack."""

    def __init__(self, story: m.Story, exact: bool):
        self.story = story
        self.exact = exact
        self.renamed = {} if exact else story.migration.renamed
        self.scenes = self.renamed.get("scenes", {})
        self.missing: str | None = None
        self.notes: list[str] = [] if exact else [
            "This save was made with an earlier version of the story; it has been brought up to date."]

    def _name(self, kind: str):
        table = self.renamed.get(kind, {})
        return (lambda n: table.get(n, n)) if table else (lambda n: n)

    def _choice_key(self, key: str) -> str:
        scene, _, rest = key.partition("/")
        return f"{self.scenes.get(scene, scene)}/{rest}"

    def state(self, raw: RawState, checkpoint: State | None) -> State | None:
        fields, _ = raw
        scene = self.scenes.get(fields["scene"], fields["scene"])
        if scene not in self.story.scenes:
            self.missing = self.missing or fields["scene"]
            return None
        stack = self._stack(fields["stack"])
        if stack is None:
            return None
        if self.exact:
            return State(scene, PSet.adopt_names(fields["flags"]), tuple(dict.fromkeys(fields["items"])),
                         PMap.adopt(fields["counters"]), PMap.adopt(fields["visits"]) if fields["visits"] else EMPTY_MAP,
                         PSet.adopt_names(fields["chosen"]), fields["turn"], fields["seed"], checkpoint,
                         stack=stack, draws=fields["draws"])
        rename = self._name
        counters = {rename("counters")(k): v for k, v in fields["counters"].items()}
        flags = {rename("flags")(n) for n in fields["flags"]}
        items = list(dict.fromkeys(rename("items")(n) for n in fields["items"]))
        defaults = self.story.migration.defaults
        flags |= defaults.flags
        items += [i for i in defaults.items if i not in items]
        for name, value in defaults.counters.items():
            counters.setdefault(name, value)
        visits: dict[str, int] = {}
        for old, count in fields["visits"].items():
            new = self.scenes.get(old, old)
            visits[new] = visits.get(new, 0) + count
        chosen = [self._choice_key(k) for k in fields["chosen"]]
        return State(scene, PSet(sorted(flags)), tuple(items), PMap(counters), PMap(visits), PSet(chosen),
                     fields["turn"], fields["seed"], checkpoint, stack=stack, draws=fields["draws"])

    def undo(self, fields: dict, checkpoints: list[State]) -> Undo | None:
        scene = self.scenes.get(fields["scene"], fields["scene"])
        if scene not in self.story.scenes:
            return None
        cp = fields["checkpoint"]
        cp = cp if cp is SAME or cp is None else checkpoints[cp]
        items = fields["items"]
        stack = fields["stack"]
        if stack is not None:
            stack = self._stack(stack)
            if stack is None:
                return None
        if self.exact:
            return Undo(scene, fields["turn"], fields["flags"], None if items is None else tuple(dict.fromkeys(items)),
                        fields["counters"], fields["visits"], fields["chosen"], cp, [], stack, fields["draws"])
        rename = self._name
        if items is not None:  # as every state of an older save gets them: the manifest's default items
            items = list(dict.fromkeys(rename("items")(n) for n in items))
            items += [i for i in self.story.migration.defaults.items if i not in items]
        return Undo(scene, fields["turn"], tuple((rename("flags")(k), v) for k, v in fields["flags"]),
                    None if items is None else tuple(items),
                    tuple((rename("counters")(k), v) for k, v in fields["counters"]),
                    tuple((self.scenes.get(k, k), v) for k, v in fields["visits"]),
                    tuple((self._choice_key(k), v) for k, v in fields["chosen"]), cp, [], stack, fields["draws"])

    def _stack(self, entries) -> tuple[str, ...] | None:
        """The return stack with renamed scenes; None if one is gone."""
        out = []
        for entry in entries:
            mark = "=" if entry.startswith("=") else ""
            scene = _stack_scene(entry)
            scene = self.scenes.get(scene, scene)
            if scene not in self.story.scenes:
                self.missing = self.missing or scene
                return None
            out.append(mark + scene)
        return tuple(out)

    def missing_message(self) -> str:
        return (f"it needs the scene '{self.missing}', which this version of the story does not have "
                "(the story's manifest can map it under saves: renamed: scenes:)")
