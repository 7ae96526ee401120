"""Text kinds: the blocks a scene's text is made of.

A plain string is a paragraph (`Para`); a mapping is a block kind chosen by
its key (`if` -> When, `sequence`/`cycle`/`once`/`shuffle` -> Vary).

    build(b, node, pos, key)  from YAML, through the compiler's builder
    render(ctx, out, path)    append paragraphs for the current state
    blocks()                  the blocks inside (for walking)
    conditions()              conditions inside, recursively
    uses()                    names read (conditions and `{counter}`s)
    words()                   words of prose, every branch counted
    encode(enc) / decode(dec, data) / schema()
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator, NamedTuple, Union

from game.core.kinds import READ, Table, Use, Where

if TYPE_CHECKING:  # pragma: no cover
    from game.core.conditions import Condition
    from game.core.state import State

TABLE = Table("text")
BUILTIN_VARS = ("turn", "visits")


class Ctx(NamedTuple):
    """What rendering needs: the state, the scene being shown, the story's
    display names."""

    state: State
    scene_id: str
    names: object = None  # Mapping name -> display name

    def name_of(self, key: str) -> str:
        names = self.names or {}
        return names.get(key, key.replace("_", " "))


class _NamePart:
    """An inline part that shows something about one name."""

    __slots__ = ()

    def conditions(self):
        return iter(())

    def words(self) -> int:
        return 1

    def encode(self, enc) -> list:
        return [self.name, enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), dec.where(data[1]))


@dataclass(frozen=True, slots=True)
class Var(_NamePart):
    """A `{name}` inside text: a counter, or `turn` / `visits`."""

    name: str
    where: Where = field(compare=False)

    tag = "v"

    def value(self, state: State) -> str:
        if self.name == "turn":
            return str(state.turn)
        if self.name == "visits":
            return str(state.visits.get(state.scene, 0))
        return str(state.counters.get(self.name, 0))

    def render(self, ctx: Ctx, path: str) -> str:
        return self.value(ctx.state)

    def uses(self) -> Iterator[Use]:
        if self.name not in BUILTIN_VARS:
            yield Use("counter", self.name, READ, self.where, "text")


# ------------------------------------------------------------ inline kinds
# Inside a paragraph: `{trust}` (Var), `{name: keycard}`, `{if EXPR: a|b}`,
# `{sequence: a|b|c}` (and cycle, once, shuffle). Options may nest.

INLINE = Table("inline text")


def _render_parts(parts, ctx: Ctx, path: str) -> str:
    out = []
    for index, part in enumerate(parts):
        out.append(part if type(part) is str else part.render(ctx, f"{path}/{index}"))
    return "".join(out)


def _parts_uses(parts) -> Iterator[Use]:
    for part in parts:
        if type(part) is not str:
            yield from part.uses()


def _parts_words(parts) -> int:
    return sum(len(p.split()) if type(p) is str else p.words() for p in parts)


def _parts_conditions(parts):
    for part in parts:
        if type(part) is not str:
            yield from part.conditions()


def encode_parts(enc, parts) -> list:
    return [p if type(p) is str else [p.tag, *p.encode(enc)] for p in parts]


def decode_parts(dec, data) -> tuple:
    out = []
    for p in dec.list(data):
        if type(p) is str:
            out.append(p)
            continue
        kind = PART_TAGS.get(dec.list(p)[0] if p else None)
        if kind is None:
            raise ValueError("unknown inline text")
        out.append(kind.decode(dec, p[1:]))
    return tuple(out)


@INLINE
@dataclass(frozen=True, slots=True)
class NameOf(_NamePart):
    """`{name: keycard}`: the display name the manifest's `names:` gives."""

    name: str
    where: Where = field(compare=False)
    key = "name"
    tag = "nm"

    def render(self, ctx: Ctx, path: str) -> str:
        return ctx.name_of(self.name)

    def uses(self) -> Iterator[Use]:
        yield Use("any", self.name, READ, self.where, "name")


@INLINE
@dataclass(frozen=True, slots=True)
class InlineIf:
    """`{if EXPR: shown while it holds|shown otherwise}`."""

    cond: object
    then: tuple
    otherwise: tuple = ()
    key = "if"
    tag = "ii"

    def render(self, ctx: Ctx, path: str) -> str:
        if self.cond.holds(ctx.state):
            return _render_parts(self.then, ctx, path + "t")
        return _render_parts(self.otherwise, ctx, path + "e")

    def uses(self) -> Iterator[Use]:
        yield from self.cond.uses()
        yield from _parts_uses(self.then)
        yield from _parts_uses(self.otherwise)

    def conditions(self):
        yield self.cond
        yield from _parts_conditions(self.then)
        yield from _parts_conditions(self.otherwise)

    def words(self) -> int:
        return _parts_words(self.then) + _parts_words(self.otherwise)

    def encode(self, enc) -> list:
        return [enc.cond(self.cond), encode_parts(enc, self.then), encode_parts(enc, self.otherwise)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.cond(data[0]), decode_parts(dec, data[1]), decode_parts(dec, data[2]))


@INLINE
@dataclass(frozen=True, slots=True)
class InlineVary:
    """`{cycle: a|b|c}` and the other modes, inside a sentence."""

    mode: str
    options: tuple
    keys = ("sequence", "cycle", "once", "shuffle")
    tag = "iv"

    def render(self, ctx: Ctx, path: str) -> str:
        chosen = _pick(self.mode, len(self.options), ctx, path)
        return "" if chosen is None else _render_parts(self.options[chosen], ctx, f"{path}.{chosen}")

    def uses(self) -> Iterator[Use]:
        for option in self.options:
            yield from _parts_uses(option)

    def conditions(self):
        for option in self.options:
            yield from _parts_conditions(option)

    def words(self) -> int:
        return sum(_parts_words(o) for o in self.options)

    def encode(self, enc) -> list:
        return [self.mode, [encode_parts(enc, o) for o in self.options]]

    @classmethod
    def decode(cls, dec, data):
        options = dec.list(data[1])
        if data[0] not in cls.keys or not options:
            raise ValueError("unknown variation")
        return cls(data[0], tuple(decode_parts(dec, o) for o in options))


PART_TAGS = {Var.tag: Var, **INLINE.by_tag}


def _pick(mode: str, n: int, ctx: Ctx, path: str) -> int | None:
    visit = max(ctx.state.visits.get(ctx.scene_id, 1), 1) - 1  # 0 on the first visit
    if mode == "sequence":
        return min(visit, n - 1)
    if mode == "cycle":
        return visit % n
    if mode == "once":
        return visit if visit < n else None
    return zlib.crc32(f"{ctx.state.seed}:{ctx.scene_id}:{visit}:{path}".encode()) % n


class Block:
    key = ""
    tag = ""
    __slots__ = ()

    def blocks(self) -> Iterator[Block]:
        return iter(())

    def own_conditions(self) -> tuple[Condition, ...]:
        return ()

    def conditions(self) -> Iterator[Condition]:
        yield from self.own_conditions()
        for block in self.blocks():
            yield from block.conditions()

    def uses(self) -> Iterator[Use]:
        for cond in self.own_conditions():
            yield from cond.uses()
        for block in self.blocks():
            yield from block.uses()

    def words(self) -> int:
        return sum(block.words() for block in self.blocks())


class Para(NamedTuple):
    """One paragraph: literal text and `{name}` insertions."""

    parts: tuple[Union[str, Var], ...]
    tag = "p"

    def render(self, ctx: Ctx, out: list[str], path: str) -> None:
        parts = self.parts
        if len(parts) == 1 and type(parts[0]) is str:
            out.append(parts[0])
        else:
            text = _render_parts(parts, ctx, path)
            if text.strip():  # a paragraph made only of text that is not shown now is not shown
                out.append(" ".join(text.split()))

    def blocks(self) -> Iterator[Block]:
        return iter(())

    def conditions(self) -> Iterator[Condition]:
        return _parts_conditions(self.parts)

    def uses(self) -> Iterator[Use]:
        return _parts_uses(self.parts)

    def words(self) -> int:
        return _parts_words(self.parts)

    def encode(self, enc) -> list:
        return [encode_parts(enc, self.parts)]

    @classmethod
    def decode(cls, dec, data):
        return cls(decode_parts(dec, data[0]))


@TABLE
@dataclass(frozen=True, slots=True)
class When(Block):
    """Text shown only while a condition holds (with optional else text)."""

    cond: Condition
    then: tuple
    otherwise: tuple = ()
    key = "if"
    tag = "w"
    extra_keys = ("text", "else")

    @classmethod
    def build(cls, b, node, pos, key):
        t = b.mapping(node, pos, "conditional text", ("if", "text", "else"), ("if", "text"))
        if t is None or "if" not in t or "text" not in t:
            return None
        cond = b.condition(t["if"], t.where("if"))
        then = b.blocks(t["text"], t.where("text"))
        otherwise = b.blocks(t["else"], t.where("else")) if "else" in t else ()
        return cls(cond, then, otherwise) if cond else None

    def render(self, ctx: Ctx, out: list[str], path: str) -> None:
        chosen = self.then if self.cond.holds(ctx.state) else self.otherwise
        for index, block in enumerate(chosen):
            block.render(ctx, out, f"{path}.{index}")

    def blocks(self) -> Iterator[Block]:
        yield from self.then
        yield from self.otherwise

    def own_conditions(self) -> tuple:
        return (self.cond,)

    def encode(self, enc) -> list:
        return [enc.cond(self.cond), enc.blocks(self.then), enc.blocks(self.otherwise)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.cond(data[0]), dec.blocks(data[1]), dec.blocks(data[2]))

    @classmethod
    def schemas(cls) -> list[dict]:
        return [{"type": "object", "additionalProperties": False, "required": ["if", "text"],
                 "description": "Text shown only while the condition holds; 'else' otherwise.",
                 "properties": {"if": {"$ref": "#/$defs/condition"}, "text": {"$ref": "#/$defs/blocks"},
                                "else": {"$ref": "#/$defs/blocks"}}}]


SEQUENCE, CYCLE, ONCE, SHUFFLE = "sequence", "cycle", "once", "shuffle"
VARY_MODES = (SEQUENCE, CYCLE, ONCE, SHUFFLE)
_VARY_HELP = {
    SEQUENCE: "One text per visit to the scene, staying on the last.",
    CYCLE: "One text per visit, round and round.",
    ONCE: "Each text once, one per visit, then nothing.",
    SHUFFLE: "A text picked at random (from the run's seed) on each visit.",
}


@TABLE
@dataclass(frozen=True, slots=True)
class Vary(Block):
    """Text that changes with visits to the scene, as ink's sequences do."""

    mode: str
    options: tuple
    keys = VARY_MODES
    tag = "y"

    @classmethod
    def build(cls, b, node, pos, key):
        b.mapping(node, pos, f"'{key}' text", (key,))
        options = node[key]
        if not b.is_list(options) or not options:
            b.error(node.where(key), f"'{key}' takes a non-empty list of texts")
            return None
        return cls(key, tuple(b.blocks(o, options.where(i)) for i, o in enumerate(options)))

    def pick(self, ctx: Ctx, path: str) -> int | None:
        return _pick(self.mode, len(self.options), ctx, path)

    def render(self, ctx: Ctx, out: list[str], path: str) -> None:
        chosen = self.pick(ctx, path)
        if chosen is not None:
            for index, block in enumerate(self.options[chosen]):
                block.render(ctx, out, f"{path}.{chosen}.{index}")

    def blocks(self) -> Iterator[Block]:
        for option in self.options:
            yield from option

    def encode(self, enc) -> list:
        return [self.mode, [enc.blocks(o) for o in self.options]]

    @classmethod
    def decode(cls, dec, data):
        options = dec.list(data[1])
        if data[0] not in VARY_MODES or not options:
            raise ValueError("unknown variation")
        return cls(data[0], tuple(dec.blocks(o) for o in options))

    @classmethod
    def schemas(cls) -> list[dict]:
        return [{"type": "object", "additionalProperties": False, "required": [mode], "description": _VARY_HELP[mode],
                 "properties": {mode: {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/blocks"}}}}
                for mode in VARY_MODES]


BLOCK_TAGS = {Para.tag: Para, **TABLE.by_tag}  # what the cache may hold


def render(blocks, ctx: Ctx, path: str = "t") -> list[str]:
    out: list[str] = []
    for index, block in enumerate(blocks):
        block.render(ctx, out, f"{path}.{index}")
    return out


def walk_conditions(blocks) -> Iterator[Condition]:
    for block in blocks:
        yield from block.conditions()


def walk_uses(blocks) -> Iterator[Use]:
    for block in blocks:
        yield from block.uses()


def words(blocks) -> int:
    return sum(block.words() for block in blocks)


def schema_blocks() -> list[dict]:
    """The `block` alternatives: a paragraph of text, or one of the kinds."""
    return [{"$ref": "#/$defs/text"}, *(s for kind in TABLE.kinds for s in kind.schemas())]
