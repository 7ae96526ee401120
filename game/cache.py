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

from game import __version__, atomic
from game import model as m

FORMAT = 1
KEEP = 32  # cached stories kept; older ones are removed
_NONE = m.NO_EFFECTS


class Invalid(Exception):
    """The cache file is not what this version writes."""


def key(fingerprint: str) -> str:
    return f"v{FORMAT}-{__version__}-{fingerprint}"


# ------------------------------------------------------------------ writing


class _Encoder:
    def __init__(self, files: list[str]):
        self.index = {name: i for i, name in enumerate(files)}

    def where(self, w: m.Where | None):
        return None if w is None else [self.index[w.file], w.line, w.col]

    def cond(self, c):
        if c is None:
            return None
        if isinstance(c, m.Has):
            return ["has", c.item, self.where(c.where)]
        if isinstance(c, m.Flag):
            return ["flag", c.flag, self.where(c.where)]
        if isinstance(c, m.Visited):
            return ["visited", c.scene, self.where(c.where)]
        if isinstance(c, m.Counter):
            return ["counter", c.counter, c.low, c.high, self.where(c.where)]
        if isinstance(c, m.Not):
            return ["not", self.cond(c.term)]
        return ["all" if isinstance(c, m.All) else "any", [self.cond(t) for t in c.terms]]

    def effects(self, e: m.Effects):
        if e is _NONE:
            return None
        return [list(e.set), list(e.clear), list(e.give), list(e.take), [list(p) for p in e.add],
                self.where(e.where), {k: self.where(w) for k, w in e.places.items()}]

    def blocks(self, blocks):
        out = []
        for b in blocks:
            if isinstance(b, m.Para):
                out.append(["p", [p if isinstance(p, str) else [p.name, self.where(p.where)] for p in b.parts]])
            elif isinstance(b, m.When):
                out.append(["w", self.cond(b.cond), self.blocks(b.then), self.blocks(b.otherwise)])
            else:
                out.append(["y", b.mode, [self.blocks(o) for o in b.options]])
        return out

    def choice(self, c: m.Choice | None):
        if c is None:
            return None
        return [c.key, c.label, c.goto, self.cond(c.cond), c.disabled, self.effects(c.effects), c.once,
                self.where(c.where), self.where(c.goto_where)]

    def scene(self, s: m.Scene):
        return [s.id, s.title, s.chapter, s.location, s.pov, self.blocks(s.text), [self.choice(c) for c in s.choices],
                self.choice(s.fallback), [s.ending.kind, s.ending.title] if s.ending else None, s.checkpoint,
                self.effects(s.effects), self.where(s.where)]


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
    def __init__(self, shown: list[str]):
        self.shown = shown
        self.visited: list[str] = []

    def where(self, w) -> m.Where | None:
        if w is None:
            return None
        if type(w) is not list or len(w) != 3:
            raise Invalid("position expected")
        f, line, col = w
        return m.Where(self.shown[_int(f)], _int(line), _int(col))

    def cond(self, c):
        if c is None:
            return None
        if type(c) is not list or not c:
            raise Invalid("condition expected")
        op = c[0]
        if op == "has":
            return m.Has(_str(c[1]), self.where(c[2]))
        if op == "flag":
            return m.Flag(_str(c[1]), self.where(c[2]))
        if op == "visited":
            self.visited.append(_str(c[1]))
            return m.Visited(c[1], self.where(c[2]))
        if op == "counter":
            low, high = c[2], c[3]
            if not (low is None or type(low) is int) or not (high is None or type(high) is int):
                raise Invalid("bound expected")
            return m.Counter(_str(c[1]), low, high, self.where(c[4]))
        if op == "not":
            return m.Not(self.required(c[1]))
        if op in ("all", "any") and type(c[1]) is list:
            terms = tuple(self.required(t) for t in c[1])
            return m.All(terms) if op == "all" else m.Any(terms)
        raise Invalid("unknown condition")

    def required(self, c):
        cond = self.cond(c)
        if cond is None:
            raise Invalid("condition expected")
        return cond

    def effects(self, e) -> m.Effects:
        if e is None:
            return _NONE
        if type(e) is not list or len(e) != 7 or type(e[6]) is not dict:
            raise Invalid("effects expected")
        adds = []
        for pair in e[4]:
            if type(pair) is not list or len(pair) != 2:
                raise Invalid("counter step expected")
            adds.append((_str(pair[0]), _int(pair[1])))
        places = MappingProxyType({_str(k): self.where(w) for k, w in e[6].items()})
        return m.Effects(_strs(e[0]), _strs(e[1]), _strs(e[2]), _strs(e[3]), tuple(adds), self.where(e[5]), places)

    def blocks(self, blocks) -> tuple:
        if type(blocks) is not list:
            raise Invalid("text expected")
        out = []
        for b in blocks:
            if type(b) is not list or not b:
                raise Invalid("text block expected")
            if b[0] == "p" and type(b[1]) is list:
                parts = tuple(p if type(p) is str else m.Var(_str(p[0]), self.where(p[1])) for p in b[1])
                out.append(m.Para(parts))
            elif b[0] == "w":
                out.append(m.When(self.required(b[1]), self.blocks(b[2]), self.blocks(b[3])))
            elif b[0] == "y" and b[1] in m.VARY_MODES and type(b[2]) is list and b[2]:
                out.append(m.Vary(b[1], tuple(self.blocks(o) for o in b[2])))
            else:
                raise Invalid("unknown text block")
        return tuple(out)

    def choice(self, c) -> m.Choice | None:
        if c is None:
            return None
        if type(c) is not list or len(c) != 9:
            raise Invalid("choice expected")
        disabled = c[4] if c[4] is None else _str(c[4])
        if type(c[6]) is not bool:
            raise Invalid("once expected")
        return m.Choice(_str(c[0]), _str(c[1]), _str(c[2]), self.cond(c[3]), disabled, self.effects(c[5]), c[6],
                        self.where(c[7]), self.where(c[8]))

    def scene(self, s) -> m.Scene:
        if type(s) is not list or len(s) != 12 or type(s[6]) is not list or type(s[9]) is not bool:
            raise Invalid("scene expected")
        ending = None
        if s[8] is not None:
            if type(s[8]) is not list or len(s[8]) != 2 or s[8][0] not in m.ENDING_KINDS:
                raise Invalid("ending expected")
            ending = m.Ending(s[8][0], _str(s[8][1]))
        return m.Scene(_str(s[0]), _str(s[1]), _str(s[2]), _str(s[3]), _str(s[4]), self.blocks(s[5]),
                       tuple(self.choice(c) for c in s[6]), self.choice(s[7]), ending, s[9], self.effects(s[10]),
                       self.where(s[11]))


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
            scene = decoder.scene(raw)
            if scene.id in scenes:
                return None
            scenes[scene.id] = scene
        start = _str(head[3])
        targets_ok = all(c.goto in scenes for s in scenes.values() for c in s.targets())
        if start not in scenes or not targets_ok or any(v not in scenes for v in decoder.visited):
            return None
        renamed = MappingProxyType({_str(kind): MappingProxyType({_str(a): _str(b) for a, b in table.items()})
                                    for kind, table in head[6].items() if type(table) is dict})
        return m.Story(_str(head[0]), _str(head[1]), _str(head[2]), start, _initial_from(head[4]),
                       MappingProxyType({_str(k): _str(v) for k, v in head[5].items()}),
                       MappingProxyType(scenes), root, fingerprint, decoder.where(head[8]),
                       m.Migration(renamed, _initial_from(head[7])))
    except (OSError, ValueError, KeyError, IndexError, TypeError, RecursionError, Invalid):
        return None
