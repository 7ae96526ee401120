"""The rules: pure functions of (story, state) -> new state or view.

No I/O, no clock, no global randomness: the same story, state and choice
always give the same result. A refused action raises `Impossible`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.core import model as m
from game.core import text
from game.core.effects import Change, Effects
from game.core.errors import Impossible
from game.core.pmap import EMPTY_MAP, EMPTY_SET, PMap, PSet
from game.core.state import State


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
    flag_set = state.flags
    for name, on in (flags or {}).items():
        flag_set = flag_set.add(name) if on else flag_set.discard(name)
    merged = state.counters
    for name, value in (counters or {}).items():
        merged = merged.set(name, value)
    state = replace(state, flags=flag_set, items=tuple(dict.fromkeys(state.items + tuple(items))),
                    counters=merged)
    return _enter(story, state)


def _initial(story: m.Story, scene: str, seed: int) -> State:
    init = story.initial
    return State(scene=scene, flags=PSet(sorted(init.flags)), items=init.items, counters=PMap(init.counters),
                 visits=EMPTY_MAP, chosen=EMPTY_SET, turn=0, seed=seed)


def _enter(story: m.Story, state: State) -> State:
    """Arrive in state.scene: count the visit, apply its effects, checkpoint."""
    scene = story.scenes[state.scene]
    state = replace(state, visits=state.visits.set(scene.id, state.visits.get(scene.id, 0) + 1))
    if scene.effects:
        state = apply(scene.effects, state)
    if scene.checkpoint:
        state = replace(state, checkpoint=state.snapshot())
    return state


def apply(effects: Effects, state: State) -> State:
    change = Change(state.flags, state.items, state.counters, state.visits, state.scene, state.turn)
    effects.apply(change)
    return replace(state, flags=change.flags, items=change.items, counters=change.counters)


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
    after = apply(choice.effects, state) if choice.effects else state
    chosen = state.chosen.add(choice.key) if choice.once else state.chosen
    moved = replace(after, scene=choice.goto, chosen=chosen, turn=state.turn + 1, history=())
    arrived = _enter(story, moved)
    return arrived.after(state) if keep_history else arrived


def undo(state: State) -> State:
    if not state.history:
        raise Impossible("There is nothing to undo.")
    return state.step_back()


def retry(story: m.Story, state: State) -> State:
    """Back to the last checkpoint as it was when reached. Visit counts carry
    on, so a scene can notice that the player has been here before."""
    checkpoint = state.checkpoint
    if checkpoint is None:
        return restart(story, state)
    visits = state.visits.set(checkpoint.scene, state.visits.get(checkpoint.scene, 0) + 1)
    return replace(checkpoint, visits=visits, checkpoint=checkpoint).after(state)


def restart(story: m.Story, state: State) -> State:
    return new_game(story, state.seed).after(state)


# ---------------------------------------------------------------------- seeing


def view(story: m.Story, state: State) -> View:
    scene = story.scenes[state.scene]
    paragraphs = text.render(scene.text, text.Ctx(state, scene.id, story.names))
    return View(scene, tuple(paragraphs), options(story, state), scene.ending, state.turn)


def inventory(story: m.Story, state: State) -> dict[str, list[str]]:
    """What a status screen shows: items held, counters, flags, by display name."""
    return {
        "items": [story.name_of(i) for i in state.items],
        "counters": [f"{story.name_of(k)}: {v}" for k, v in sorted(state.counters.items())],
        "flags": [story.name_of(f) for f in sorted(state.flags)],
    }
