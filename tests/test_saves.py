"""Save slots: round trips, atomic writes with a backup, slot-name safety,
every kind of bad save, and saves made with an earlier version of a story."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_game
from game.core import engine
from game.story import loader
from game.saves import store as saves
from game.core.codec import SaveError
from game.core.session import Message, SceneShown, Session

VAULT = ROOT / "examples" / "night-vault"
SAVES = FIXTURES / "saves"


@pytest.fixture
def story():
    return loader.load_story(VAULT)


@pytest.fixture
def store(tmp_path, story):
    return saves.SaveStore(tmp_path / "saves", story, clock=lambda: 1_800_000_000)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def long_run(story, steps: int):
    """A run with at least `steps` undo steps: caught and retried, over and over."""
    state = engine.new_game(story)
    while len(state.history) < steps:
        state = engine.retry(story, engine.choose(story, state, 2))  # knock: caught; retry
    return engine.choose(story, state, 1)  # into the corridor


def test_round_trip_keeps_state_history_and_checkpoint(store, story):
    state = long_run(story, 60)
    assert len(state.history) >= 50
    store.save("deep", state)
    loaded, notes = store.load("deep")
    assert loaded == state and notes == []
    assert loaded.checkpoint == state.checkpoint and loaded.history == state.history
    for _ in range(50):  # at least 50 undo steps survive a save and load
        loaded = engine.undo(loaded)


def test_save_file_is_plain_versioned_json(store, story):
    path = store.save("one", engine.new_game(story))
    data = json.loads(path.read_text())
    assert data["format"] == "dead-reckoning-save" and data["version"] == 2
    assert data["story"] == {"id": "night-vault", "version": "1.0", "fingerprint": story.fingerprint}
    assert data["state"]["scene"] == "alley" and data["history"] == []
    assert path.parent.name == "night-vault"


def test_previous_save_stays_as_backup(store, story):
    first = engine.new_game(story)
    second = engine.choose(story, first, 1)
    path = store.save("slot", first)
    before = path.read_bytes()
    store.save("slot", second)
    assert (path.parent / "slot.json.bak").read_bytes() == before
    assert store.load("slot")[0] == second
    assert store.load("slot.bak")[0] == first


def test_a_failed_save_never_destroys_the_previous_one(store, story, monkeypatch):
    path = store.save("slot", engine.new_game(story))
    before = digest(path)
    import os

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SaveError, match="No space left on device"):
        store.save("slot", engine.choose(story, engine.new_game(story), 1))
    monkeypatch.undo()
    assert digest(path) == before
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]  # no litter


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "", "x" * 33, "back\\slash",
                                  "nul\x00", "sp ace", "-dash", "é"])
def test_slot_names_cannot_leave_the_save_folder(store, story, name, tmp_path):
    with pytest.raises(SaveError, match="not a valid save name"):
        store.save(name, engine.new_game(story))
    with pytest.raises(SaveError):
        store.load(name)
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []


# ------------------------------------------------------------------ bad saves

def corrupt(path: Path, kind: str) -> None:
    data = json.loads(path.read_text())
    raw = path.read_bytes()
    if kind == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + raw[8:])
    elif kind == "bitflip":
        path.write_bytes(raw[:40] + bytes([raw[40] ^ 0x20]) + raw[41:])
    elif kind == "tampered_type":
        data["state"]["turn"] = "three"
        path.write_text(json.dumps(data))
    elif kind == "tampered_scene":
        data["state"]["scene"] = "vault_interior"
        path.write_text(json.dumps(data))
    elif kind == "future":
        data["version"] = 99
        path.write_text(json.dumps(data))
    elif kind == "other_story":
        data["story"]["id"] = "some-other-story"
        path.write_text(json.dumps(data))
    elif kind == "huge_number":
        data["state"]["counters"]["noise"] = 10**30
        path.write_text(json.dumps(data))
    elif kind == "deep":
        path.write_text('{"format": "dead-reckoning-save", "version": 1, "state": ' + "[" * 100000 + "]" * 100000 + "}")
    elif kind == "too_big":
        path.write_bytes(b" " * (saves.MAX_SAVE_BYTES + 10))
    elif kind == "not_a_save":
        path.write_text('{"hello": "world"}')
    elif kind == "bad_checkpoint":
        data["state"]["checkpoint"] = 7
        path.write_text(json.dumps(data))
    elif kind == "bad_name":
        data["state"]["flags"] = ["../../etc/passwd"]
        path.write_text(json.dumps(data))


BAD = {
    "truncated": "ends too soon",
    "empty": "ends too soon",
    "garbage": "not text",
    "bitflip": "invalid JSON at line 1",
    "tampered_type": "the turn in its state is not a valid number",
    "tampered_scene": "needs the scene 'vault_interior'",
    "future": "made by a newer Dead Reckoning (save format 99",
    "other_story": "belongs to the story 'some-other-story'",
    "huge_number": "is not a valid number",
    "deep": "nested too deeply",
    "too_big": "larger than",
    "not_a_save": "not a Dead Reckoning save",
    "bad_checkpoint": "refers to a checkpoint that is not there",
    "bad_name": "holds an invalid name",
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_save_gives_one_clear_message_and_is_left_untouched(store, story, kind):
    state = engine.choose(story, engine.new_game(story), 1)
    path = store.save("slot", state)
    corrupt(path, kind)
    before = digest(path)
    session = Session(story, store=store)
    events = session.handle("load slot")
    assert digest(path) == before
    assert len(events) == 1 and isinstance(events[0], Message) and events[0].kind == "error"
    (message,) = events[0].lines
    assert message.startswith("Save 'slot' cannot be loaded: ")
    assert BAD[kind] in message
    assert "\n" not in message
    # the player carries on: the current game is untouched and playable
    assert session.state.scene == "alley"
    assert isinstance(session.handle("1")[0], SceneShown)


def test_a_damaged_slot_points_to_its_backup(store, story):
    store.save("slot", engine.new_game(story))
    path = store.save("slot", engine.choose(story, engine.new_game(story), 1))
    corrupt(path, "truncated")
    with pytest.raises(SaveError, match=r"type 'load slot.bak'"):
        store.load("slot")
    assert store.load("slot.bak")[0].scene == "alley"


def test_missing_slot(store):
    with pytest.raises(SaveError, match="no save by that name"):
        store.load("nothing")


def test_listing_shows_time_chapter_title_turn_and_problems(store, story):
    store.save("good", engine.choose(story, engine.new_game(story), 1))
    corrupt(store.save("broken", engine.new_game(story)), "truncated")
    lines = saves.describe(store.slots())
    good = next(line for line in lines if "good" in line)
    assert "The Night Vault - The Corridor, turn 1" in good
    broken = next(line for line in lines if "broken" in line)
    assert "cannot be loaded" in broken


# --------------------------------------------------------- across story edits

@pytest.fixture
def v2_store(tmp_path):
    folder = tmp_path / "saves" / "migrating"
    folder.mkdir(parents=True)
    for path in (SAVES / "v1_saves").glob("*.json"):
        shutil.copy(path, folder / path.name)
    return saves.SaveStore(tmp_path / "saves", loader.load_story(SAVES / "story_v2"))


def test_v1_saves_still_load_in_v1(tmp_path):
    store = saves.SaveStore(tmp_path, loader.load_story(SAVES / "story_v1"))
    (tmp_path / "migrating").mkdir()
    shutil.copy(SAVES / "v1_saves" / "v1-gondola.json", tmp_path / "migrating")
    state, notes = store.load("v1-gondola")
    assert state.scene == "gondola" and notes == []


def test_old_save_maps_renamed_scene_and_flag_and_gets_new_defaults(v2_store):
    state, notes = v2_store.load("v1-gondola")
    assert state.scene == "gondolas"
    assert state.flags == {"paris_spared"}
    assert dict(state.counters) == {"trust": 1, "grace_trust": 2}
    assert dict(state.visits) == {"dock": 1, "gondolas": 1}
    assert "earlier version of the story" in notes[0]
    story = v2_store.story
    view = engine.view(story, state)
    assert view.paragraphs == ("Trust: 1. Grace's trust: 2.",)
    won = engine.choose(story, state, 1)
    assert engine.view(story, won).paragraphs[-1] == "Someone here owes you a life."  # renamed flag pays off
    assert engine.undo(state).scene == "dock"  # history came along


def test_old_save_in_a_deleted_scene_says_which_scene(v2_store):
    with pytest.raises(SaveError) as info:
        v2_store.load("v1-bridge")
    assert "needs the scene 'bridge'" in str(info.value)
    assert "saves: renamed: scenes:" in str(info.value)


def test_old_save_whose_history_passes_a_deleted_scene_keeps_what_it_can(tmp_path):
    story = loader.load_story(SAVES / "story_v2")
    data = json.loads((SAVES / "v1_saves" / "v1-bridge.json").read_text())
    data["history"].insert(0, dict(data["state"]))  # one step ago: on the bridge
    data["state"]["scene"] = "dock"  # now back in the dock
    folder = tmp_path / "migrating"
    folder.mkdir()
    (folder / "s.json").write_text(json.dumps(data))
    state, notes = saves.SaveStore(tmp_path, story).load("s")
    assert state.scene == "dock"
    assert any("Undo cannot go back past" in n for n in notes)
    assert all(h.scene in story.scenes for h in state.history)


# ------------------------------------------------------------ in the game

def test_save_and_load_in_plain_mode(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    first = run_game("examples/night-vault", input="1\nsave here\n1\n", env=env)
    assert "Saved as 'here'." in first.stdout
    listing = run_game("saves", "examples/night-vault", env=env)
    assert "here" in listing.stdout and "autosave" in listing.stdout and "turn 1" in listing.stdout
    second = run_game("play", "examples/night-vault", "--load", "here", input="look\n", env=env)
    assert "Resuming 'here' (turn 1)." in second.stdout
    assert second.stdout.count("== The Corridor ==") == 2


def test_autosave_after_every_choice_and_continue(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\nthermos\n", env=env)
    autosave = json.loads((tmp_path / "night-vault" / "autosave.json").read_text())
    assert autosave["state"]["turn"] == 2 and "guard_asleep" in autosave["state"]["flags"]
    resumed = run_game("--continue", "examples/night-vault", input="undo\n", env=env)
    assert "Resuming 'autosave' (turn 2)." in resumed.stdout
    assert "You take it back." in resumed.stdout  # undo history survived


def test_a_new_run_keeps_the_last_one(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\nthermos\n", env=env)
    fresh = run_game("examples/night-vault", input="knock\n", env=env)
    assert "Your last run is saved (turn 2" in fresh.stdout
    kept = json.loads((tmp_path / "night-vault" / "previous-run.json").read_text())
    assert kept["state"]["turn"] == 2
    now = json.loads((tmp_path / "night-vault" / "autosave.json").read_text())
    assert now["state"]["scene"] == "caught"


def test_load_of_a_missing_save_on_the_command_line(tmp_path):
    result = run_game("play", "examples/night-vault", "--load", "nope", env={"DEAD_RECKONING_SAVE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Save 'nope' cannot be loaded: there is no save by that name" in result.stderr
    assert "Traceback" not in result.stderr


def test_save_dir_flag_wins_over_the_environment(tmp_path):
    flag_dir, env_dir = tmp_path / "flag", tmp_path / "env"
    run_game("play", "--save-dir", str(flag_dir), "examples/night-vault", input="1\n",
             env={"DEAD_RECKONING_SAVE_DIR": str(env_dir)})
    assert (flag_dir / "night-vault" / "autosave.json").exists() and not env_dir.exists()
