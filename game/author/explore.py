"""Exhaustive exploration of a story: every reachable (scene, state) pair,
breadth first, so each finding comes with the shortest path that reproduces
it. Pure: story in, findings out.

Two states are the same for exploration when nothing that can change which
choices come next differs: the scene, and the once-only choices, flags,
items, counters and visited scenes that a choice condition in some scene
still reachable from it reads. What only text reads changes wording, not
paths, and what no reachable condition reads can never matter again; leaving
both out of the key keeps the search to thousands of states, not millions.

A counter that reachable conditions only compare with numbers is kept in the
key clamped: when it is so high (or low) that no change still possible from
here can bring it back across any of those numbers, every higher (or lower)
value leads to the same choices (see `CounterBounds`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

from game.core import engine
from game.core import model as m
from game.core.state import State

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
    outcomes_taken: set[str] = field(default_factory=set)  # "choice-key@n": random outcomes that happened
    stuck: list[tuple[str, tuple[Step, ...]]] = field(default_factory=list)  # no way on, not an ending
    errors: list[tuple[str, str, tuple[Step, ...]]] = field(default_factory=list)  # scene, error, path


def _reads(scene: m.Scene) -> set[tuple[str, str]]:
    """(kind, name) pairs the choice conditions of one scene read (each
    condition kind says what it reads: a scene read is a visit count)."""
    found = set()
    for choice in scene.targets():
        if choice.cond is not None:
            for use in choice.cond.uses():
                found.add((use.kind, use.name))
        if choice.once:
            found.add(("once", choice.key))
    return found


KINDS = ("flag", "item", "counter", "scene", "once")
INF = float("inf")



def _cuts(cond, cuts: dict[str, set[int]], exact: set[str]) -> None:
    """For each counter a condition compares with numbers, the values t at
    which `counter >= t` can change its truth (each kind says: `cuts`);
    counters it reads any other way go to `exact`."""
    for name, cut in cond.cuts():
        if cut is None:
            exact.add(name)
        else:
            cuts.setdefault(name, set()).add(cut)


def _deltas(effects, exact: set[str]) -> dict[str, int]:
    """What one `effects:` block adds to each counter (each kind says:
    `deltas`); counters changed by or read in expressions go to `exact`."""
    out: dict[str, int] = {}
    for name, amount in effects.deltas():
        if amount is None:
            exact.add(name)
        else:
            out[name] = out.get(name, 0) + amount
    return out


def _step(choice, exact: set[str]) -> list[dict[str, int]]:
    """The counter changes one choice can make, one per random outcome."""
    base = _deltas(choice.effects, exact)
    if not choice.outcomes:
        return [base]
    return [{k: base.get(k, 0) + d.get(k, 0) for k in base.keys() | d.keys()}
            for d in (_deltas(o.effects, exact) for o in choice.outcomes)]


class CounterBounds:
    """Per scene, for each counter that reachable conditions compare only
    with numbers: the range outside which its exact value no longer matters.

    With C the cut points reachable conditions test (`counter >= t`) and
    UP/DOWN the most the counter can still rise/fall on any path from the
    scene, two values both at or above max(C) + DOWN (or both at or below
    min(C) - 1 - UP) pass and fail the same tests forever: the key keeps
    max(min(value, max(C) + DOWN), min(C) - 1 - UP). A cycle that can change
    the counter without limit (a repeatable choice, a re-entered scene's
    effects) makes its range unbounded: the exact value is kept."""

    def __init__(self, story: m.Story, successors: dict[str, list[str]], components: list[list[str]]):
        exact: set[str] = set()
        scene_cuts: dict[str, dict[str, set[int]]] = {}
        entry: dict[str, dict[str, tuple[int, int]]] = {}  # scene -> counter -> (most rise, most fall) on entry
        steps: dict[str, list[tuple[object, list[dict[str, int]], list[str]]]] = {}
        back = m.continuations(story)
        for sid, scene in story.scenes.items():
            cuts: dict[str, set[int]] = {}
            steps[sid] = []
            for choice in scene.targets():
                if choice.cond is not None:
                    _cuts(choice.cond, cuts, exact)
                steps[sid].append((choice, _step(choice, exact), m.choice_flow(story, sid, choice, back)))
            scene_cuts[sid] = cuts
            fixed = _deltas(scene.effects, exact)
            outs = [_deltas(o.effects, exact) for o in scene.outcomes] or [{}]  # one random entry outcome happens
            entry[sid] = {}
            for name in set(fixed).union(*outs):
                changes = [fixed.get(name, 0) + d.get(name, 0) for d in outs]
                entry[sid][name] = (max(max(changes), 0), max(-min(changes), 0))
        self.bounds: dict[str, dict[str, tuple[float, float]]] = {}
        reach: dict[str, dict[str, set[int]]] = {}  # per component representative
        rise: dict[str, dict[str, float]] = {}
        fall: dict[str, dict[str, float]] = {}
        comp_of = {sid: i for i, comp in enumerate(components) for sid in comp}
        for i, comp in enumerate(components):
            members = set(comp)
            cuts: dict[str, set[int]] = {}
            for sid in comp:
                for name, found in scene_cuts[sid].items():
                    cuts.setdefault(name, set()).update(found)
            outside = {comp_of[t] for sid in comp for t in successors[sid] if comp_of[t] != i}
            for j in outside:
                for name, found in reach[j].items():
                    cuts.setdefault(name, set()).update(found)
            cyclic = len(comp) > 1 or any(sid in successors[sid] for sid in comp)
            up: dict[str, float] = {}
            down: dict[str, float] = {}
            for name in cuts:
                if name in exact:
                    continue
                inside_up = inside_down = 0.0
                exit_up = exit_down = 0.0
                for sid in comp:
                    if cyclic and entry[sid].get(name, (0, 0)) != (0, 0):
                        inside_up = inside_down = INF  # re-entered: its entry effects repeat
                    for choice, changes, dests in steps[sid]:
                        for change in changes:
                            d = change.get(name, 0)
                            for dest in dests:
                                if dest in members and cyclic:
                                    if d and not choice.once:
                                        inside_up = inside_down = INF
                                    inside_up += max(d, 0)
                                    inside_down += max(-d, 0)
                                else:
                                    e_up, e_down = entry[dest].get(name, (0, 0))
                                    k = comp_of[dest]
                                    exit_up = max(exit_up, max(d, 0) + e_up + rise[k].get(name, 0))
                                    exit_down = max(exit_down, max(-d, 0) + e_down + fall[k].get(name, 0))
                up[name] = inside_up + exit_up
                down[name] = inside_down + exit_down
            reach[i], rise[i], fall[i] = cuts, up, down
            bounds = {name: (min(found) - 1 - up[name], max(found) + down[name])
                      for name, found in cuts.items() if name not in exact and found}
            for sid in comp:
                self.bounds[sid] = bounds


class KeyFunction:
    """state -> exploration key, keeping only what a condition in some scene
    still reachable from the current one reads (so a chapter's bookkeeping
    stops mattering once it cannot be re-entered).

    Scenes that can reach each other (a strongly connected component) read
    the same things, so the answer is computed once per component, in the
    order Tarjan's algorithm finds them (a component after all it reaches):
    linear in the story, not quadratic."""

    def __init__(self, story: m.Story, *, clamp: bool = True):
        self.relevant: dict[str, dict[str, frozenset[str]]] = {}
        successors = m.flow(story)
        components = _components(successors)
        self.counter_bounds = CounterBounds(story, successors, components).bounds if clamp else \
            {sid: {} for sid in story.scenes}
        for component in components:
            reads: set[tuple[str, str]] = set()
            for sid in component:
                reads |= _reads(story.scenes[sid])
            inherited = [self.relevant[t] for sid in component for t in successors[sid] if t in self.relevant]
            answer = {kind: frozenset(n for k, n in reads if k == kind).union(*(r[kind] for r in inherited))
                      for kind in KINDS}
            for sid in component:
                self.relevant[sid] = answer

    def __call__(self, state: State) -> tuple:
        r = self.relevant[state.scene]
        bounds = self.counter_bounds[state.scene]
        flags, chosen, visits, counters = state.flags, state.chosen, state.visits, state.counters
        return (state.scene, state.stack, frozenset(n for n in r["flag"] if n in flags),
                frozenset(r["item"].intersection(state.items)),
                tuple(sorted((k, _clamp(counters[k], bounds.get(k))) for k in r["counter"] if k in counters)),
                frozenset(k for k in r["once"] if k in chosen), frozenset(n for n in r["scene"] if n in visits))


def _clamp(value: int, bounds: tuple[float, float] | None) -> float:
    if bounds is None:
        return value
    low, high = bounds
    return low if value < low else high if value > high else value


def _components(successors: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components, each after every component it reaches
    (Tarjan's algorithm, iterative: stories can be 200,000 scenes deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in successors:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = successors[node]
            while i < len(targets):
                target = targets[i]
                i += 1
                if target not in index:
                    work.append((node, i))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return found


def explore(story: m.Story, *, limit: int = DEFAULT_LIMIT, seed: int = 0, clamp: bool = True) -> Exploration:
    """Breadth first over states. Each state keeps only a link to the state
    it came from (paths are rebuilt for findings), and states carry no undo
    history: exploration never undoes."""
    result = Exploration()
    starts = [replace(state, history=()) for state in engine.beginnings(story, seed)]
    start = starts[0]
    state_key = KeyFunction(story, clamp=clamp)  # clamp=False: every counter value apart (for tests)
    seen = {state_key(start)}
    links: list[tuple[int, Step | None]] = [(-1, None)]  # node -> (parent node, step taken)

    def path(node: int) -> tuple[Step, ...]:
        steps = []
        while node > 0:
            node, step = links[node]
            steps.append(step)
        return tuple(reversed(steps))

    queue: deque[tuple[State, int]] = deque([(start, 0)])
    for other in starts[1:]:  # the start scene's other random outcomes
        if state_key(other) not in seen:
            seen.add(state_key(other))
            queue.append((other, 0))
    result.scene_paths[start.scene] = ()
    while queue:
        state, node = queue.popleft()
        result.states += 1
        try:
            view = engine.view(story, state)
        except Exception as exc:  # a runtime error is a finding, not a crash
            result.errors.append((state.scene, f"{type(exc).__name__}: {exc}", path(node)))
            continue
        if view.ending:
            continue
        enabled = [o for o in view.options if o.enabled]
        if not enabled:
            result.stuck.append((state.scene, path(node)))
            continue
        for option in enabled:
            try:  # every random outcome of the choice and of the scene it enters
                following = list(engine.successors(story, state, option.choice))
            except Exception as exc:
                result.errors.append((state.scene, f"{type(exc).__name__}: {exc}", path(node)))
                continue
            result.choices_taken.add(option.choice.key)
            for pick, nxt in following:
                if pick is not None:
                    result.outcomes_taken.add(f"{option.choice.key}@{pick}")
                key = state_key(nxt)
                if key in seen:
                    continue
                if len(seen) >= limit:
                    result.complete = False
                    continue
                seen.add(key)
                links.append((node, Step(option.number, option.label)))
                if nxt.scene not in result.scene_paths:
                    result.scene_paths[nxt.scene] = path(len(links) - 1)
                queue.append((nxt, len(links) - 1))
    return result


def replay(story: m.Story, path, seed: int = 0) -> State:
    """The state a path of steps leads to (numbers are followed)."""
    state = engine.new_game(story, seed)
    for step in path:
        state = engine.choose(story, state, step.number)
    return state
