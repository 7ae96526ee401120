"""Condition kinds: when a choice is offered or a text is shown.

    build(b, node, key)  node: the condition mapping; key: the kind's key in it
    holds(state)         evaluate (never runs anything from the story)
    uses()               Use(kind, name, READ, where) for each name read
    terms()              sub-conditions (for walking)
    dnf(positive)        disjunctive normal form for the checker: a list of
                         conjunctions of literals, or None when too large
    describe()           a few words for the story map
    encode(enc) / decode(dec, data) / schema()

A literal is ("flag"|"item"|"scene", name, truth) or ("counter", name, low,
high) with None for an open bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from game.core.kinds import READ, Table, Use, Where

if TYPE_CHECKING:  # pragma: no cover
    from game.core.state import State

TABLE = Table("condition")
DNF_LIMIT = 256
COMPARISONS = ("at_least", "at_most", "above", "below", "equals")
_NAME = {"$ref": "#/$defs/name"}
_AMOUNT = {"oneOf": [{"$ref": "#/$defs/amount"}, {"type": "string", "description": "an expression"}]}


def _object(key: str, value: dict, description: str, **extra) -> dict:
    props = {key: value, **extra}
    return {"type": "object", "additionalProperties": False, "required": [key], "properties": props,
            "description": description}


class Condition:
    """Base of every condition kind."""

    key = ""
    tag = ""
    extra_keys: tuple[str, ...] = ()
    __slots__ = ()

    def terms(self) -> tuple[Condition, ...]:
        return ()

    def atoms(self) -> Iterator[Condition]:
        """The conditions with no sub-conditions, in order."""
        terms = self.terms()
        if not terms:
            yield self
        for term in terms:
            yield from term.atoms()

    def first_where(self, default: Where) -> Where:
        return next((a.where for a in self.atoms() if getattr(a, "where", None)), default)

    def uses(self) -> Iterator[Use]:
        for term in self.terms():
            yield from term.uses()

    def cuts(self) -> Iterator[tuple[str, int | None]]:
        """(counter, t) for each value t at which `counter >= t` can change
        whether the condition holds; (counter, None) for a counter it reads
        any other way, whose exact value matters (the explorer's key)."""
        terms = self.terms()
        if terms:
            for term in terms:
                yield from term.cuts()
            return
        for use in self.uses():
            if use.kind == "counter":
                yield use.name, None


# ------------------------------------------------------------------- atoms


class _NameTest(Condition):
    """A condition on one name: `has: keycard`, `flag: alarm`, `visited: vault`."""

    kind = ""  # what the name is: flag / item / scene
    word = ""  # how a map writes it
    __slots__ = ()

    @classmethod
    def build(cls, b, node, key):
        name = b.ident(node[key], node.where(key), cls.kind)
        return cls(name, b.at(node.where(key))) if name else None

    def uses(self) -> Iterator[Use]:
        yield Use(self.kind, self.name, READ, self.where, self.key if self.kind == "scene" else "")

    def dnf(self, positive: bool):
        return [((self.kind, self.name, positive),)]

    def describe(self) -> str:
        return f"{self.word}{self.name}"

    def encode(self, enc) -> list:
        return [self.name, enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        name = dec.str(data[0])
        if cls.kind == "scene":
            dec.scene(name)
        return cls(name, dec.where(data[1]))


@TABLE
@dataclass(frozen=True, slots=True)
class Has(_NameTest):
    name: str
    where: Where = field(compare=False)
    key = "has"
    tag = "has"
    kind = "item"
    word = "has "

    def holds(self, state: State) -> bool:
        return self.name in state.items

    @classmethod
    def schema(cls) -> dict:
        return _object("has", _NAME, "True while the player holds this item.")


@TABLE
@dataclass(frozen=True, slots=True)
class Flag(_NameTest):
    name: str
    where: Where = field(compare=False)
    key = "flag"
    tag = "flag"
    kind = "flag"
    word = ""

    def holds(self, state: State) -> bool:
        return self.name in state.flags

    @classmethod
    def schema(cls) -> dict:
        return _object("flag", _NAME, "True while this flag is set.")


_BOUNDS = {"at_least": lambda n: (n, None), "at_most": lambda n: (None, n), "above": lambda n: (n + 1, None),
           "below": lambda n: (None, n - 1), "equals": lambda n: (n, n)}


@TABLE
@dataclass(frozen=True, slots=True)
class Counter(Condition):
    """`low <= counter <= high`; either bound may be None (open)."""

    name: str
    low: int | None
    high: int | None
    where: Where = field(compare=False)
    key = "counter"
    tag = "counter"
    extra_keys = COMPARISONS

    def holds(self, state: State) -> bool:
        value = state.counters.get(self.name, 0)
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    @classmethod
    def build(cls, b, node, key):
        name = b.ident(node[key], node.where(key), "counter")
        if name and any(isinstance(node[c], str) for c in COMPARISONS if c in node):
            return cls._compare_expressions(b, node, name)
        low = high = None
        found = False
        for comparison in COMPARISONS:
            if comparison not in node:
                continue
            found = True
            n = b.integer(node[comparison], node.where(comparison), f"'{comparison}'")
            if n is None:
                continue
            lo, hi = _BOUNDS[comparison](n)
            low = lo if low is None else (max(low, lo) if lo is not None else low)
            high = hi if high is None else (min(high, hi) if hi is not None else high)
        if not found:
            b.error(node.pos, "a counter condition needs a comparison: " + ", ".join(COMPARISONS))
            return None
        return cls(name, low, high, b.at(node.where(key))) if name else None

    @classmethod
    def _compare_expressions(cls, b, node, name: str):
        """`{counter: trust, at_least: "heat + 1"}`: compared with expressions."""
        from game.core import expr

        ops = {"at_least": ">=", "at_most": "<=", "above": ">", "below": "<", "equals": "=="}
        tests = []
        for comparison in COMPARISONS:
            if comparison not in node:
                continue
            value = node[comparison]
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                b.error(node.where(comparison), f"'{comparison}' takes a number or an expression")
                return None
            right = expr.Num(value) if isinstance(value, int) else \
                b.number(value, b.scalar_where_of(value, node.where(comparison)), f"'{comparison}'")
            if right is None:
                return None
            tests.append(expr.Op(ops[comparison], (expr.Ref(name, "counter", b.at(node.where("counter"))), right)))
        tree = tests[0] if len(tests) == 1 else expr.Op("and", tuple(tests))
        return Expression(tree, b.at(node.where("counter")), tree.describe())

    def uses(self) -> Iterator[Use]:
        yield Use("counter", self.name, READ, self.where)

    def cuts(self) -> Iterator[tuple[str, int | None]]:
        if self.low is not None:
            yield self.name, self.low
        if self.high is not None:
            yield self.name, self.high + 1

    def dnf(self, positive: bool):
        if positive:
            return [(("counter", self.name, self.low, self.high),)]
        out = []
        if self.low is not None:
            out.append((("counter", self.name, None, self.low - 1),))
        if self.high is not None:
            out.append((("counter", self.name, self.high + 1, None),))
        return out  # an unbounded range negated can never hold: []

    def describe(self) -> str:
        if self.low is not None and self.low == self.high:
            return f"{self.name} = {self.low}"
        parts = []
        if self.low is not None:
            parts.append(f"{self.name} ≥ {self.low}")
        if self.high is not None:
            parts.append(f"{self.name} ≤ {self.high}")
        return " and ".join(parts)

    def encode(self, enc) -> list:
        return [self.name, self.low, self.high, enc.where(self.where)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.str(data[0]), dec.optional_int(data[1]), dec.optional_int(data[2]), dec.where(data[3]))

    @classmethod
    def schema(cls) -> dict:
        out = _object("counter", _NAME, "Compares a counter with numbers (all given comparisons must hold).",
                      **{c: _AMOUNT for c in COMPARISONS})
        out["minProperties"] = 2
        return out


@TABLE
@dataclass(frozen=True, slots=True)
class Visited(_NameTest):
    name: str
    where: Where = field(compare=False)
    key = "visited"
    tag = "visited"
    kind = "scene"
    word = "visited "

    def holds(self, state: State) -> bool:
        return self.name in state.visits

    @classmethod
    def schema(cls) -> dict:
        return _object("visited", _NAME, "True once the player has been in this scene.")


@TABLE
@dataclass(frozen=True, slots=True)
class Expression(Condition):
    """`if: "trust >= 2 and not alarm"`: an expression (see `expr`), written
    as a string anywhere a condition goes, or as `test: EXPR`."""

    tree: object
    where: Where = field(compare=False)
    text: str = field(default="", compare=False)
    key = "test"
    tag = "x"

    @classmethod
    def build(cls, b, node, key):
        value = node[key]
        if not isinstance(value, str):
            b.error(node.where(key), "'test' takes an expression, such as \"trust >= 2 and not alarm\"")
            return None
        return b.expression(value, b.scalar_where_of(value, node.where(key)), "test")

    def holds(self, state: State) -> bool:
        return bool(self.tree.eval(state))

    def uses(self) -> Iterator[Use]:
        return self.tree.uses()

    def cuts(self) -> Iterator[tuple[str, int | None]]:
        return self.tree.cuts()

    def dnf(self, positive: bool):
        return [(("expression", self.tree.describe(), positive),)]

    def describe(self) -> str:
        return self.tree.describe()

    def encode(self, enc) -> list:
        return [self.tree.encode(enc), enc.where(self.where), self.text]

    @classmethod
    def decode(cls, dec, data):
        from game.core import expr

        return cls(expr.decode(dec, dec.list(data[0])), dec.where(data[1]), dec.str(data[2]))

    @classmethod
    def schema(cls) -> dict:
        return _object("test", {"type": "string"}, "An expression that must hold, e.g. \"trust >= 2 and not alarm\".")


# --------------------------------------------------------------- compounds


class _Group(Condition):
    __slots__ = ()
    conjunctive = True

    @classmethod
    def build(cls, b, node, key):
        arg = node[key]
        if not b.is_list(arg) or not arg:
            b.error(node.where(key), f"'{key}' takes a non-empty list of conditions")
            return None
        return cls(b.conditions(arg))

    def terms(self) -> tuple[Condition, ...]:
        return self.items

    def dnf(self, positive: bool):
        parts = [t.dnf(positive) for t in self.items]
        if any(p is None for p in parts):
            return None
        if self.conjunctive != positive:  # an "or" of the parts
            out = [term for p in parts for term in p]
            return out if len(out) <= DNF_LIMIT else None
        out = [()]
        for p in parts:
            out = [a + b for a in out for b in p]
            if len(out) > DNF_LIMIT:
                return None
        return out

    def describe(self) -> str:
        if not self.items:
            return "always"
        if len(self.items) == 1:
            return self.items[0].describe()
        return "(" + (" and " if self.conjunctive else " or ").join(t.describe() for t in self.items) + ")"

    def encode(self, enc) -> list:
        return [enc.cond(t) for t in self.items]

    @classmethod
    def decode(cls, dec, data):
        return cls(tuple(dec.cond(t) for t in dec.list(data)))

    @classmethod
    def schema(cls) -> dict:
        word = "every" if cls.conjunctive else "at least one"
        return _object(cls.key, {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
                       f"True when {word} condition in the list holds.")


@TABLE
@dataclass(frozen=True, slots=True)
class All(_Group):
    items: tuple[Condition, ...]
    key = "all"
    tag = "all"
    conjunctive = True

    def holds(self, state: State) -> bool:
        return all(term.holds(state) for term in self.items)


@TABLE
@dataclass(frozen=True, slots=True)
class Any(_Group):
    items: tuple[Condition, ...]
    key = "any"
    tag = "any"
    conjunctive = False

    def holds(self, state: State) -> bool:
        return any(term.holds(state) for term in self.items)


@TABLE
@dataclass(frozen=True, slots=True)
class Not(Condition):
    term: Condition
    key = "not"
    tag = "not"

    @classmethod
    def build(cls, b, node, key):
        term = b.condition(node[key], node.where(key))
        return cls(term) if term else None

    def holds(self, state: State) -> bool:
        return not self.term.holds(state)

    def terms(self) -> tuple[Condition, ...]:
        return (self.term,)

    def dnf(self, positive: bool):
        return self.term.dnf(not positive)

    def describe(self) -> str:
        return f"not {self.term.describe()}"

    def encode(self, enc) -> list:
        return [enc.cond(self.term)]

    @classmethod
    def decode(cls, dec, data):
        return cls(dec.cond(data[0]))

    @classmethod
    def schema(cls) -> dict:
        return _object("not", {"$ref": "#/$defs/condition"}, "True when the condition does not hold.")


# ------------------------------------------------------------ satisfiability


def satisfiable(cond: Condition) -> bool | None:
    """False when the condition can never hold whatever the state; True when
    some state satisfies it; None when it is too large to decide cheaply."""
    terms = cond.dnf(True)
    if terms is None:
        return None
    return any(_consistent(term) for term in terms)


def _consistent(term) -> bool:
    truth: dict[tuple[str, str], bool] = {}
    ranges: dict[str, tuple[float, float]] = {}
    for lit in term:
        if lit[0] == "counter":
            _, name, low, high = lit
            lo, hi = ranges.get(name, (float("-inf"), float("inf")))
            lo = max(lo, low if low is not None else float("-inf"))
            hi = min(hi, high if high is not None else float("inf"))
            if lo > hi:
                return False
            ranges[name] = (lo, hi)
        else:
            kind, name, value = lit
            if truth.setdefault((kind, name), value) != value:
                return False
    return True


def allowed_keys() -> tuple[str, ...]:
    """Every key a condition mapping may hold."""
    return TABLE.keys() + tuple(k for kind in TABLE.kinds for k in kind.extra_keys)


def schema() -> dict:
    """The `condition` definition: an expression, a list (all must hold) or
    one kind."""
    return {"oneOf": [{"type": "string", "description": "An expression, e.g. \"trust >= 2 and not alarm\"."},
                      {"type": "array", "items": {"$ref": "#/$defs/condition"},
                       "description": "Every condition in the list must hold."},
                      *(kind.schema() for kind in TABLE.kinds)]}
