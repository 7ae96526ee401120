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

__all__ = ["Where", "Use", "Choice", "Outcome", "Ending", "Scene", "Initial", "Migration", "Story", "NO_EFFECTS",
           "VICTORY", "FAILURE", "ENDING_KINDS"]

VICTORY = "victory"
FAILURE = "failure"
ENDING_KINDS = (VICTORY, FAILURE)


class Outcome(NamedTuple):
    """One of a choice's (or a scene entry's) weighted random outcomes."""

    weight: int
    goto: str | None  # None: where the choice itself goes
    effects: Effects
    reply: tuple  # text blocks shown when it happens
    where: Where
    goto_where: Where | None = None


class Choice(NamedTuple):
    """(Model classes built thousands of times per load are NamedTuples:
    immutable like the frozen dataclasses, and several times cheaper.)

    `goto` is None for a choice that stays in its scene (it shows its reply
    and the choices still on offer). `call` enters a subroutine that returns
    (with a `return` choice) to `goto`, or to this scene."""

    key: str  # stable id for once-only bookkeeping: "scene/choice-id"
    label: str
    goto: str | None
    cond: Condition | None
    disabled: str | None  # shown greyed out with this reason when cond fails
    effects: Effects
    once: bool
    where: Where
    goto_where: Where | None = None
    reply: tuple = ()  # text blocks shown right after it is taken
    outcomes: tuple[Outcome, ...] = ()
    call: str | None = None
    returns: bool = False
    tags: tuple[str, ...] = ()
    call_where: Where | None = None

    def stays(self) -> bool:
        """Can taking it leave the player in the same scene, not re-entered?"""
        if self.call or self.returns:
            return False
        if self.goto is None:
            return not self.outcomes or any(o.goto is None for o in self.outcomes)
        return False

    def destinations(self) -> tuple[str, ...]:
        """Every scene this choice can lead to directly (not a return)."""
        out = [self.goto] if self.goto else []
        out += [o.goto for o in self.outcomes if o.goto]
        if self.call:
            out.append(self.call)
        return tuple(out)


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
    tags: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()  # random effects each time it is entered

    def targets(self) -> tuple[Choice, ...]:
        return self.choices + ((self.fallback,) if self.fallback else ())

    def conditions(self) -> Iterator[tuple[Condition, Choice | None]]:
        """Every condition in the scene, with the choice it guards (None for text)."""
        for choice in self.targets():
            if choice.cond is not None:
                yield choice.cond, choice
        for cond in walk_conditions(self.text):
            yield cond, None
        for choice in self.targets():
            for cond in walk_conditions(choice.reply + tuple(b for o in choice.outcomes for b in o.reply)):
                yield cond, None

    def uses(self) -> Iterator[Use]:
        """Every name the scene defines, reads or writes, in file order."""
        yield Use("scene", self.id, DEFINE, self.where)
        yield from self.effects.uses()
        yield from walk_uses(self.text)
        for outcome in self.outcomes:
            yield from outcome.effects.uses()
            yield from walk_uses(outcome.reply)
        for choice in self.targets():
            if choice.cond is not None:
                yield from choice.cond.uses()
            if choice.goto:
                yield Use("scene", choice.goto, READ, choice.goto_where or choice.where)
            if choice.call:
                yield Use("scene", choice.call, READ, choice.call_where or choice.where, "call")
            yield from choice.effects.uses()
            yield from walk_uses(choice.reply)
            for outcome in choice.outcomes:
                if outcome.goto:
                    yield Use("scene", outcome.goto, READ, outcome.goto_where or outcome.where)
                yield from outcome.effects.uses()
                yield from walk_uses(outcome.reply)


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


def continuations(story: Story) -> list[str]:
    """Every place a subroutine call can come back to (a call without a goto
    comes back to its own scene)."""
    return sorted({c.goto or s.id for s in story.scenes.values() for c in s.targets() if c.call})


def choice_flow(story: Story, scene_id: str, choice: Choice, back: list[str]) -> list[str]:
    """Where one choice can lead: its destinations, its own scene if it
    stays, or for a `return` every place in `back` (`continuations`)."""
    nxt = list(choice.destinations())
    if choice.returns:
        nxt.extend(back)
    elif choice.stays():
        nxt.append(scene_id)
    return [n for n in nxt if n in story.scenes]


def flow(story: Story) -> dict[str, list[str]]:
    """Every scene's possible next scenes, for reachability (`choice_flow`
    of each of its choices)."""
    back = continuations(story)
    return {sid: list(dict.fromkeys(n for choice in scene.targets() for n in choice_flow(story, sid, choice, back)))
            for sid, scene in story.scenes.items()}
