"""Everything that changes during a run, in one immutable value.

The story is fixed; a `State` is all a save needs. Containers are never
mutated after construction: the engine builds new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

UNDO_LIMIT = 100  # choices that `undo` can step back


@dataclass(frozen=True, slots=True)
class State:
    scene: str
    flags: frozenset[str]
    items: tuple[str, ...]  # in the order they were picked up
    counters: Mapping[str, int]
    visits: Mapping[str, int]  # scene id -> times entered
    chosen: frozenset[str]  # keys of once-only choices already taken
    turn: int = 0  # choices made
    seed: int = 0  # randomness comes from here, never from a global
    checkpoint: State | None = None  # snapshot taken on entering a checkpoint
    history: tuple[State, ...] = ()  # previous states, newest first, for undo

    def snapshot(self) -> State:
        """This state without undo history or checkpoint: what a checkpoint keeps."""
        return replace(self, history=(), checkpoint=None)

    def successor_history(self) -> tuple[State, ...]:
        """The undo history of any state reached from this one by a choice."""
        return ((replace(self, history=()),) + self.history)[:UNDO_LIMIT]
