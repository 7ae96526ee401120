"""Properties of saving: along random playthroughs, a JSON round trip at
every step gives back the identical state; and a process killed while saving
never leaves a slot unreadable."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from game.core import engine
from game.story import loader
from game.core import codec as savefile
from game.saves import store as saves
from game.core.errors import Impossible
from game.paths import bundled_story

STORIES = {"vault": ROOT / "examples" / "night-vault", "bundled": bundled_story(),
           "migrating": ROOT / "tests" / "fixtures" / "saves" / "story_v2"}
LOADED = {name: loader.load_story(path) for name, path in STORIES.items()}


def step(story, state, move: int):
    """One random action: mostly choices, sometimes undo, retry or restart."""
    kind = move % 10
    try:
        if kind == 7:
            return engine.undo(state)
        if kind == 8:
            return engine.retry(story, state)
        if kind == 9 and move % 3 == 0:
            return engine.restart(story, state)
        if engine.view(story, state).ending:
            return engine.retry(story, state)
        enabled = [o.number for o in engine.options(story, state) if o.enabled]
        return engine.choose(story, state, enabled[move % len(enabled)])
    except Impossible:
        return state


def round_trip(story, state):
    text = json.dumps(savefile.encode(story, state, "2026-01-01T00:00:00Z"))
    loaded, notes = savefile.decode(story, json.loads(text))
    assert notes == []
    return loaded


@pytest.mark.parametrize("name", sorted(STORIES))
@settings(max_examples=40, deadline=None)
@given(moves=st.lists(st.integers(min_value=0, max_value=10_000), max_size=80),
       seed=st.integers(min_value=0, max_value=2**31))
def test_save_then_load_gives_the_same_state_at_every_step(name, moves, seed):
    story = LOADED[name]
    state = engine.new_game(story, seed)
    for move in moves:
        state = step(story, state, move)
        loaded = round_trip(story, state)
        assert loaded == state
        assert engine.view(story, loaded) == engine.view(story, state)


WRITER = """
import sys
from pathlib import Path
from game.core import engine
from game.story import loader
from game.saves import store as saves
story = loader.load_story(sys.argv[1])
store = saves.SaveStore(Path(sys.argv[2]), story)
small = engine.new_game(story)
big = small
while len(big.history) < 100:
    big = engine.retry(story, engine.choose(story, big, 2))
store.save("hot", small)
print("ready", flush=True)
i = 0
while True:
    store.save("hot", big if i % 2 else small)
    i += 1
"""


def test_killing_the_process_mid_save_never_breaks_the_slot(tmp_path):
    story = LOADED["vault"]
    store = saves.SaveStore(tmp_path, story)
    rng = random.Random(1234)
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(STORIES["vault"]), str(tmp_path)],
                                 stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        state, _ = store.load("hot")  # never raises: the old save or the new one
        assert state.scene == "alley"
        assert len(state.history) in (0, 100)
        if store.path("hot.bak").exists():  # and the backup is a whole save too
            assert store.load("hot.bak")[0].scene == "alley"
