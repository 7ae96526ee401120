"""Everything that changes during a run, in one immutable value.

The story is fixed; a `State` is all a save needs. Flags, counters, visit
counts and choices taken are persistent maps (`pmap`): a change shares all
but one small path with the state before it. Undo history is a list of
`Undo` records, each holding only what one step changed (the old values),
so history costs what the player changed, not visits times undo depth.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.core.pmap import EMPTY_MAP, MISSING, PMap, PSet

UNDO_LIMIT = 100  # choices that `undo` can step back
_KEEP = object()
_new = object.__new__
_set = object.__setattr__
SAME = "same"  # an Undo's checkpoint when the step did not change it


class Undo:
    """How to step back from a state to the one before it: the old values
    of what changed. (Each map change is (name, old value or MISSING).)

    Never changed after it is made (a plain class with slots, not a frozen
    dataclass, because a save restores a hundred of them at a time)."""

    __slots__ = ("scene", "turn", "flags", "items", "counters", "visits", "chosen", "checkpoint", "stack",
                 "draws", "memo")
    FIELDS = __slots__[:-1]

    def __init__(self, scene: str, turn: int, flags: tuple, items: tuple[str, ...] | None, counters: tuple,
                 visits: tuple, chosen: tuple, checkpoint: object, memo: list | None = None,
                 stack: tuple[str, ...] | None = None, draws: int | None = None):
        self.scene = scene
        self.turn = turn
        self.flags = flags  # (name, True if it was set / MISSING)
        self.items = items  # the items before, when they changed
        self.counters = counters
        self.visits = visits
        self.chosen = chosen
        self.checkpoint = checkpoint  # the checkpoint before (a State or None), or SAME
        self.stack = stack  # the return stack before, when it changed
        self.draws = draws  # random draws made before, when it changed
        self.memo = [] if memo is None else memo  # the codec's cached text

    def __eq__(self, other) -> bool:
        if not isinstance(other, Undo):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Undo(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self.FIELDS) + ")"


@dataclass(frozen=True, slots=True)
class State:
    scene: str
    flags: PSet
    items: tuple[str, ...]  # in the order they were picked up
    counters: PMap
    visits: PMap  # scene id -> times entered
    chosen: PSet  # keys of once-only choices already taken
    turn: int = 0  # choices made
    seed: int = 0  # randomness comes from here, never from a global
    checkpoint: State | None = None  # snapshot taken on entering a checkpoint
    history: tuple[Undo, ...] = ()  # how to step back, newest first
    stack: tuple[str, ...] = ()  # where each subroutine entered returns to, innermost last
    draws: int = 0  # random draws made so far: the next comes from (seed, draws)

    def evolve(self, scene=None, flags=None, items=None, counters=None, visits=None, chosen=None, turn=None,
               checkpoint=_KEEP, history=None, stack=None, draws=None) -> State:
        """This state with some fields changed: `dataclasses.replace`, but a
        few times faster (it runs several times a turn)."""
        new = _new(State)
        _set(new, "scene", self.scene if scene is None else scene)
        _set(new, "flags", self.flags if flags is None else flags)
        _set(new, "items", self.items if items is None else items)
        _set(new, "counters", self.counters if counters is None else counters)
        _set(new, "visits", self.visits if visits is None else visits)
        _set(new, "chosen", self.chosen if chosen is None else chosen)
        _set(new, "turn", self.turn if turn is None else turn)
        _set(new, "seed", self.seed)
        _set(new, "checkpoint", self.checkpoint if checkpoint is _KEEP else checkpoint)
        _set(new, "history", self.history if history is None else history)
        _set(new, "stack", self.stack if stack is None else stack)
        _set(new, "draws", self.draws if draws is None else draws)
        return new

    def snapshot(self) -> State:
        """What a checkpoint keeps: no undo history, no checkpoint of its own,
        and no visit counts or random draws (a retry carries the current
        ones on, so a retried chance is a new chance)."""
        return replace(self, visits=EMPTY_MAP, history=(), checkpoint=None, draws=0)

    def undo_record(self, before: State) -> Undo:
        """The record that takes this state back to `before`."""
        return Undo(before.scene, before.turn,
                    tuple(self.flags.changes_to(before.flags)) if self.flags is not before.flags else (),
                    before.items if before.items != self.items else None,
                    tuple(self.counters.changes_to(before.counters)) if self.counters is not before.counters else (),
                    tuple(self.visits.changes_to(before.visits)) if self.visits is not before.visits else (),
                    tuple(self.chosen.changes_to(before.chosen)) if self.chosen is not before.chosen else (),
                    SAME if before.checkpoint is self.checkpoint else before.checkpoint, None,
                    None if before.stack == self.stack else before.stack,
                    None if before.draws == self.draws else before.draws)

    def after(self, before: State) -> State:
        """This state with `before` remembered for undo."""
        return self.evolve(history=((self.undo_record(before),) + before.history)[:UNDO_LIMIT])

    def step_back(self) -> State:
        """The state before the last step (the caller checks there is one)."""
        u = self.history[0]
        return State(
            scene=u.scene,
            flags=self.flags.apply(u.flags) if u.flags else self.flags,
            items=self.items if u.items is None else u.items,
            counters=self.counters.apply(u.counters) if u.counters else self.counters,
            visits=self.visits.apply(u.visits) if u.visits else self.visits,
            chosen=self.chosen.apply(u.chosen) if u.chosen else self.chosen,
            turn=u.turn, seed=self.seed,
            checkpoint=self.checkpoint if u.checkpoint is SAME else u.checkpoint,
            history=self.history[1:],
            stack=self.stack if u.stack is None else u.stack,
            draws=self.draws if u.draws is None else u.draws)


__all__ = ["State", "Undo", "UNDO_LIMIT", "SAME", "MISSING"]
