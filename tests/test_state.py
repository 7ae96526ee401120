"""State that stays cheap: persistent maps, undo records that hold only what
a step changed, save format 2, and format 1 saves still loading."""

from __future__ import annotations

import json
import random
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from game.core import codec, engine
from game.core.pmap import MISSING, PMap, PSet
from game.story import loader

VAULT = loader.load_story(ROOT / "examples" / "night-vault")
FORMAT1 = FIXTURES / "saves" / "format1"


def facts(state) -> tuple:
    """Everything a state says, history aside (checkpoints by value)."""
    if state is None:
        return None
    return (state.scene, frozenset(state.flags), state.items, tuple(sorted(state.counters.items())),
            tuple(sorted(state.visits.items())), frozenset(state.chosen), state.turn, state.seed,
            facts(state.checkpoint))


# ------------------------------------------------------------ persistent maps

NAMES = st.text("abcdefghij_", min_size=1, max_size=3)
OPS = st.lists(st.tuples(st.sampled_from(["set", "delete"]), NAMES, st.integers(-5, 5)), max_size=200)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_a_persistent_map_behaves_like_a_dict_and_never_changes(ops):
    model: dict = {}
    current = PMap()
    versions = [(current, dict(model))]
    for op, key, value in ops:
        if op == "set":
            model[key] = value
            current = current.set(key, value)
        else:
            model.pop(key, None)
            current = current.delete(key)
        versions.append((current, dict(model)))
    for version, expected in versions:  # every old version is intact
        assert dict(version.items()) == expected and len(version) == len(expected)
        assert all(version[k] == v for k, v in expected.items())
        assert json.loads("{" + version.json_members() + "}") == expected
    for (a, da), (b, db) in zip(versions, versions[1:]):  # diff then apply walks between versions
        assert dict(b.apply(b.changes_to(a)).items()) == da
        assert dict(a.apply(a.changes_to(b)).items()) == db


def test_large_maps_split_into_a_trie_and_share_all_but_one_path():
    big = PMap({f"scene{i}": i for i in range(5000)})
    changed = big.set("scene42", -1)
    assert changed["scene42"] == -1 and big["scene42"] == 42
    assert changed.changes_to(big) == [("scene42", 42)]
    shared = sum(1 for x, y in zip(big._root.kids, changed._root.kids) if x is y)
    assert shared == 31  # one of 32 subtrees copied, the rest shared
    adopted = PMap.adopt({f"scene{i}": i for i in range(5000)})  # as read from a save: flat until changed
    assert adopted == big and adopted.set("new", 1)["new"] == 1 and "new" not in adopted
    assert PSet(["b", "a"]) == {"a", "b"} and "a" in PSet(["a"]).add("c") and "a" not in PSet(["a"]).discard("a")
    assert PMap({"a": 1}).changes_to(PMap()) == [("a", MISSING)]


def test_cached_json_follows_each_change():
    visits = PMap({f"s{i}": 1 for i in range(300)})
    visits.json_members()  # fills the caches
    later = visits.set("s7", 2).set("new", 1).delete("s8")
    decoded = json.loads("{" + later.json_members() + "}")
    assert decoded["s7"] == 2 and decoded["new"] == 1 and "s8" not in decoded and len(decoded) == 300
    assert json.loads("{" + visits.json_members() + "}")["s7"] == 1  # the old one's text is untouched


# ------------------------------------------------------------------ undo


def walk(story, seed: int, steps: int, restarts: float = 0.3):
    rng = random.Random(seed)
    state = engine.new_game(story, seed)
    states = [state]
    for _ in range(steps):
        if story.scenes[state.scene].ending:
            state = engine.restart(story, state) if rng.random() < restarts else engine.retry(story, state)
        else:
            options = [o for o in engine.options(story, state) if o.enabled]
            state = engine.choose(story, state, rng.choice(options).number)
        states.append(state)
    return states


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_undo_steps_back_through_every_state_exactly(seed, steps):
    states = walk(VAULT, seed, steps)
    state = states[-1]
    for before in reversed(states[-101:-1]):  # as far as the undo limit reaches
        state = engine.undo(state)
        assert facts(state) == facts(before)
    # and through a save: the records in the file take it back the same way
    state, _ = codec.decode(VAULT, json.loads(codec.dumps(VAULT, states[-1], "")))
    assert facts(state) == facts(states[-1])
    for before in reversed(states[-101:-1]):
        state = engine.undo(state)
        assert facts(state) == facts(before)


def test_undo_restores_the_checkpoint_a_step_replaced():
    story = loader.load_story(ROOT / "scenes")  # several checkpoints along the way
    states = walk(story, 11, 90, restarts=0)
    assert len({facts(s.checkpoint) for s in states}) > 2
    state = states[-1]
    for before in reversed(states[-91:-1]):
        state = engine.undo(state)
        assert facts(state.checkpoint) == facts(before.checkpoint)


def test_undo_records_hold_only_what_changed():
    """(A restart changes everything, so its record is as large as the run.)"""
    states = walk(VAULT, 3, 40, restarts=0)
    for record in states[-1].history:
        assert len(record.visits) <= 2 and len(record.flags) <= 3 and len(record.counters) <= 2


def test_a_save_grows_with_what_changed_not_with_visits_times_undo_depth(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    story = loader.load_story(synth.generate(3000, tmp_path / "synth"))
    rng = random.Random(1)
    state = engine.new_game(story)
    for _ in range(1500):
        options = [o for o in engine.options(story, state) if o.enabled]
        onward = [o for o in options if not story.scenes[o.choice.goto].ending] or options
        state = engine.choose(story, state, rng.choice(onward).number)
    data = codec.encode(story, state, "")
    current = len(json.dumps(data["state"]))
    history = len(json.dumps(data["history"]))
    assert len(state.visits) > 500 and len(data["history"]) == 100
    assert history < current / 2  # 100 steps of history cost less than half of one state's visit counts
    assert all(len(h.get("visits", {})) <= 2 for h in data["history"])


# ------------------------------------------------------------ format 1 saves


def test_a_format_1_save_still_loads_with_its_whole_undo_history():
    """Written by the game before save format 2 (full states in the history):
    it loads, and undo walks back through the same states a replay gives."""
    story = loader.load_story(FORMAT1)
    data = json.loads((FORMAT1 / "autosave.json").read_text())
    assert data["version"] == 1 and len(data["history"]) == 30
    path = json.loads((FORMAT1 / "path.json").read_text())
    state = engine.new_game(story, path["seed"])
    replay = [state]
    for step in path["path"]:
        state = engine.retry(story, state) if step == "retry" else engine.choose(story, state, step)
        replay.append(state)
    loaded, notes = codec.decode(story, data)
    assert notes == [] and facts(loaded) == facts(replay[-1])
    for before in reversed(replay[-31:-1]):
        loaded = engine.undo(loaded)
        assert facts(loaded) == facts(before)
    resaved = codec.encode(story, engine.choose(story, replay[-1], 1), "")
    assert resaved["version"] == codec.VERSION == 2


# ---------------------------------------------- the fast path is as strict


RECORD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**60, 2**60), st.text(max_size=6),
                          st.lists(st.text("ab\n", max_size=3), max_size=3),
                          st.dictionaries(st.text("ab_/#\n1", max_size=4), st.one_of(st.none(), st.booleans(),
                                                                                       st.integers(-3, 2**54)),
                                          max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["scene", "turn", "flags", "items", "counters", "visits", "chosen", "checkpoint", "stack",
                        "draws"]), RECORD_VALUES)
def test_the_bulk_check_of_undo_records_refuses_what_the_record_by_record_check_refuses(key, value):
    states = walk(VAULT, 1, 6, restarts=0)
    data = json.loads(codec.dumps(VAULT, states[-1], ""))
    record = data["history"][0]
    record[key] = value
    checkpoints = len(data["checkpoints"])
    try:
        codec._read_undo(record, "undo step 1", checkpoints)
        slow = True
    except codec.SaveError:
        slow = False
    fast = codec._undo_records_fast([record], checkpoints, codec.known_names(VAULT)) is not None
    assert fast <= slow, (key, value)  # never accepts what the careful reading refuses
    try:
        codec.decode(VAULT, data)
    except codec.SaveError:
        pass  # refused in one line: fine; anything else fails the test


def test_a_record_too_large_to_save_again_is_refused():
    states = walk(VAULT, 1, 3, restarts=0)
    data = json.loads(codec.dumps(VAULT, states[-1], ""))
    data["history"][0]["counters"] = {f"c{i}": 1 for i in range(codec.MAX_NAMES + 1)}
    try:
        codec.decode(VAULT, data)
    except codec.SaveError as exc:
        assert "map of changes" in str(exc)
    else:
        raise AssertionError("a record larger than any game writes was accepted")


def test_undo_across_a_story_edit_keeps_the_default_items(tmp_path):
    """A format 2 save of an earlier version: every state, including the
    ones undo steps back to, gets the manifest's default items."""
    import shutil

    states = walk(VAULT, 2, 5, restarts=0)
    data = json.loads(codec.dumps(VAULT, states[-1], ""))
    edited = tmp_path / "vault"
    shutil.copytree(ROOT / "examples" / "night-vault", edited)
    with open(edited / "story.yaml", "a") as manifest:
        manifest.write("saves: {defaults: {items: [flashlight]}}\n")
    story = loader.load_story(edited)
    state, notes = codec.decode(story, data)
    assert "flashlight" in state.items and notes
    while state.history:
        state = engine.undo(state)
        assert "flashlight" in state.items


def test_a_record_into_a_scene_the_story_lacks_stops_undo_there_not_sooner():
    """Records before it are kept (a bug once dropped the whole history)."""
    states = walk(VAULT, 1, 6, restarts=0)
    data = json.loads(codec.dumps(VAULT, states[-1], ""))
    data["history"][2]["stack"] = ["nowhere"]
    state, notes = codec.decode(VAULT, data)
    assert len(state.history) == 2 and any("Undo cannot go back" in n for n in notes)
