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
    """What rendering needs: the state and the scene being shown."""

    state: State
    scene_id: str


@dataclass(frozen=True, slots=True)
class Var:
    """A `{name}` inside text: a counter, or `turn` / `visits`."""

    name: str
    where: Where = field(compare=False)

    def value(self, state: State) -> str:
        if self.name == "turn":
            return str(state.turn)
        if self.name == "visits":
            return str(state.visits.get(state.scene, 0))
        return str(state.counters.get(self.name, 0))


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
            out.append("".join(p if type(p) is str else p.value(ctx.state) for p in parts))

    def blocks(self) -> Iterator[Block]:
        return iter(())

    def conditions(self) -> Iterator[Condition]:
        return iter(())

    def uses(self) -> Iterator[Use]:
        for part in self.parts:
            if type(part) is not str and part.name not in BUILTIN_VARS:
                yield Use("counter", part.name, READ, part.where)

    def words(self) -> int:
        return sum(len(p.split()) if type(p) is str else 1 for p in self.parts)

    def encode(self, enc) -> list:
        return [[p if type(p) is str else [p.name, enc.where(p.where)] for p in self.parts]]

    @classmethod
    def decode(cls, dec, data):
        return cls(tuple(p if type(p) is str else Var(dec.str(p[0]), dec.where(p[1])) for p in dec.list(data[0])))


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
        n = len(self.options)
        visit = max(ctx.state.visits.get(ctx.scene_id, 1), 1) - 1  # 0 on the first visit
        if self.mode == SEQUENCE:
            return min(visit, n - 1)
        if self.mode == CYCLE:
            return visit % n
        if self.mode == ONCE:
            return visit if visit < n else None
        return zlib.crc32(f"{ctx.state.seed}:{ctx.scene_id}:{visit}:{path}".encode()) % n

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
