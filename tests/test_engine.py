"""The pure engine: state + choice -> new state; the view of a scene."""

from __future__ import annotations

import pytest

from conftest import make_story
from game.core import engine
from game.core.errors import Impossible
from game.core.state import UNDO_LIMIT

HEIST = """\
scenes:
  start:
    title: Start
    checkpoint: true
    text:
      - "Trust {trust}, turn {turn}."
      - sequence: [First visit., Second visit., Later visits.]
      - cycle: [Tick., Tock.]
      - once: [Only the first time.]
      - if: {has: key}
        text: You hold the key.
        else: Your hands are empty.
    choices:
      - label: Take the key
        goto: start
        once: true
        effects: {give: key, add: {trust: 2}, set: took_key}
      - label: Open the door
        goto: hall
        if: {has: key}
        disabled: It is locked.
      - label: Secret passage
        goto: hall
        if: {flag: never}
      - label: Give up
        goto: lost
        effects: {set: never}
  hall:
    title: Hall
    text: The hall.
    effects: {add: {trust: 1}}
    choices:
      - label: Drop the key
        goto: hall
        if: {has: key}
        effects: {take: key, clear: took_key}
      - label: Win
        goto: won
        if: {all: [{counter: trust, at_least: 3}, {flag: took_key}]}
    fallback: {label: Fall back, goto: lost}
  lost:
    title: Lost
    text: Gone.
    ending: {kind: failure, title: Lost}
  won:
    title: Won
    text: Done.
    ending: {kind: victory, title: Won}
"""
INITIAL = "initial:\n  counters: {trust: 0}\n"


@pytest.fixture
def story(tmp_path):
    return make_story(tmp_path, HEIST, manifest_extra=INITIAL)


def labels(view):
    return [(o.label, o.enabled) for o in view.options]


def test_first_view(story):
    state = engine.new_game(story)
    view = engine.view(story, state)
    assert view.scene.id == "start" and state.visits == {"start": 1} and state.turn == 0
    assert view.paragraphs == ("Trust 0, turn 0.", "First visit.", "Tick.", "Only the first time.",
                               "Your hands are empty.")
    assert labels(view) == [("Take the key", True), ("Open the door", False), ("Give up", True)]
    assert view.options[1].reason == "It is locked."


def test_choice_applies_effects_and_text_varies_with_visits(story):
    state = engine.choose(story, engine.new_game(story), 1)
    view = engine.view(story, state)
    assert state.items == ("key",) and state.counters["trust"] == 2 and "took_key" in state.flags
    assert state.turn == 1 and state.visits["start"] == 2
    assert view.paragraphs == ("Trust 2, turn 1.", "Second visit.", "Tock.", "You hold the key.")
    # once-only choice is gone; the door is open now
    assert labels(view) == [("Open the door", True), ("Give up", True)]


def test_disabled_choice_is_refused_with_its_reason(story):
    with pytest.raises(Impossible, match="It is locked."):
        engine.choose(story, engine.new_game(story), 2)
    with pytest.raises(Impossible, match="choose 1 to 3"):
        engine.choose(story, engine.new_game(story), 9)


def test_scene_entry_effects_and_fallback(story):
    state = engine.new_game(story)
    state = engine.choose(story, state, 1)  # take key
    state = engine.choose(story, state, 1)  # open door -> hall (+1 trust on entry)
    assert state.counters["trust"] == 3
    assert labels(engine.view(story, state)) == [("Drop the key", True), ("Win", True)]
    state = engine.choose(story, state, 1)  # drop the key; re-entering adds trust, flag cleared
    assert state.items == () and "took_key" not in state.flags and state.counters["trust"] == 4
    assert labels(engine.view(story, state)) == [("Fall back", True)]  # fallback only when nothing else
    state = engine.choose(story, state, 1)
    assert engine.view(story, state).ending.kind == "failure"
    with pytest.raises(Impossible, match="ended"):
        engine.choose(story, state, 1)


def test_undo_steps_back_exactly(story):
    s0 = engine.new_game(story)
    s1 = engine.choose(story, s0, 1)
    s2 = engine.choose(story, s1, 1)
    assert engine.undo(s2) == s1
    assert engine.undo(engine.undo(s2)) == s0
    with pytest.raises(Impossible):
        engine.undo(s0)


def test_undo_history_is_bounded(tmp_path):
    endless = make_story(tmp_path, """\
        scenes:
          start:
            title: S
            text: Round and round.
            choices: [{label: again, goto: start}]
          done: {title: D, text: d, ending: {kind: victory, title: D}}
        """)
    state = engine.new_game(endless)
    for _ in range(UNDO_LIMIT + 50):
        state = engine.choose(endless, state, 1)
    assert state.turn == UNDO_LIMIT + 50 and len(state.history) == UNDO_LIMIT
    for _ in range(UNDO_LIMIT):
        state = engine.undo(state)
    assert state.turn == 50  # the oldest steps were let go
    with pytest.raises(Impossible):
        engine.undo(state)


def test_retry_restores_the_last_checkpoint_but_remembers_visits(story):
    start = engine.new_game(story)
    lost = engine.choose(story, start, 3)  # give up at once -> lost
    again = engine.retry(story, lost)
    assert again.scene == "start" and again.items == () and again.counters["trust"] == 0
    assert "never" not in again.flags  # the failure's effects are gone
    assert again.visits == {"start": 2, "lost": 1}  # visits carry on: text can notice a retry
    assert engine.view(story, again).paragraphs[1] == "Second visit."
    assert engine.undo(again) == lost


def test_reentering_a_checkpoint_scene_takes_a_new_checkpoint(story):
    state = engine.choose(story, engine.new_game(story), 1)  # take the key, back to start
    lost = engine.choose(story, state, 2)  # give up
    again = engine.retry(story, lost)
    assert again.items == ("key",) and again.counters["trust"] == 2
    assert "start/#1" in again.chosen  # the once-only choice stays taken
    assert "never" not in again.flags


def test_restart_starts_over_and_can_be_undone(story):
    state = engine.choose(story, engine.new_game(story, seed=7), 1)
    fresh = engine.restart(story, state)
    assert fresh.scene == "start" and fresh.turn == 0 and fresh.seed == 7 and fresh.items == ()
    assert engine.undo(fresh) == state


def test_engine_is_deterministic(story):
    def play():
        s = engine.new_game(story, seed=3)
        for n in (1, 1, 2):
            s = engine.choose(story, s, n)
        return s, engine.view(story, s)
    assert play() == play()


def test_shuffle_is_seeded(tmp_path):
    story = make_story(tmp_path, """\
        scenes:
          start:
            title: S
            text:
              - shuffle: [a, b, c, d, e, f, g, h]
            choices: [{label: again, goto: start}]
          done:
            title: Done
            text: d
            ending: {kind: victory, title: Done}
        """)
    def run(seed):
        s = engine.new_game(story, seed)
        seen = []
        for _ in range(12):
            seen.append(engine.view(story, s).paragraphs[0])
            s = engine.choose(story, s, 1)
        return seen
    assert run(1) == run(1)
    assert len(set(run(1))) > 1
    assert run(1) != run(2)


def test_counter_comparisons(tmp_path):
    story = make_story(tmp_path, """\
        scenes:
          start:
            title: S
            text: x
            choices:
              - {label: above 1, goto: start, if: {counter: c, above: 1}}
              - {label: below 1, goto: start, if: {counter: c, below: 1}}
              - {label: equals 1, goto: start, if: {counter: c, equals: 1}}
              - {label: 0 to 2, goto: start, if: {counter: c, at_least: 0, at_most: 2}}
              - {label: add, goto: start, effects: {add: {c: 1}}}
              - {label: any, goto: start, if: {any: [{counter: c, equals: 5}, {not: {counter: c, below: 3}}]}}
          done:
            title: Done
            text: d
            ending: {kind: victory, title: Done}
        """, manifest_extra="initial: {counters: {c: 0}}\n")
    def shown(value):
        state = engine.new_game(story)
        for _ in range(value):
            state = engine.choose(story, state, [o.label for o in engine.options(story, state)].index("add") + 1)
        return [o.label for o in engine.options(story, state) if o.label != "add"]
    assert shown(0) == ["below 1", "0 to 2"]
    assert shown(1) == ["equals 1", "0 to 2"]
    assert shown(2) == ["above 1", "0 to 2"]
    assert shown(3) == ["above 1", "any"]


def test_visited_condition_and_variables(tmp_path):
    story = make_story(tmp_path, """\
        scenes:
          start:
            title: S
            text: "Visit {visits}; {{literal}}."
            choices:
              - {label: go, goto: other}
              - {label: been there, goto: start, if: {visited: other}}
          other:
            title: O
            text: o
            choices: [{label: back, goto: start}]
          done:
            title: Done
            text: d
            ending: {kind: victory, title: Done}
        """)
    state = engine.new_game(story)
    assert engine.view(story, state).paragraphs == ("Visit 1; {literal}.",)
    assert [o.label for o in engine.options(story, state)] == ["go"]
    state = engine.choose(story, engine.choose(story, state, 1), 1)
    assert [o.label for o in engine.options(story, state)] == ["go", "been there"]
    assert engine.view(story, state).paragraphs == ("Visit 2; {literal}.",)


def test_model_is_immutable(story):
    scene = story.scenes["start"]
    with pytest.raises(AttributeError):  # FrozenInstanceError (dataclasses) is one
        scene.title = "x"
    with pytest.raises(TypeError):
        story.scenes["new"] = scene
    state = engine.new_game(story)
    with pytest.raises(TypeError):
        state.counters["trust"] = 99
