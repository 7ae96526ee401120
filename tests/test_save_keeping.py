"""Never lose a run: a damaged newest save falls back to the copy before
it and never pushes that copy out; several previous runs are kept; what the
game writes it can load back; an empty slot name is refused."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
import shutil

import pytest

from conftest import ROOT, run_game
from game.core import engine
from game.core.codec import SaveError
from game.core.effects import LIMIT
from game.saves import store as saves
from game.story import loader

VAULT = ROOT / "examples" / "night-vault"


@pytest.fixture
def story():
    return loader.load_story(VAULT)


def turn_of(path) -> int:
    return json.loads(path.read_text())["state"]["turn"]


def test_continue_with_a_damaged_autosave_uses_its_backup_and_keeps_it(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    folder = tmp_path / "night-vault"
    run_game("examples/night-vault", input="1\nthermos\n", env=env)
    autosave, backup = folder / "autosave.json", folder / "autosave.json.bak"
    assert turn_of(autosave) == 2 and turn_of(backup) == 1
    autosave.write_bytes(autosave.read_bytes()[:40])  # cut short, as by a full disk
    good = backup.read_bytes()

    resumed = run_game("--continue", "examples/night-vault", input="quit\n", env=env)
    assert "Your newest save 'autosave' cannot be loaded (the file is damaged (it ends too soon))" in resumed.stdout
    assert "Continuing from the copy kept before it, 'autosave.bak' (turn 1)" in resumed.stdout
    assert "Resuming 'autosave.bak' (turn 1)." in resumed.stdout
    assert backup.read_bytes() == good

    run_game("--continue", "examples/night-vault", input="thermos\n", env=env)  # a choice autosaves
    assert backup.read_bytes() == good  # the damaged file never became the backup
    assert turn_of(autosave) == 2


def test_a_save_over_a_damaged_slot_keeps_the_good_backup(tmp_path, story):
    store = saves.SaveStore(tmp_path, story)
    state = engine.new_game(story)
    store.save("mine", state)
    store.save("mine", engine.choose(story, state, 1))
    slot, backup = store.path("mine"), store.path("mine.bak")
    good = backup.read_bytes()
    slot.write_text("{not json")
    later = saves.SaveStore(tmp_path, story)  # another run of the game
    later.save("mine", engine.choose(story, state, 2))
    assert backup.read_bytes() == good and later.load("mine")[0].turn == 1
    later.save("mine", engine.new_game(story))  # now the slot is good: it becomes the backup
    assert later.load("mine.bak")[0].turn == 1


def test_several_previous_runs_are_kept_newest_first(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    for answers in ("1\nthermos\nlift\nswipe\n", "knock\n", "1\nthermos\n"):  # 4 choices, 1, 2
        run_game("examples/night-vault", input=answers, env=env)
    run_game("examples/night-vault", input="1\n", env=env)  # a fourth run begins
    folder = tmp_path / "night-vault"
    assert [turn_of(folder / f"{name}.json") for name in ("autosave", "previous-run", "previous-run-2",
                                                           "previous-run-3")] == [1, 2, 1, 4]
    listing = run_game("saves", "examples/night-vault", env=env).stdout
    assert all(name in listing for name in ("previous-run ", "previous-run-2", "previous-run-3"))
    loaded = run_game("play", "examples/night-vault", "--load", "previous-run-3", input="quit\n", env=env)
    assert "Resuming 'previous-run-3' (turn 4)." in loaded.stdout


def test_only_so_many_previous_runs_are_kept_each_with_its_own_backup(tmp_path, story):
    for run in range(saves.PREVIOUS_RUNS + 3):
        store = saves.SaveStore(tmp_path, story)
        state = engine.new_game(story)
        for _ in range(run + 1):
            state = engine.retry(story, engine.choose(story, state, 2))
            store.autosave(state)
    names = sorted(p.name for p in (tmp_path / "night-vault").iterdir())
    kept = ["autosave"] + [saves.previous_run(n) for n in range(1, saves.PREVIOUS_RUNS + 1)]
    assert names == sorted([saves.OWNER] + [f"{n}.json" for n in kept] + [f"{n}.json.bak" for n in kept])
    for n, name in enumerate(kept):  # each backup is its own run's, one turn behind
        store = saves.SaveStore(tmp_path, story)
        older, newer = store.load(name + ".bak")[0], store.load(name)[0]
        assert older.visits["alley"] == newer.visits["alley"] - 1
        assert newer.visits["alley"] == saves.PREVIOUS_RUNS + 4 - n  # run r visits the alley r + 2 times


def test_what_the_game_writes_at_the_number_limit_it_loads(tmp_path, story):
    store = saves.SaveStore(tmp_path, story)
    state = engine.new_game(story).evolve(turn=LIMIT, draws=LIMIT)
    state = state.evolve(visits=state.visits.set(state.scene, LIMIT))
    store.save("edge", state)
    loaded, _ = store.load("edge")
    after = engine.choose(story, loaded, 1)
    store.save("edge", after)
    assert store.load("edge")[0].turn == LIMIT


def test_an_empty_slot_name_on_the_command_line_is_refused(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\n", env=env)
    before = (tmp_path / "night-vault" / "autosave.json").read_bytes()
    for name in ("", "here\n"):
        result = run_game("play", "examples/night-vault", "--load", name, input="1\n", env=env)
        assert result.returncode == 1 and "is not a valid save name" in result.stderr
        assert "Traceback" not in result.stderr
    assert (tmp_path / "night-vault" / "autosave.json").read_bytes() == before
    assert not (tmp_path / "night-vault" / "previous-run.json").exists()


def test_slot_names_with_a_final_newline_are_refused():
    with pytest.raises(SaveError):
        saves.check_slot("here\n")


def test_a_story_with_the_same_id_never_shares_the_save_folder(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")}
    other = tmp_path / "other"
    other.mkdir()
    (other / "story.yaml").write_text("id: night-vault\ntitle: Somebody Else's Heist\nversion: '1'\nstart: a\n")
    (other / "a.yaml").write_text("scenes:\n  a:\n    title: A\n    text: Nothing here.\n    choices:\n"
                                  "      - label: Go\n        goto: b\n  b:\n    title: B\n    text: Done.\n"
                                  "    ending: {kind: victory, title: Done}\n")
    run_game("examples/night-vault", input="1\nsave mine\n", env=env)
    folder = tmp_path / "saves" / "night-vault"
    mine = (folder / "mine.json").read_bytes()
    autosave = (folder / "autosave.json").read_bytes()
    for args, stdin in (([str(other)], "save mine\n1\n"), (["saves", str(other)], ""),
                        (["play", str(other), "--load", "mine"], "")):
        result = run_game(*args, input=stdin, env=env)
        assert result.returncode == 1, args
        assert "holds the saves of 'The Night Vault', which has the same id 'night-vault'" in result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert (folder / "mine.json").read_bytes() == mine and (folder / "autosave.json").read_bytes() == autosave
    assert not (folder / "previous-run.json").exists()
    moved = run_game(str(other), "--save-dir", str(tmp_path / "elsewhere"), input="1\n", env=env)
    assert moved.returncode == 0 and (tmp_path / "elsewhere" / "night-vault" / "autosave.json").exists()


def test_a_new_version_of_the_same_story_keeps_its_saves(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")}
    copy = tmp_path / "vault"
    shutil.copytree(VAULT, copy)
    run_game(str(copy), input="1\nsave mine\n", env=env)
    manifest = copy / "story.yaml"
    manifest.write_text(manifest.read_text().replace("version:", "title: The Night Vault, Revised\nversion:", 1)
                        if "title:" not in manifest.read_text() else
                        "\n".join(line if not line.startswith("title:") else "title: The Night Vault, Revised"
                                  for line in manifest.read_text().splitlines()) + "\n")
    again = run_game("play", str(copy), "--load", "mine", input="quit\n", env=env)
    assert again.returncode == 0 and "Resuming 'mine'" in again.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_save_never_hangs_a_start_or_a_listing(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\n", env=env)
    os.mkfifo(tmp_path / "night-vault" / "pipe.json")
    started = run_game("examples/night-vault", input="quit\n", env=env, timeout=30)
    assert started.returncode == 0 and "Your last run is saved (turn 1" in started.stdout
    listing = run_game("saves", "examples/night-vault", env=env, timeout=30).stdout
    assert "pipe" in listing and "(cannot be loaded: it is not a regular file)" in listing
    resumed = run_game("--continue", "examples/night-vault", input="quit\n", env=env, timeout=30)
    assert "Resuming 'autosave' (turn 1)." in resumed.stdout
    loaded = run_game("play", "examples/night-vault", "--load", "pipe", env=env, timeout=30)
    assert loaded.returncode == 1 and "it is not a regular file" in loaded.stderr


def test_a_listing_reads_each_saves_head_not_the_whole_file(tmp_path, story, monkeypatch):
    store = saves.SaveStore(tmp_path, story)
    state = engine.new_game(story)
    for i in range(10):
        path = store.save(f"big{i}", state)
        raw = path.read_bytes()  # the same save with 4 MB more of undo-free padding in its state
        cut = raw.index(b',"state":') + len(b',"state":')
        path.write_bytes(raw[:cut] + b'{"pad":"' + b"x" * (4 << 20) + b'",' + raw[cut + 1:])
    read = []
    real = saves.open_regular

    def counting(path):
        handle = real(path)
        original = handle.read

        def counted(n=-1):
            data = original(n)
            read.append(len(data))
            return data
        handle.read = counted
        return handle

    monkeypatch.setattr(saves, "open_regular", counting)
    listed = saves.SaveStore(tmp_path, story).slots()
    assert [s.problem for s in listed] == [None] * 10 and {s.turn for s in listed} == {0}
    assert 0 < sum(read) <= 10 * (saves.HEAD_BYTES + 1)


SAVER = """
import sys
from pathlib import Path
from game.core import engine
from game.saves import store as saves
from game.story import loader
story = loader.load_story(Path(sys.argv[2]))
store = saves.SaveStore(Path(sys.argv[1]), story)
state = engine.new_game(story)
for _ in range(150):
    store.save("slot", state)
"""


def test_concurrent_saves_to_one_slot_leave_no_temporary_files(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "night-vault"
    folder.mkdir()
    dead = folder / ".slot.json.pid999999999.left.bak.tmp"  # a writer killed mid-save: its process is gone
    dead.write_text("half")
    os.utime(dead, (time.time() - 120, time.time() - 120))  # two minutes ago
    young = folder / ".slot.json.pid999999998.inflight.tmp"  # gone too, but just now: maybe another container's
    young.write_text("half")
    savers = [subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path), str(VAULT)], cwd=ROOT)
              for _ in range(4)]
    assert [p.wait(timeout=120) for p in savers] == [0] * 4
    assert sorted(p.name for p in folder.iterdir()) == [".slot.json.pid999999998.inflight.tmp", ".story.json",
                                                         "slot.json", "slot.json.bak"]
    story = loader.load_story(VAULT)
    store = saves.SaveStore(tmp_path, story)
    assert store.load("slot")[0].turn == 0 and store.load("slot.bak")[0].turn == 0


def test_a_slot_that_links_outside_never_gets_a_backup_of_the_outside_file(tmp_path, story):
    store = saves.SaveStore(tmp_path / "saves", story)
    outside = tmp_path / "outside.json"
    store.save("mine", engine.new_game(story))
    outside.write_bytes(store.path("mine").read_bytes())
    store.path("mine").unlink()
    store.path("mine").symlink_to(outside)
    before = outside.read_bytes()
    store.save("mine", engine.choose(story, engine.new_game(story), 1))
    assert outside.read_bytes() == before and outside.stat().st_nlink == 1  # untouched, no second name
    assert not store.path("mine").is_symlink() and store.load("mine")[0].turn == 1
    backup = store.path("mine.bak")
    assert not backup.exists()  # a link is never kept as a backup, so nothing can reach outside through it


def _other_story(tmp_path, title: str, start: str = "alley") -> Path:
    other = tmp_path / "elsewhere" / "story"
    other.mkdir(parents=True)
    (other / "story.yaml").write_text(f"id: night-vault\ntitle: {title}\nversion: '1'\nstart: {start}\n")
    (other / "a.yaml").write_text(f"scenes:\n  {start}:\n    title: A\n    text: Nothing here.\n    choices:\n"
                                  f"      - label: Go\n        goto: b\n  b:\n    title: B\n    text: Done.\n"
                                  "    ending: {kind: victory, title: Done}\n")
    return other


def test_the_same_id_and_start_scene_is_not_enough_to_share_saves(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")}
    run_game("examples/night-vault", input="1\nsave mine\n", env=env)
    mine = (tmp_path / "saves" / "night-vault" / "mine.json").read_bytes()
    other = _other_story(tmp_path, "A Different Heist")  # same id, same start scene 'alley'
    result = run_game(str(other), input="save mine\n", env=env)
    assert result.returncode == 1 and "holds the saves of 'The Night Vault'" in result.stderr
    assert (tmp_path / "saves" / "night-vault" / "mine.json").read_bytes() == mine


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_the_folders_marker_never_hangs(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    (tmp_path / "night-vault").mkdir()
    os.mkfifo(tmp_path / "night-vault" / ".story.json")
    for args in (["examples/night-vault"], ["saves", "examples/night-vault"]):
        assert run_game(*args, input="1\n", env=env, timeout=30).returncode == 0


def test_a_save_from_a_newer_game_is_never_thrown_away(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\nthermos\n", env=env)
    folder = tmp_path / "night-vault"
    data = json.loads((folder / "autosave.json").read_text())
    data["version"] = 99
    newer = json.dumps(data)
    (folder / "autosave.json").write_text(newer)
    (folder / "autosave.json.bak").unlink()
    resumed = run_game("--continue", "examples/night-vault", input="1\n", env=env)
    assert "made by a newer Dead Reckoning" in resumed.stdout
    kept = [p for p in folder.iterdir() if p.is_file() and p.read_text(errors="replace") == newer]
    assert kept, sorted(p.name for p in folder.iterdir())  # still there, under some name


def test_a_save_reindented_by_hand_is_listed_and_continued(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="1\nthermos\n", env=env)
    path = tmp_path / "night-vault" / "autosave.json"
    data = json.loads(path.read_text())
    data["padding"] = "x" * 70_000  # pushed past the 64 KB a listing reads first
    path.write_text(json.dumps(data, indent=4, sort_keys=True))
    listing = run_game("saves", "examples/night-vault", env=env).stdout
    assert "autosave" in listing and "turn 2" in listing and "cannot be loaded" not in listing
    resumed = run_game("--continue", "examples/night-vault", input="quit\n", env=env)
    assert "Resuming 'autosave' (turn 2)." in resumed.stdout


def test_loading_keeps_the_run_it_replaces(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    result = run_game("examples/night-vault", input="1\nsave here\nthermos\nload here\n1\nsaves\nload before-load\n",
                      env=env)
    assert "The run you left is kept as 'before-load'." in result.stdout
    assert "before-load" in result.stdout.split("Saved games (newest first):")[1]
    assert "Loaded 'before-load' (turn 2)." in result.stdout  # the replaced run, whole
    assert result.stdout.count("kept as 'before-load'") == 2  # loading it back keeps the run it leaves: a swap
    again = run_game("examples/night-vault", "--load", "before-load", input="quit\n", env=env)
    assert "Resuming 'before-load' (turn 2)." in again.stdout  # the loaded game played one choice on: kept


def test_loading_twice_without_playing_keeps_the_first_run_left(tmp_path):
    """Load, then load another without a choice between: 'before-load' still
    holds the run that was being played, not the save loaded a moment ago."""
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    run_game("examples/night-vault", input="save start\n1\nsave corridor\n", env=env)
    result = run_game("examples/night-vault", input="1\nthermos\nload start\nload corridor\n", env=env)
    assert "still kept as 'before-load'" in result.stdout
    kept = run_game("examples/night-vault", "--load", "before-load", input="quit\n", env=env)
    assert "Resuming 'before-load' (turn 2)." in kept.stdout  # the run played to turn 2, not 'start' (turn 0)


def test_the_summary_counts_every_choice_made_retries_included(story):
    from game.core.session import Session

    session = Session(story)
    session.start()
    for line in ("knock", "1", "1"):  # caught; retry from the checkpoint (a menu, not a choice); the corridor
        session.handle(line)
    assert session.summary() == "3 scenes seen, 2 choices made."  # alley, caught, corridor; knock, then 1
    session.handle("undo")
    assert session.summary() == "2 scenes seen, 1 choice made."  # undo takes the corridor back too
