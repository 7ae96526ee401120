"""Endings remembered across runs: `dead-reckoning endings`, the line after
each ending, kept in the data folder (never in saves), written atomically,
untouched by undo, load or an author's jump."""

from __future__ import annotations

import json
import os

from conftest import run_game

WIN = "1\nthermos\nlift\nswipe\ntake the ledger\n"


def record() -> dict:
    path = os.path.join(os.environ["XDG_DATA_HOME"], "dead-reckoning", "endings", "night-vault.json")
    with open(path) as handle:
        return json.load(handle)


def test_endings_are_remembered_across_runs_and_listed():
    empty = run_game("endings", "--example", "night-vault")
    assert empty.returncode == 0
    assert empty.stdout.splitlines() == ["The Night Vault: 0/2 endings found", "Victories (0/1):", "  ???",
                                         "Failures (0/1):", "  ???"]
    won = run_game("play", "--example", "night-vault", "--plain", input=WIN + "undo\n")
    assert "Endings found: 1 of 2 ('dead-reckoning endings' lists them)." in won.stdout
    caught = run_game("play", "--example", "night-vault", "--plain", input="knock\n")
    assert "Endings found: 2 of 2" in caught.stdout
    listing = run_game("endings", "--example", "night-vault").stdout.splitlines()
    assert listing[0] == "The Night Vault: 2/2 endings found"
    assert listing[2].startswith("  Clean Exit") and "first reached in run 1," in listing[2]
    assert listing[4].startswith("  Caught in the Act") and "first reached in run 2," in listing[4]
    kept = record()
    assert kept["runs"] == 2 and set(kept["found"]) == {"street", "caught"}
    saves = os.environ["DEAD_RECKONING_SAVE_DIR"]
    assert not any("ending" in name for _, _, names in os.walk(saves) for name in names)  # never in saves


def test_reaching_an_ending_again_counts_once_and_undo_takes_nothing_back():
    run_game("play", "--example", "night-vault", "--plain", input=WIN + "undo\ntake the ledger\nundo\n")
    assert list(record()["found"]) == ["street"]
    again = run_game("play", "--example", "night-vault", "--plain", input=WIN)
    assert "Endings found: 1 of 2" in again.stdout and record()["found"]["street"]["run"] == 1


def test_an_authors_jump_finds_no_endings_and_a_damaged_record_starts_again():
    run_game("play", "--example", "night-vault", "--start", "vault", "--plain", input="take the ledger\n")
    listing = run_game("endings", "--example", "night-vault").stdout
    assert "0/2 endings found" in listing
    path = os.path.join(os.environ["XDG_DATA_HOME"], "dead-reckoning", "endings", "night-vault.json")
    assert not os.path.exists(path)  # the jump wrote nothing
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as handle:
        handle.write("{not json")
    won = run_game("play", "--example", "night-vault", "--plain", input=WIN)
    assert won.returncode == 0 and "Endings found: 1 of 2" in won.stdout


def test_two_games_at_once_keep_both_finds_and_each_its_own_run(tmp_path):
    """Two games of one story open side by side (two terminals): each
    begins its own run, and what each finds is kept, whichever ends last."""
    from game.paths import examples_folder
    from game.saves.endings import EndingsBook
    from game.story import loader

    story = loader.load_story(examples_folder() / "night-vault")
    one, two = EndingsBook(tmp_path, story), EndingsBook(tmp_path, story)
    one.begin_run()
    two.begin_run()
    one.reached("street")
    two.reached("caught")
    kept = json.loads((tmp_path / "endings" / f"{story.id}.json").read_text())
    assert kept["runs"] == 2
    assert kept["found"]["street"]["run"] == 1 and kept["found"]["caught"]["run"] == 2
    assert "2/2 endings found" in EndingsBook(tmp_path, story).lines()[0]
