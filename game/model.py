"""The story as immutable data, validated once by `build` when it is loaded.

Conditions and effects are data with `holds`/`apply` methods; nothing from a
story file is ever evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping, NamedTuple, Union

if TYPE_CHECKING:  # pragma: no cover
    from game.state import State

Pos = tuple[int, int]

VICTORY = "victory"
FAILURE = "failure"
ENDING_KINDS = (VICTORY, FAILURE)


class Where(NamedTuple):
    """Where something was written: file (as shown to the user) and position."""

    file: str
    line: int
    col: int


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Has:
    item: str
    where: Where = field(compare=False)

    def holds(self, state: State) -> bool:
        return self.item in state.items


@dataclass(frozen=True, slots=True)
class Flag:
    flag: str
    where: Where = field(compare=False)

    def holds(self, state: State) -> bool:
        return self.flag in state.flags


@dataclass(frozen=True, slots=True)
class Counter:
    """`low <= counter <= high`; either bound may be None (open)."""

    counter: str
    low: int | None
    high: int | None
    where: Where = field(compare=False)

    def holds(self, state: State) -> bool:
        value = state.counters.get(self.counter, 0)
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class Visited:
    scene: str
    where: Where = field(compare=False)

    def holds(self, state: State) -> bool:
        return self.scene in state.visits


@dataclass(frozen=True, slots=True)
class All:
    terms: tuple[Condition, ...]

    def holds(self, state: State) -> bool:
        return all(term.holds(state) for term in self.terms)


@dataclass(frozen=True, slots=True)
class Any:
    terms: tuple[Condition, ...]

    def holds(self, state: State) -> bool:
        return any(term.holds(state) for term in self.terms)


@dataclass(frozen=True, slots=True)
class Not:
    term: Condition

    def holds(self, state: State) -> bool:
        return not self.term.holds(state)


Condition = Union[Has, Flag, Counter, Visited, All, Any, Not]
Atom = Union[Has, Flag, Counter, Visited]


# ------------------------------------------------------------------- effects


@dataclass(frozen=True, slots=True)
class Effects:
    """What a choice (or entering a scene) changes. Applied in this order."""

    set: tuple[str, ...] = ()
    clear: tuple[str, ...] = ()
    give: tuple[str, ...] = ()
    take: tuple[str, ...] = ()
    add: tuple[tuple[str, int], ...] = ()
    where: Where | None = field(default=None, compare=False)
    places: Mapping[str, Where] = field(default_factory=dict, compare=False)  # "give:key" -> where

    def place(self, op: str, name: str, default: Where) -> Where:
        return self.places.get(f"{op}:{name}") or self.where or default

    def __bool__(self) -> bool:
        return bool(self.set or self.clear or self.give or self.take or self.add)


NO_EFFECTS = Effects()


# ---------------------------------------------------------------------- text


@dataclass(frozen=True, slots=True)
class Var:
    """A `{name}` substitution inside text."""

    name: str
    where: Where = field(compare=False)


Template = tuple[Union[str, Var], ...]


class Para(NamedTuple):
    """One paragraph: literal text and substitutions."""

    parts: Template


@dataclass(frozen=True, slots=True)
class When:
    """Text shown only while a condition holds (with optional else text)."""

    cond: Condition
    then: tuple[Block, ...]
    otherwise: tuple[Block, ...] = ()


SEQUENCE, CYCLE, ONCE, SHUFFLE = "sequence", "cycle", "once", "shuffle"
VARY_MODES = (SEQUENCE, CYCLE, ONCE, SHUFFLE)


@dataclass(frozen=True, slots=True)
class Vary:
    """Text that changes with visits to the scene, as ink's sequences do.

    sequence: one option per visit, staying on the last;
    cycle: round and round; once: each option once, then nothing;
    shuffle: a seeded pick per visit.
    """

    mode: str
    options: tuple[tuple[Block, ...], ...]


Block = Union[Para, When, Vary]


# ------------------------------------------------------------ choices/scenes


class Choice(NamedTuple):
    """(Model classes built thousands of times per load are NamedTuples:
    immutable like the frozen dataclasses, and several times cheaper.)"""

    key: str  # stable id for once-only bookkeeping: "scene/choice-id"
    label: str
    goto: str
    cond: Condition | None
    disabled: str | None  # shown greyed out with this reason when cond fails
    effects: Effects
    once: bool
    where: Where
    goto_where: Where | None = None


@dataclass(frozen=True, slots=True)
class Ending:
    kind: str  # VICTORY or FAILURE
    title: str


class Scene(NamedTuple):
    id: str
    title: str
    chapter: str
    location: str
    pov: str
    text: tuple[Block, ...]
    choices: tuple[Choice, ...]
    fallback: Choice | None
    ending: Ending | None
    checkpoint: bool
    effects: Effects
    where: Where

    def targets(self) -> tuple[Choice, ...]:
        return self.choices + ((self.fallback,) if self.fallback else ())


@dataclass(frozen=True, slots=True)
class Initial:
    flags: frozenset[str] = frozenset()
    items: tuple[str, ...] = ()
    counters: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Migration:
    """How saves from earlier versions of a story map onto this one."""

    renamed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # kind -> old -> new
    defaults: Initial = field(default_factory=Initial)  # state older saves lack


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    title: str
    version: str
    start: str
    initial: Initial
    names: Mapping[str, str]  # display names for items, flags and counters
    scenes: Mapping[str, Scene]
    root: str  # the folder it was loaded from
    fingerprint: str  # sha256 of the files' content, for saves and caches
    where: Where = field(compare=False)
    migration: Migration = field(default_factory=Migration, compare=False)
    # Facts derived from the (immutable) story, computed once by whoever needs
    # them first (the checker's index of conditions and names).
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def name_of(self, key: str) -> str:
        return self.names.get(key, key.replace("_", " "))
