"""The story as immutable data, validated once when it is loaded.

Conditions, effects and text blocks are kinds (see `kinds`), defined once
each in `conditions`, `effects` and `text`; nothing from a story file is
ever evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Iterator, Mapping, NamedTuple

from game.core.conditions import Condition
from game.core.effects import NO_EFFECTS, Effects
from game.core.kinds import DEFINE, READ, Use, Where
from game.core.text import walk_conditions, walk_uses

if TYPE_CHECKING:  # pragma: no cover
    from game.core.symbols import Symbols

__all__ = ["Where", "Use", "Choice", "Ending", "Scene", "Initial", "Migration", "Story", "NO_EFFECTS",
           "VICTORY", "FAILURE", "ENDING_KINDS"]

VICTORY = "victory"
FAILURE = "failure"
ENDING_KINDS = (VICTORY, FAILURE)


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
    text: tuple
    choices: tuple[Choice, ...]
    fallback: Choice | None
    ending: Ending | None
    checkpoint: bool
    effects: Effects
    where: Where

    def targets(self) -> tuple[Choice, ...]:
        return self.choices + ((self.fallback,) if self.fallback else ())

    def conditions(self) -> Iterator[tuple[Condition, Choice | None]]:
        """Every condition in the scene, with the choice it guards (None for text)."""
        for choice in self.targets():
            if choice.cond is not None:
                yield choice.cond, choice
        for cond in walk_conditions(self.text):
            yield cond, None

    def uses(self) -> Iterator[Use]:
        """Every name the scene defines, reads or writes, in file order."""
        yield Use("scene", self.id, DEFINE, self.where)
        yield from self.effects.uses()
        yield from walk_uses(self.text)
        for choice in self.targets():
            if choice.cond is not None:
                yield from choice.cond.uses()
            yield Use("scene", choice.goto, READ, choice.goto_where or choice.where)
            yield from choice.effects.uses()


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
    symbols: Symbols = field(default=None, compare=False, repr=False)  # every name, built once at load

    def name_of(self, key: str) -> str:
        return self.names.get(key, key.replace("_", " "))
