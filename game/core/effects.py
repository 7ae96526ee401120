"""Effect kinds: what a choice (or entering a scene) changes.

    build(b, value, pos)   -> a tuple of operations, one per name written
    apply(change)          change the run's state (a `Change` being built)
    uses()                 Use(kind, name, WRITE | TOUCH, where)
    describe()             a few words
    encode(enc) / decode(dec, data) / schema()

Operations apply in the order their kinds are registered here (set, clear,
give, take, add), whatever the order of the keys in the story file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from game.core.kinds import TOUCH, WRITE, Table, Use, Where

TABLE = Table("effect")
_NAMES = {"$ref": "#/$defs/names"}


class Change:
    """The parts of a state that effects change, while they are applied."""

    __slots__ = ("flags", "items", "counters")

    def __init__(self, flags, items, counters):
        self.flags = flags
        self.items = items
        self.counters = counters


class Effect:
    key = ""
    tag = ""
    __slots__ = ()


class _Names(Effect):
    """An effect on a list of names: `set: [a, b]`, `give: keycard`."""

    kind = ""
    op = WRITE
    description = ""
    __slots__ = ()

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        return tuple(cls(name, b.at(where)) for name, where in b.names_at(value, pos, cls.kind))

    def uses(self) -> Iterator[Use]:
        yield Use(self.kind, self.name, self.op, self.where)

    def describe(self) -> str:
        return f"{self.key} {self.name}"

    def encode(self, enc) -> list:
        return [self.name, enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), dec.where(data[1]))

    @classmethod
    def schema(cls) -> dict:
        return {"$ref": "#/$defs/names", "description": cls.description}


@TABLE
@dataclass(frozen=True, slots=True)
class Set(_Names):
    name: str
    where: Where = field(compare=False)
    key = "set"
    tag = "set"
    kind = "flag"
    description = "Flags to set."

    def apply(self, ch: Change) -> None:
        ch.flags = ch.flags.add(self.name)


@TABLE
@dataclass(frozen=True, slots=True)
class Clear(_Names):
    name: str
    where: Where = field(compare=False)
    key = "clear"
    tag = "clear"
    kind = "flag"
    op = TOUCH
    description = "Flags to clear."

    def apply(self, ch: Change) -> None:
        ch.flags = ch.flags.discard(self.name)


@TABLE
@dataclass(frozen=True, slots=True)
class Give(_Names):
    name: str
    where: Where = field(compare=False)
    key = "give"
    tag = "give"
    kind = "item"
    description = "Items to add."

    def apply(self, ch: Change) -> None:
        if self.name not in ch.items:
            ch.items = ch.items + (self.name,)


@TABLE
@dataclass(frozen=True, slots=True)
class Take(_Names):
    name: str
    where: Where = field(compare=False)
    key = "take"
    tag = "take"
    kind = "item"
    op = TOUCH
    description = "Items to remove."

    def apply(self, ch: Change) -> None:
        if self.name in ch.items:
            ch.items = tuple(i for i in ch.items if i != self.name)


@TABLE
@dataclass(frozen=True, slots=True)
class Add(Effect):
    """`add: {trust: 1, heat: -2}`: change counters by amounts."""

    name: str
    amount: int
    where: Where = field(compare=False)
    key = "add"
    tag = "add"

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        adds = b.mapping(value, pos, "'add' (counter: amount)", None)
        out = []
        for name, amount in (adds or {}).items():
            n = b.integer(amount, adds.where(name), f"amount added to '{name}'")
            if b.ident(name, adds.key_where(name), "counter") and n is not None:
                out.append(cls(name, n, b.at(adds.key_where(name))))
        return tuple(out)

    def apply(self, ch: Change) -> None:
        ch.counters = ch.counters.set(self.name, ch.counters.get(self.name, 0) + self.amount)

    def uses(self) -> Iterator[Use]:
        yield Use("counter", self.name, WRITE, self.where)

    def describe(self) -> str:
        return f"{self.name} {'+' if self.amount >= 0 else '-'} {abs(self.amount)}"

    def encode(self, enc) -> list:
        return [self.name, self.amount, enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), dec.int(data[1]), dec.where(data[2]))

    @classmethod
    def schema(cls) -> dict:
        return {"type": "object", "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {"$ref": "#/$defs/amount"},
                "description": "Counter: amount (negative subtracts)."}


_ORDER = {kind: i for i, kind in enumerate(TABLE.kinds)}


@dataclass(frozen=True, slots=True)
class Effects:
    """The operations of one `effects:` mapping, in the order they apply."""

    ops: tuple[Effect, ...] = ()
    where: Where | None = field(default=None, compare=False)

    @staticmethod
    def of(ops, where: Where | None) -> Effects:
        return Effects(tuple(sorted(ops, key=lambda op: _ORDER[type(op)])), where)

    def __bool__(self) -> bool:
        return bool(self.ops)

    def apply(self, ch: Change) -> None:
        for op in self.ops:
            op.apply(ch)

    def uses(self) -> Iterator[Use]:
        for op in self.ops:
            yield from op.uses()

    def describe(self) -> str:
        return ", ".join(op.describe() for op in self.ops)


NO_EFFECTS = Effects()


def schema() -> dict:
    return {"type": "object", "additionalProperties": False,
            "properties": {kind.key: kind.schema() for kind in TABLE.kinds}}
