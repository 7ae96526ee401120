"""Effect kinds: what a choice (or entering a scene) changes.

    build(b, value, pos)   -> a tuple of operations, one per name written
    apply(change)          change the run's state (a `Change` being built)
    uses()                 Use(kind, name, WRITE | TOUCH, where)
    describe()             a few words
    encode(enc) / decode(dec, data) / schema()

Operations apply in the order their kinds are registered here (set, clear,
give, take, add, forget), whatever the order of the keys in the story file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from game.core.kinds import TOUCH, WRITE, Table, Use, Where

TABLE = Table("effect")
_NAMES = {"$ref": "#/$defs/names"}


class Change:
    """The parts of a state that effects change, while they are applied
    (and what expressions in them may read)."""

    __slots__ = ("flags", "items", "counters", "visits")

    def __init__(self, flags, items, counters, visits=None):
        self.flags = flags
        self.items = items
        self.counters = counters
        self.visits = visits if visits is not None else {}  # read by `visited` in expressions


LIMIT = 2**53  # counters saturate here: a save can always hold them


def _sat(n: int) -> int:
    return LIMIT if n > LIMIT else -LIMIT if n < -LIMIT else n


def _amount(b, value, pos, what: str):
    """A whole number, or a number expression (a string)."""
    if isinstance(value, str):
        return b.number(value, b.scalar_where_of(value, pos), what)
    return b.integer(value, pos, what)


def _value(amount, ch) -> int:
    return amount if type(amount) is int else amount.eval(ch)


def _encode_amount(amount, enc):
    return amount if type(amount) is int else amount.encode(enc)


def _decode_amount(dec, data):
    if type(data) is int:
        return data
    from game.core import expr

    return expr.decode(dec, dec.list(data))


def _describe_amount(amount) -> str:
    return str(amount) if type(amount) is int else amount.describe()


class Effect:
    key = ""
    tag = ""
    __slots__ = ()

    def deltas(self) -> Iterator[tuple[str, int | None]]:
        """(counter, amount) it adds; (counter, None) for a counter changed
        by or read in an expression, whose exact value matters (the
        explorer's key). A `set` to a number adds nothing: the old value is
        gone."""
        return iter(())


def _expression_deltas(name: str, amount) -> Iterator[tuple[str, int | None]]:
    if type(amount) is not int:
        yield name, None
        for use in amount.uses():
            if use.kind == "counter":
                yield use.name, None


class _Names(Effect):
    """An effect on a list of names: `set: [a, b]`, `give: keycard`."""

    kind = ""
    op = WRITE
    description = ""
    __slots__ = ()

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        return tuple(cls(name, b.at(where)) for name, where in b.names_at(value, pos, cls.kind))

    @classmethod
    def build_names(cls, b, value, pos) -> tuple:
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
    """`set: alarm` / `set: [a, b]` sets flags; `set: {trust: 2, heat:
    "heat * 2"}` gives counters a value (a number or an expression)."""

    name: str
    where: Where = field(compare=False)
    key = "set"
    tag = "set"
    kind = "flag"
    description = "Flags to set (a name or a list), or counters to give a value (counter: number or expression)."

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        if not b.is_mapping(value):
            return cls.build_names(b, value, pos)
        out = []
        for name, amount in value.items():
            n = _amount(b, amount, value.where(name), f"the value given to '{name}'")
            if b.ident(name, value.key_where(name), "counter") and n is not None:
                out.append(SetCounter(name, n, b.at(value.key_where(name))))
        return tuple(out)

    def apply(self, ch: Change) -> None:
        ch.flags = ch.flags.add(self.name)

    @classmethod
    def schema(cls) -> dict:
        return {"oneOf": [{"$ref": "#/$defs/names"},
                          {"type": "object", "propertyNames": {"$ref": "#/$defs/name"},
                           "additionalProperties": {"oneOf": [{"$ref": "#/$defs/amount"}, {"type": "string"}]}}],
                "description": cls.description}


@TABLE.also
@dataclass(frozen=True, slots=True)
class SetCounter(Effect):
    """`set: {trust: 2}`: a counter takes a value (built by `Set`)."""

    name: str
    amount: object  # a whole number or a number expression
    where: Where = field(compare=False)
    key = "set"
    tag = "setc"

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        return Set.build(b, value, pos)

    @classmethod
    def schema(cls) -> dict:
        return Set.schema()

    def apply(self, ch: Change) -> None:
        ch.counters = ch.counters.set(self.name, _sat(_value(self.amount, ch)))

    def deltas(self) -> Iterator[tuple[str, int | None]]:
        return _expression_deltas(self.name, self.amount)

    def uses(self) -> Iterator[Use]:
        yield Use("counter", self.name, WRITE, self.where)
        if type(self.amount) is not int:
            yield from self.amount.uses()

    def describe(self) -> str:
        return f"{self.name} = {_describe_amount(self.amount)}"

    def encode(self, enc) -> list:
        return [self.name, _encode_amount(self.amount, enc), enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), _decode_amount(dec, data[1]), dec.where(data[2]))


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
    """`add: {trust: 1, heat: -2, cash: "stake * 2"}`: change counters by
    amounts (numbers or expressions)."""

    name: str
    amount: object
    where: Where = field(compare=False)
    key = "add"
    tag = "add"

    @classmethod
    def build(cls, b, value, pos) -> tuple:
        adds = b.mapping(value, pos, "'add' (counter: amount)", None)
        out = []
        for name, amount in (adds or {}).items():
            n = _amount(b, amount, adds.where(name), f"amount added to '{name}'")
            if b.ident(name, adds.key_where(name), "counter") and n is not None:
                out.append(cls(name, n, b.at(adds.key_where(name))))
        return tuple(out)

    def apply(self, ch: Change) -> None:
        ch.counters = ch.counters.set(self.name, _sat(ch.counters.get(self.name, 0) + _value(self.amount, ch)))

    def deltas(self) -> Iterator[tuple[str, int | None]]:
        if type(self.amount) is int:
            yield self.name, self.amount
        else:
            yield from _expression_deltas(self.name, self.amount)

    def uses(self) -> Iterator[Use]:
        yield Use("counter", self.name, WRITE, self.where)
        if type(self.amount) is not int:
            yield from self.amount.uses()

    def describe(self) -> str:
        if type(self.amount) is not int:
            return f"{self.name} + ({self.amount.describe()})"
        return f"{self.name} {'+' if self.amount >= 0 else '-'} {abs(self.amount)}"

    def encode(self, enc) -> list:
        return [self.name, _encode_amount(self.amount, enc), enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), _decode_amount(dec, data[1]), dec.where(data[2]))

    @classmethod
    def schema(cls) -> dict:
        return {"type": "object", "propertyNames": {"$ref": "#/$defs/name"},
                "additionalProperties": {"oneOf": [{"$ref": "#/$defs/amount"}, {"type": "string"}]},
                "description": "Counter: amount to add (negative subtracts), a number or an expression."}


@TABLE
@dataclass(frozen=True, slots=True)
class Forget(_Names):
    """`forget: trust`: a counter leaves the state (it reads as 0, and
    `status` stops showing it), as when the person it measured is gone."""

    name: str
    where: Where = field(compare=False)
    key = "forget"
    tag = "forget"
    kind = "counter"
    op = TOUCH
    description = "Counters to drop from the state: they read as 0 and status no longer shows them."

    def apply(self, ch: Change) -> None:
        if self.name in ch.counters:
            ch.counters = ch.counters.delete(self.name)


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

    def deltas(self) -> Iterator[tuple[str, int | None]]:
        for op in self.ops:
            yield from op.deltas()

    def describe(self) -> str:
        return ", ".join(op.describe() for op in self.ops)


NO_EFFECTS = Effects()


def schema() -> dict:
    return {"type": "object", "additionalProperties": False,
            "properties": {key: kind.schema() for key, kind in TABLE.by_key.items()}}
