"""The rules: pure functions of (story, state) -> new state or view.

No I/O, no clock, no global randomness: the same story, state and choice
always give the same result. A refused action raises `Impossible`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from types import MappingProxyType

from game import model as m
from game.errors import Impossible
from game.state import State


@dataclass(frozen=True, slots=True)
class Option:
    number: int  # what the player types, from 1
    label: str
    enabled: bool
    reason: str | None  # why it is disabled
    choice: m.Choice


@dataclass(frozen=True, slots=True)
class View:
    scene: m.Scene
    paragraphs: tuple[str, ...]
    options: tuple[Option, ...]
    ending: m.Ending | None
    turn: int


# ------------------------------------------------------------------- starting


def new_game(story: m.Story, seed: int = 0) -> State:
    return _enter(story, _initial(story, story.start, seed))


def start_at(story: m.Story, scene: str, *, seed: int = 0, flags: dict[str, bool] | None = None,
             items: tuple[str, ...] = (), counters: dict[str, int] | None = None) -> State:
    """A run that begins in any scene, with chosen state on top of the
    story's initial state (for authors trying a scene out)."""
    state = _initial(story, scene, seed)
    on = {f for f, v in (flags or {}).items() if v}
    off = {f for f, v in (flags or {}).items() if not v}
    merged = dict(state.counters)
    merged.update(counters or {})
    state = replace(state, flags=(state.flags | on) - off, items=tuple(dict.fromkeys(state.items + tuple(items))),
                    counters=MappingProxyType(merged))
    return _enter(story, state)


def _initial(story: m.Story, scene: str, seed: int) -> State:
    init = story.initial
    return State(scene=scene, flags=init.flags, items=init.items, counters=MappingProxyType(dict(init.counters)),
                 visits=MappingProxyType({}), chosen=frozenset(), turn=0, seed=seed)


def _enter(story: m.Story, state: State) -> State:
    """Arrive in state.scene: count the visit, apply its effects, checkpoint."""
    scene = story.scenes[state.scene]
    visits = dict(state.visits)
    visits[scene.id] = visits.get(scene.id, 0) + 1
    state = replace(state, visits=MappingProxyType(visits))
    if scene.effects:
        state = _apply(scene.effects, state)
    if scene.checkpoint:
        state = replace(state, checkpoint=state.snapshot())
    return state


def _apply(effects: m.Effects, state: State) -> State:
    flags = (state.flags | frozenset(effects.set)) - frozenset(effects.clear)
    items = state.items
    if effects.give or effects.take:
        held = dict.fromkeys(items)
        held.update(dict.fromkeys(effects.give))
        for item in effects.take:
            held.pop(item, None)
        items = tuple(held)
    counters = state.counters
    if effects.add:
        changed = dict(counters)
        for name, amount in effects.add:
            changed[name] = changed.get(name, 0) + amount
        counters = MappingProxyType(changed)
    return replace(state, flags=flags, items=items, counters=counters)


# ---------------------------------------------------------------------- acting


def options(story: m.Story, state: State) -> tuple[Option, ...]:
    """The choices a player sees, numbered: enabled ones and disabled ones
    that carry a reason. The fallback appears only when nothing else is
    available."""
    scene = story.scenes[state.scene]
    out: list[Option] = []
    any_enabled = False
    for choice in scene.choices:
        if choice.once and choice.key in state.chosen:
            continue
        ok = choice.cond is None or choice.cond.holds(state)
        if ok or choice.disabled:
            out.append(Option(len(out) + 1, choice.label, ok, None if ok else choice.disabled, choice))
            any_enabled = any_enabled or ok
    if scene.fallback and not any_enabled:
        out.append(Option(len(out) + 1, scene.fallback.label, True, None, scene.fallback))
    return tuple(out)


def choose(story: m.Story, state: State, number: int) -> State:
    """Take the numbered option. Raises Impossible when it cannot be taken."""
    scene = story.scenes[state.scene]
    if scene.ending:
        raise Impossible("The story has ended here: retry, restart or quit.")
    opts = options(story, state)
    if not opts:
        raise Impossible("There is nothing to choose here.")
    if not 1 <= number <= len(opts):
        raise Impossible(f"There is no choice {number}; choose 1 to {len(opts)}.")
    option = opts[number - 1]
    if not option.enabled:
        raise Impossible(option.reason or "That is not possible now.")
    return take(story, state, option.choice)


def take(story: m.Story, state: State, choice: m.Choice, *, keep_history: bool = True) -> State:
    """Follow a choice (already known to be available) to its scene.
    Tools that never undo (random playthroughs) skip the undo history."""
    after = _apply(choice.effects, state) if choice.effects else state
    chosen = state.chosen | {choice.key} if choice.once else state.chosen
    moved = replace(after, scene=choice.goto, chosen=chosen, turn=state.turn + 1,
                    history=state.successor_history() if keep_history else ())
    return _enter(story, moved)


def undo(state: State) -> State:
    if not state.history:
        raise Impossible("There is nothing to undo.")
    return replace(state.history[0], history=state.history[1:])


def retry(story: m.Story, state: State) -> State:
    """Back to the last checkpoint as it was when reached. Visit counts carry
    on, so a scene can notice that the player has been here before."""
    checkpoint = state.checkpoint
    if checkpoint is None:
        return restart(story, state)
    visits = dict(state.visits)
    visits[checkpoint.scene] = visits.get(checkpoint.scene, 0) + 1
    return replace(checkpoint, visits=MappingProxyType(visits), checkpoint=checkpoint,
                   history=state.successor_history())


def restart(story: m.Story, state: State) -> State:
    return replace(new_game(story, state.seed), history=state.successor_history())


# ---------------------------------------------------------------------- seeing


def view(story: m.Story, state: State) -> View:
    scene = story.scenes[state.scene]
    paragraphs: list[str] = []
    _render(scene.text, state, scene, paragraphs, "t")
    return View(scene, tuple(paragraphs), options(story, state), scene.ending, state.turn)


def _render(blocks, state: State, scene: m.Scene, out: list[str], path: str) -> None:
    for index, block in enumerate(blocks):
        if isinstance(block, m.Para):
            out.append("".join(p if isinstance(p, str) else _value(p.name, state) for p in block.parts))
        elif isinstance(block, m.When):
            _render(block.then if block.cond.holds(state) else block.otherwise, state, scene, out, f"{path}.{index}")
        else:
            chosen = _pick(block, state, scene, f"{path}.{index}")
            if chosen is not None:
                _render(block.options[chosen], state, scene, out, f"{path}.{index}.{chosen}")


def _pick(block: m.Vary, state: State, scene: m.Scene, path: str) -> int | None:
    n = len(block.options)
    visit = max(state.visits.get(scene.id, 1), 1) - 1  # 0 on the first visit
    if block.mode == m.SEQUENCE:
        return min(visit, n - 1)
    if block.mode == m.CYCLE:
        return visit % n
    if block.mode == m.ONCE:
        return visit if visit < n else None
    return zlib.crc32(f"{state.seed}:{scene.id}:{visit}:{path}".encode()) % n


def _value(name: str, state: State) -> str:
    if name == "turn":
        return str(state.turn)
    if name == "visits":
        return str(state.visits.get(state.scene, 0))
    return str(state.counters.get(name, 0))


def inventory(story: m.Story, state: State) -> dict[str, list[str]]:
    """What a status screen shows: items held, counters, flags, by display name."""
    return {
        "items": [story.name_of(i) for i in state.items],
        "counters": [f"{story.name_of(k)}: {v}" for k, v in sorted(state.counters.items())],
        "flags": [story.name_of(f) for f in sorted(state.flags)],
    }
