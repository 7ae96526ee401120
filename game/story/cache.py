"""A compiled cache of validated stories, so a second start skips YAML.

The model is written as compact JSON (never pickle or marshal) under the
platform cache folder, named by a key made of the cache format, the game's
version and the sha256 of every story file. Reading it back is strict: any
value of the wrong shape, any reference to a scene that is not there, any
file that is too large makes `load` return None, and the caller parses the
YAML as if there were no cache. A tampered cache can cost a cold start; it
cannot run code or put an invalid story in front of the engine.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType

from game import __version__, atomic, dirs
from game.core import conditions, effects, text
from game.core import model as m
from game.core.kinds import Use, Where
from game.core.symbols import Symbols

FORMAT = 6  # 4: the forget effect; 5: stories with invisible characters are refused; 6: a {name} in text is placed at the name
KEEP = 32  # cached stories kept; older ones are removed
_NONE = m.NO_EFFECTS
_OPS = ("define", "read", "write", "touch")
_NAME_KINDS = ("scene", "flag", "item", "counter", "any")


def folder() -> Path:
    return dirs.cache_dir() / "stories"


class Invalid(Exception):
    """The cache file is not what this version writes."""


def key(fingerprint: str) -> str:
    return f"v{FORMAT}-{__version__}-{fingerprint}"


# ------------------------------------------------------------------ writing


class _Encoder:
    """Each kind encodes itself (`encode(enc)`); this holds the shared parts:
    positions as [file index, line, column] and the kind's cache tag."""

    def __init__(self, files: list[str]):
        self.index = {name: i for i, name in enumerate(files)}

    def where(self, w: Where | None):
        return None if w is None else [self.index[w.file], w.line, w.col]

    def cond(self, c):
        return None if c is None else [c.tag, *c.encode(self)]

    def effects(self, e: effects.Effects):
        if e is _NONE:
            return None
        return [self.where(e.where), [[op.tag, *op.encode(self)] for op in e.ops]]

    def blocks(self, blocks):
        return [[b.tag, *b.encode(self)] for b in blocks]

    def choice(self, c: m.Choice | None):
        if c is None:
            return None
        return [c.key, c.label, c.goto, self.cond(c.cond), c.disabled, self.effects(c.effects), c.once,
                self.where(c.where), self.where(c.goto_where), self.blocks(c.reply), self.outcomes(c.outcomes), c.call,
                c.returns, list(c.tags), self.where(c.call_where)]

    def outcomes(self, outcomes) -> list:
        return [[o.weight, o.goto, self.effects(o.effects), self.blocks(o.reply), self.where(o.where),
                 self.where(o.goto_where)] for o in outcomes]

    def scene(self, s: m.Scene):
        return [s.id, s.title, s.chapter, s.location, s.pov, self.blocks(s.text), [self.choice(c) for c in s.choices],
                self.choice(s.fallback), [s.ending.kind, s.ending.title] if s.ending else None, s.checkpoint,
                self.effects(s.effects), self.where(s.where), list(s.tags), self.outcomes(s.outcomes)]

    def symbols(self, symbols: Symbols) -> list:
        """Every use, flat: kind, name, op, file, line, column, via."""
        out: list = []
        kinds, ops = {k: i for i, k in enumerate(_NAME_KINDS)}, {o: i for i, o in enumerate(_OPS)}
        for u in symbols.uses:
            out += [kinds[u.kind], u.name, ops[u.op], self.index[u.where.file], u.where.line, u.where.col, u.via]
        return out


def _initial(i: m.Initial):
    return [sorted(i.flags), list(i.items), dict(i.counters)]


def encode(story: m.Story, files: list[str], shown: list[str]) -> dict:
    """files: story-relative paths; shown: how each was named in `Where`."""
    enc = _Encoder(shown)
    return {
        "format": FORMAT, "version": __version__, "fingerprint": story.fingerprint, "files": files,
        "story": [story.id, story.title, story.version, story.start, _initial(story.initial), dict(story.names),
                  {k: dict(v) for k, v in story.migration.renamed.items()}, _initial(story.migration.defaults),
                  enc.where(story.where)],
        "scenes": [enc.scene(s) for s in story.scenes.values()],
        "symbols": enc.symbols(story.symbols),
    }


def store(folder: Path, cache_key: str, data: dict) -> None:
    """Write atomically; a cache that cannot be written is simply skipped."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        atomic.write(folder / f"{cache_key}.json", text.encode("utf-8"), durable=False)
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink()
    except (OSError, ValueError, TypeError):
        pass


# ------------------------------------------------------------------ reading


def _str(value) -> str:
    if type(value) is not str:
        raise Invalid("text expected")
    return value


def _strs(value) -> tuple[str, ...]:
    if type(value) is not list or any(type(v) is not str for v in value):
        raise Invalid("names expected")
    return tuple(value)


def _int(value) -> int:
    if type(value) is not int:
        raise Invalid("number expected")
    return value


class _Decoder:
    """Each kind decodes itself (`decode(dec, data)`) with these strict
    readers; any surprise raises and the cache is not used."""

    def __init__(self, shown: list[str]):
        self.shown = shown
        self.scene_refs: list[str] = []

    str = staticmethod(_str)
    int = staticmethod(_int)

    @staticmethod
    def optional_int(value) -> int | None:
        return None if value is None else _int(value)

    @staticmethod
    def list(value) -> list:
        if type(value) is not list:
            raise Invalid("list expected")
        return value

    def scene(self, name: str) -> None:
        """A scene this kind refers to: checked to exist once all are read."""
        self.scene_refs.append(name)

    def where(self, w) -> Where | None:
        if w is None:
            return None
        if type(w) is not list or len(w) != 3 or type(w[0]) is not int or w[0] < 0:
            raise Invalid("position expected")
        f, line, col = w
        return Where(self.shown[_int(f)], _int(line), _int(col))

    def cond(self, c):
        if type(c) is not list or not c:
            raise Invalid("condition expected")
        kind = conditions.TABLE.by_tag.get(c[0])
        if kind is None:
            raise Invalid("unknown condition")
        return kind.decode(self, c[1:])

    def optional_cond(self, c):
        return None if c is None else self.cond(c)

    def effects(self, e) -> effects.Effects:
        if e is None:
            return _NONE
        if type(e) is not list or len(e) != 2 or type(e[1]) is not list:
            raise Invalid("effects expected")
        ops = []
        for op in e[1]:
            if type(op) is not list or not op or op[0] not in effects.TABLE.by_tag:
                raise Invalid("unknown effect")
            ops.append(effects.TABLE.by_tag[op[0]].decode(self, op[1:]))
        return effects.Effects.of(ops, self.where(e[0]))

    def blocks(self, blocks) -> tuple:
        out = []
        for b in self.list(blocks):
            if type(b) is not list or not b:
                raise Invalid("text block expected")
            kind = text.BLOCK_TAGS.get(b[0])
            if kind is None:
                raise Invalid("unknown text block")
            out.append(kind.decode(self, b[1:]))
        return tuple(out)

    def choice(self, c) -> m.Choice | None:
        if c is None:
            return None
        if type(c) is not list or len(c) != 15:
            raise Invalid("choice expected")
        disabled = c[4] if c[4] is None else _str(c[4])
        if type(c[6]) is not bool or type(c[12]) is not bool:
            raise Invalid("once expected")
        goto = None if c[2] is None else self.target(c[2])
        call = None if c[11] is None else self.target(c[11])
        return m.Choice(_str(c[0]), _str(c[1]), goto, self.optional_cond(c[3]), disabled, self.effects(c[5]),
                        c[6], self.where(c[7]), self.where(c[8]), self.blocks(c[9]), self.outcomes(c[10]), call,
                        c[12], tuple(_str(t) for t in self.list(c[13])), self.where(c[14]))

    def target(self, name) -> str:
        self.scene_refs.append(_str(name))
        return name

    def outcomes(self, data) -> tuple:
        out = []
        for o in self.list(data):
            if type(o) is not list or len(o) != 6 or type(o[0]) is not int or o[0] < 1:
                raise Invalid("outcome expected")
            out.append(m.Outcome(o[0], None if o[1] is None else self.target(o[1]), self.effects(o[2]),
                                 self.blocks(o[3]), self.where(o[4]), self.where(o[5])))
        return tuple(out)

    def scene_data(self, s) -> m.Scene:
        if type(s) is not list or len(s) != 14 or type(s[6]) is not list or type(s[9]) is not bool:
            raise Invalid("scene expected")
        ending = None
        if s[8] is not None:
            if type(s[8]) is not list or len(s[8]) != 2 or s[8][0] not in m.ENDING_KINDS:
                raise Invalid("ending expected")
            ending = m.Ending(s[8][0], _str(s[8][1]))
        if any(c is None for c in s[6]):
            raise Invalid("choice expected")
        return m.Scene(_str(s[0]), _str(s[1]), _str(s[2]), _str(s[3]), _str(s[4]), self.blocks(s[5]),
                       tuple(self.choice(c) for c in s[6]), self.choice(s[7]), ending, s[9], self.effects(s[10]),
                       self.where(s[11]), tuple(_str(t) for t in self.list(s[12])), self.outcomes(s[13]))

    def symbols(self, flat) -> Symbols:
        """Checked now, in bulk; the table itself is built when first asked."""
        if type(flat) is not list or len(flat) % 7:
            raise Invalid("symbols expected")
        columns = [flat[i::7] for i in range(7)]
        limits = (len(_NAME_KINDS), None, len(_OPS), len(self.shown), None, None, None)
        for i, column in enumerate(columns):
            if not column:
                break
            kind = str if i in (1, 6) else int
            if set(map(type, column)) != {kind}:
                raise Invalid("symbols expected")
            if kind is int and (min(column) < 0 or (limits[i] is not None and max(column) >= limits[i])):
                raise Invalid("symbols out of range")
        shown = self.shown

        def uses():
            return [Use(_NAME_KINDS[k], n, _OPS[o], Where(shown[f], line, col), via)
                    for k, n, o, f, line, col, via in zip(*columns)]
        return Symbols(uses)


def _initial_from(data) -> m.Initial:
    if type(data) is not list or len(data) != 3 or type(data[2]) is not dict:
        raise Invalid("initial state expected")
    counters = {_str(k): _int(v) for k, v in data[2].items()}
    return m.Initial(frozenset(_strs(data[0])), _strs(data[1]), MappingProxyType(counters))


def load(path: Path, fingerprint: str, files: list[str], shown: list[str], root: str,
         max_bytes: int) -> m.Story | None:
    """The cached story, or None when there is none or it cannot be trusted."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
        if type(data) is not dict or data.get("format") != FORMAT or data.get("version") != __version__ \
                or data.get("fingerprint") != fingerprint or data.get("files") != files:
            return None
        decoder = _Decoder(shown)
        head = data["story"]
        if type(head) is not list or len(head) != 9 or type(head[5]) is not dict or type(head[6]) is not dict:
            return None
        scenes = {}
        for raw in data["scenes"]:
            scene = decoder.scene_data(raw)
            if scene.id in scenes:
                return None
            scenes[scene.id] = scene
        start = _str(head[3])
        if start not in scenes or any(v not in scenes for v in decoder.scene_refs):
            return None
        symbols = decoder.symbols(data["symbols"])
        renamed = MappingProxyType({_str(kind): MappingProxyType({_str(a): _str(b) for a, b in table.items()})
                                    for kind, table in head[6].items() if type(table) is dict})
        return m.Story(_str(head[0]), _str(head[1]), _str(head[2]), start, _initial_from(head[4]),
                       MappingProxyType({_str(k): _str(v) for k, v in head[5].items()}),
                       MappingProxyType(scenes), root, fingerprint, decoder.where(head[8]),
                       m.Migration(renamed, _initial_from(head[7])), symbols)
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError, Invalid):
        return None
