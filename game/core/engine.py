"""The rules: pure functions of (story, state) -> new state or view.

No I/O, no clock, no global randomness: the same story, state and choice
always give the same result. A refused action raises `Impossible`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.core import model as m
from game.core import text
from game.core.effects import LIMIT, Change, Effects
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


def new_game(story: m.Story, seed: int = 0, entry: int | None = None) -> State:
    return _enter(story, _initial(story, story.start, seed), entry)


def opening(story: m.Story, seed: int = 0) -> tuple[State, Step]:
    """A new run, and the step that began it (the start scene's own
    outcome may have a reply to show)."""
    state, reply = _arrive(story, _initial(story, story.start, seed))
    return state, Step(reply, False, story.start)


def beginnings(story: m.Story, seed: int = 0) -> list[State]:
    """Every way a run can begin: one per outcome of the start scene's entry."""
    outcomes = story.scenes[story.start].outcomes
    return [new_game(story, seed, entry) for entry in (range(len(outcomes)) if outcomes else (None,))]


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


def _enter(story: m.Story, state: State, entry: int | None = None) -> State:
    """Arrive in state.scene: count the visit, apply its effects, draw its
    random outcome (or take `entry`), checkpoint."""
    state, _ = _arrive(story, state, entry)
    return state


def _arrive(story: m.Story, state: State, entry: int | None = None) -> tuple[State, tuple]:
    scene = story.scenes[state.scene]
    state = state.evolve(visits=state.visits.set(scene.id, _next(state.visits.get(scene.id, 0))))
    if scene.effects:
        state = apply(scene.effects, state)
    reply: tuple = ()
    if scene.outcomes:
        state, outcome = _outcome(state, scene.outcomes, entry)
        if outcome.effects:
            state = apply(outcome.effects, state)
        reply = outcome.reply
    if scene.checkpoint:
        state = state.evolve(checkpoint=state.snapshot())
    return state, reply


def _next(count: int) -> int:
    """count + 1, saturating where a save can still hold it (see effects.LIMIT)."""
    return count + 1 if count < LIMIT else LIMIT


MAX_STACK = 64  # subroutines inside subroutines
RESUME = "="  # a stack entry "=scene": return to that scene as it was left, not entering it again
_M64 = (1 << 64) - 1


def draw(seed: int, draws: int, bound: int) -> int:
    """The run's random number for draw number `draws`, below `bound`:
    splitmix64 of (seed, draws). Pure: the same state draws the same."""
    x = (seed * 0x9E3779B97F4A7C15 + (draws + 1) * 0xD1B54A32D192ED03) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return (x ^ (x >> 31)) % bound


def _outcome(state: State, outcomes, pick: int | None):
    """The outcome `pick`, or one drawn by weight from the run's generator."""
    if pick is None:
        roll = draw(state.seed, state.draws, sum(o.weight for o in outcomes))
        state = state.evolve(draws=_next(state.draws))
        for pick, outcome in enumerate(outcomes):
            roll -= outcome.weight
            if roll < 0:
                break
    return state, outcomes[pick]


def apply(effects: Effects, state: State) -> State:
    change = Change(state.flags, state.items, state.counters, state.visits)
    effects.apply(change)
    return state.evolve(flags=change.flags, items=change.items, counters=change.counters)


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
        if (choice.returns and not state.stack) or (choice.call and len(state.stack) >= MAX_STACK):
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
    return choose_step(story, state, number)[0]


def choose_step(story: m.Story, state: State, number: int) -> tuple[State, Step]:
    """`choose`, also saying what the step did (its reply, whether it stayed)."""
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
    return act(story, state, option.choice)


@dataclass(frozen=True, slots=True)
class Step:
    """What taking a choice did besides the new state: the reply to show
    (text blocks, rendered by the caller) and whether it stayed in its scene."""

    reply: tuple
    stayed: bool
    scene: str  # where the choice was taken (its reply's scene)
    outcome: int | None = None  # which of the choice's outcomes happened


def take(story: m.Story, state: State, choice: m.Choice, *, keep_history: bool = True) -> State:
    """Follow a choice (already known to be available) to its scene.
    Tools that never undo (random playthroughs) skip the undo history."""
    return act(story, state, choice, keep_history=keep_history)[0]


def act(story: m.Story, state: State, choice: m.Choice, *, keep_history: bool = True, pick: int | None = None,
        entry: int | None = None) -> tuple[State, Step]:
    """Take a choice: its effects; its random outcome (drawn, or `pick`);
    a call, a return or a goto; the arrival (with the entered scene's own
    outcome, drawn or `entry`). A choice with nowhere to go stays."""
    after = apply(choice.effects, state) if choice.effects else state
    chosen = state.chosen.add(choice.key) if choice.once else state.chosen
    after = after.evolve(chosen=chosen, turn=_next(state.turn), history=())
    reply = choice.reply
    target = choice.goto
    if choice.outcomes:
        after, outcome = _outcome(after, choice.outcomes, pick)
        pick = choice.outcomes.index(outcome)
        if outcome.effects:
            after = apply(outcome.effects, after)
        reply = reply + outcome.reply
        target = outcome.goto or target
    resume = None
    if choice.returns:
        target = after.stack[-1]
        after = replace(after, stack=after.stack[:-1])
        if target.startswith(RESUME):  # back to the scene it was called from, as it was left
            resume, target = target[1:], None
    elif choice.call:
        after = replace(after, stack=after.stack + (target or RESUME + state.scene,))
        target = choice.call
    if resume is not None:
        arrived = replace(after, scene=resume)
    elif target is None:
        arrived = after
    else:
        arrived, more = _arrive(story, after.evolve(scene=target), entry)
        reply = reply + more
    step = Step(reply, target is None and resume is None, state.scene, pick if choice.outcomes else None)
    return (arrived.after(state) if keep_history else arrived), step


def successors(story: m.Story, state: State, choice: m.Choice):
    """(outcome number or None, state) for every state a choice can lead to,
    one per combination of its random outcome and the entered scene's (for
    exhaustive exploration)."""
    picks = range(len(choice.outcomes)) if choice.outcomes else (None,)
    for pick in picks:
        target = choice.goto
        if pick is not None:
            target = choice.outcomes[pick].goto or target
        if choice.returns:
            target = state.stack[-1] if state.stack and not state.stack[-1].startswith(RESUME) else None
        elif choice.call:
            target = choice.call
        scene = story.scenes.get(target) if target else None
        entries = range(len(scene.outcomes)) if scene is not None and scene.outcomes else (None,)
        for entry in entries:
            yield pick, act(story, state, choice, keep_history=False, pick=pick, entry=entry)[0]


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
    visits = state.visits.set(checkpoint.scene, _next(state.visits.get(checkpoint.scene, 0)))
    return replace(checkpoint, visits=visits, checkpoint=checkpoint, draws=state.draws).after(state)


def restart(story: m.Story, state: State) -> State:
    """From the beginning; the random draws go on, so luck is not replayed."""
    fresh = _initial(story, story.start, state.seed)
    return _enter(story, replace(fresh, draws=state.draws)).after(state)


# ---------------------------------------------------------------------- seeing


def reply(story: m.Story, state: State, step: Step) -> tuple[str, ...]:
    """A step's reply, rendered in the state it led to."""
    return tuple(text.render(step.reply, text.Ctx(state, step.scene, story.names), "r")) if step.reply else ()


def view(story: m.Story, state: State) -> View:
    scene = story.scenes[state.scene]
    paragraphs = text.render(scene.text, text.Ctx(state, scene.id, story.names))
    return View(scene, tuple(paragraphs), options(story, state), scene.ending, state.turn)


def inventory(story: m.Story, state: State) -> dict[str, list[str]]:
    """What a status screen shows: items held, counters, and the flags the
    story gives a display name (a flag without one is bookkeeping the player
    never sees), by display name."""
    return {
        "items": [story.name_of(i) for i in state.items],
        "counters": [f"{story.name_of(k)}: {v}" for k, v in sorted(state.counters.items())],
        "flags": [story.names[f] for f in sorted(state.flags) if f in story.names],
    }
