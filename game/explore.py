"""Exhaustive exploration of a story: every reachable (scene, state) pair,
breadth first, so each finding comes with the shortest path that reproduces
it. Pure: story in, findings out.

Two states are the same for exploration when nothing that can change which
choices come next differs: the scene, and the once-only choices, flags,
items, counters and visited scenes that a choice condition in some scene
still reachable from it reads. What only text reads changes wording, not
paths, and what no reachable condition reads can never matter again; leaving
both out of the key keeps the search to thousands of states, not millions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from game import check, engine
from game import model as m
from game.state import State

DEFAULT_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    label: str


@dataclass
class Exploration:
    states: int = 0
    complete: bool = True  # False when the state limit stopped the search
    scene_paths: dict[str, tuple[Step, ...]] = field(default_factory=dict)  # shortest path to each scene
    choices_taken: set[str] = field(default_factory=set)  # choice keys followed at least once
    stuck: list[tuple[str, tuple[Step, ...]]] = field(default_factory=list)  # no way on, not an ending
    errors: list[tuple[str, str, tuple[Step, ...]]] = field(default_factory=list)  # scene, error, path


def _reads(scene: m.Scene) -> set[tuple[str, str]]:
    """(kind, name) pairs the choice conditions of one scene read."""
    found = set()
    for choice in scene.targets():
        if choice.cond is not None:
            for atom in check.atoms(choice.cond):
                if isinstance(atom, m.Flag):
                    found.add(("flag", atom.flag))
                elif isinstance(atom, m.Has):
                    found.add(("item", atom.item))
                elif isinstance(atom, m.Counter):
                    found.add(("counter", atom.counter))
                else:
                    found.add(("visited", atom.scene))
        if choice.once:
            found.add(("once", choice.key))
    return found


class KeyFunction:
    """state -> exploration key, keeping only what a condition in some scene
    still reachable from the current one reads (so a chapter's bookkeeping
    stops mattering once it cannot be re-entered)."""

    def __init__(self, story: m.Story):
        self.story = story
        self.cache: dict[str, dict[str, frozenset[str]]] = {}

    def relevant(self, scene_id: str) -> dict[str, frozenset[str]]:
        if scene_id not in self.cache:
            reads: set[tuple[str, str]] = set()
            seen = {scene_id}
            queue = deque([scene_id])
            while queue:
                scene = self.story.scenes[queue.popleft()]
                reads |= _reads(scene)
                for choice in scene.targets():
                    if choice.goto not in seen:
                        seen.add(choice.goto)
                        queue.append(choice.goto)
            self.cache[scene_id] = {kind: frozenset(n for k, n in reads if k == kind)
                                    for kind in ("flag", "item", "counter", "visited", "once")}
        return self.cache[scene_id]

    def __call__(self, state: State) -> tuple:
        r = self.relevant(state.scene)
        return (state.scene, state.flags & r["flag"], frozenset(r["item"].intersection(state.items)),
                tuple(sorted((k, v) for k, v in state.counters.items() if k in r["counter"])),
                state.chosen & r["once"], frozenset(r["visited"].intersection(state.visits)))


def explore(story: m.Story, *, limit: int = DEFAULT_LIMIT, seed: int = 0) -> Exploration:
    result = Exploration()
    start = engine.new_game(story, seed)
    state_key = KeyFunction(story)
    seen = {state_key(start)}
    queue: deque[tuple[State, tuple[Step, ...]]] = deque([(start, ())])
    result.scene_paths[start.scene] = ()
    while queue:
        state, path = queue.popleft()
        result.states += 1
        try:
            view = engine.view(story, state)
        except Exception as exc:  # a runtime error is a finding, not a crash
            result.errors.append((state.scene, f"{type(exc).__name__}: {exc}", path))
            continue
        if view.ending:
            continue
        enabled = [o for o in view.options if o.enabled]
        if not enabled:
            result.stuck.append((state.scene, path))
            continue
        for option in enabled:
            try:
                nxt = engine.choose(story, state, option.number)
            except Exception as exc:
                result.errors.append((state.scene, f"{type(exc).__name__}: {exc}", path))
                continue
            result.choices_taken.add(option.choice.key)
            key = state_key(nxt)
            if key in seen:
                continue
            if len(seen) >= limit:
                result.complete = False
                continue
            seen.add(key)
            step_path = path + (Step(option.number, option.label),)
            result.scene_paths.setdefault(nxt.scene, step_path)
            queue.append((nxt, step_path))
    return result


def replay(story: m.Story, path, seed: int = 0) -> State:
    """The state a path of steps leads to (numbers are followed)."""
    state = engine.new_game(story, seed)
    for step in path:
        state = engine.choose(story, state, step.number)
    return state
