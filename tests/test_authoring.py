"""Authoring tools: test (exploration, random runs, coverage, transcripts),
graph, stats, and live editing (jump in, reload, watch)."""

from __future__ import annotations

import json
import shutil
import time

import pexpect
import pytest

from conftest import ROOT, game_env, run_game, write_story
from game.core import engine
from game.story import loader
from game.core.session import Message, SceneShown, Session

VAULT = ROOT / "examples" / "night-vault"

TRAP = """\
scenes:
  start:
    title: Start
    text: A corridor of doors.
    choices:
      - {label: Take the key, goto: hall, effects: {give: key}}
      - {label: Go without it, goto: hall}
  hall:
    title: Hall
    text: A locked door and a painted one.
    choices:
      - {label: Unlock the door, goto: end, if: {has: key}}
      - {label: Open the painted door, goto: end, if: {counter: luck, at_least: 5}}
      - {label: Rub the lamp, goto: hall, once: true, effects: {add: {luck: 1}}}
  end:
    title: End
    text: Out.
    ending: {kind: victory, title: Out}
"""


@pytest.mark.parametrize("folder", ["scenes", "examples/night-vault"])
def test_bundled_story_and_examples_pass(folder):
    result = run_game("test", folder, "--random", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("test: ok;")
    assert "(complete)" in result.stdout


def test_stuck_states_are_found_with_the_shortest_path(tmp_path):
    folder = write_story(tmp_path / "s", TRAP, manifest_extra="initial: {counters: {luck: 0}}\n")
    result = run_game("test", str(folder), "--random", "0")
    assert result.returncode == 1
    stuck = [line for line in result.stdout.splitlines() if "stuck in scene 'hall'" in line]
    assert len(stuck) == 1  # one state: no key, lamp rubbed once
    assert stuck[0].startswith(f"{folder}/scenes.yaml:8:3: error: stuck in scene 'hall'")
    assert "after: 2. Go without it > 1. Rub the lamp" in stuck[0]
    assert "never taken: choice 'Open the painted door'" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("test: 1 problem;")


def test_random_runs_are_reproducible_by_seed():
    def report(seed):
        result = run_game("test", "scenes", "--random", "30", "--seed", str(seed), "--json", "--limit", "2000")
        found = json.loads(result.stdout)["random"]
        assert found.pop("choices_per_second") > 0  # the one figure that depends on the machine
        return found
    first, again, other = report(7), report(7), report(8)
    assert first == again
    assert first != other
    assert first["runs"] == 30 and sum(first["endings"].values()) >= 30


def test_no_retry_ends_each_run_at_its_first_ending():
    result = json.loads(run_game("test", "scenes", "--random", "40", "--no-retry", "--json", "--limit", "2000").stdout)
    assert sum(result["random"]["endings"].values()) == 40


def test_coverage_json_lists_what_was_never_reached(tmp_path):
    folder = write_story(tmp_path / "s", TRAP, manifest_extra="initial: {counters: {luck: 0}}\n")
    report = json.loads(run_game("test", str(folder), "--random", "5", "--json").stdout)
    missed = report["coverage"]["choices"]["missed"]
    assert [c["label"] for c in missed] == ["Open the painted door"]
    assert missed[0]["line"] == 13
    assert report["coverage"]["scenes"] == {"total": 3, "reached": 3, "missed": []}
    assert report["problems"] == 1


def test_transcript_mismatch_shows_a_diff_and_update_blesses_it(tmp_path):
    story = tmp_path / "vault"
    shutil.copytree(VAULT, story)
    for old in story.glob("*.transcript"):
        old.unlink()
    (story / "mine.transcript").write_text("# mine\n> 1\n== The Corridor ==\nNoise so far: 7.\n")
    failed = run_game("test", str(story), "--random", "0")
    assert failed.returncode == 1
    assert "mine.transcript:4: after '> 1', the game did not show what was expected" in failed.stdout
    assert "-Noise so far: 7." in failed.stdout and "+Noise so far: 0." in failed.stdout
    blessed = run_game("test", str(story), "--random", "0", "--update")
    assert "re-recorded" in blessed.stdout
    text = (story / "mine.transcript").read_text()
    assert text.startswith("# mine\n") and "Noise so far: 0." in text and "> 1" in text
    assert run_game("test", str(story), "--random", "0").returncode == 0


def test_transcripts_also_run_through_a_save_and_load(tmp_path, monkeypatch):
    """A game whose state did not survive a save would fail the second run."""
    from game.core import codec as savefile
    from game.author import transcripts

    story = loader.load_story(VAULT)
    path = VAULT / "quiet-way-in.transcript"
    assert transcripts.run(story, path, "t").passed
    real = savefile.decode

    def forgetful(story_, data):
        state, notes = real(story_, data)
        return engine.new_game(story_), notes  # loses progress
    monkeypatch.setattr(savefile, "decode", forgetful)
    result = transcripts.run(story, path, "t")
    assert not result.passed and "(after a save and load)" in result.failures[0]


def test_graph_mermaid_and_dot():
    mermaid = run_game("graph", "scenes").stdout
    assert mermaid.startswith("flowchart TD")
    assert mermaid.count("subgraph ") == 8 and '["5. Venice"]' in mermaid
    assert '-->|"heat >= 3"| s_venice_gate_known' in mermaid
    assert "class " in mermaid and "victory" in mermaid and "failure" in mermaid
    dot = run_game("graph", "scenes", "--format", "dot").stdout
    assert dot.startswith('digraph "dead-reckoning"') and dot.count("subgraph cluster_") == 8
    assert '"desert_key" -> "desert_parting" [label="ilsa_trust >= 2", style=dashed];' in dot


def test_graph_one_chapter():
    titles = {s.id: s.title for s in loader.load_story(ROOT / "scenes").scenes.values()}
    venice = run_game("graph", "scenes", "--chapter", "5").stdout
    assert venice.count("subgraph ") == 1 and "s_venice_bridge" in venice and "s_desert_drop[" not in venice
    assert f's_train_boarding>"{titles["train_boarding"]} (6. The Orient Express)"]' in venice  # exits as stubs
    missing = run_game("graph", "scenes", "--chapter", "Atlantis")
    assert missing.returncode == 1 and "chapters: Prologue: The Sevastopol; 1. The Empty Quarter" in missing.stderr


def test_docs_story_map_is_current():
    doc = (ROOT / "docs" / "story-map.md").read_text()
    assert "```mermaid\n" + run_game("graph", "scenes").stdout + "```" in doc


def test_stats():
    out = run_game("stats", "scenes", "--runs", "50").stdout
    story = loader.load_story(ROOT / "scenes")
    chapters = len({s.chapter for s in story.scenes.values()})
    kinds = [s.ending.kind for s in story.scenes.values() if s.ending]
    assert f"{len(story.scenes)} in {chapters} chapters" in out
    assert f"({kinds.count('victory')} victory, {kinds.count('failure')} failure)" in out
    assert "shortest / median / longest of 50 random runs" in out
    assert "shortest win" in out


def test_stats_walkthrough_measures_each_screen(tmp_path):
    """Words, single-choice screens and repeats along answers a player types;
    a wrong answer is named by its line."""
    walkthrough = tmp_path / "walk.txt"
    walkthrough.write_text("ask what\n# comments are skipped\ntip\nphone\nput\nride\nmarket\n")
    result = run_game("stats", str(ROOT / "examples" / "the-courier"), "--walkthrough", str(walkthrough))
    assert result.returncode == 0, result.stderr
    from game.author import walk

    story = loader.load_story(ROOT / "examples" / "the-courier")
    screens = walk.walk(story, ["ask what", "tip", "phone", "put", "ride", "market"])
    assert [s.scene for s in screens] == ["depot", "depot", "depot", "phone", "depot", "crossroads", "market"]
    assert screens[1].paragraphs[0].startswith("Marta's pen stops")  # a reply alone, not the scene again
    assert [s.offered for s in screens[:4]] == [4, 3, 2, 1]
    words = sum(s.words for s in screens)
    assert f"One Night        7  {words:>6}              1          0" in result.stdout
    assert "screen 3 (phone) offers one choice" in result.stdout
    walkthrough.write_text("ask what\n\nfly\n")
    bad = run_game("stats", str(ROOT / "examples" / "the-courier"), "--walkthrough", str(walkthrough))
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == f"{walkthrough}:3: 'fly' in scene 'depot': No choice matches 'fly'\n"
    for content, reason in [(None, "No such file or directory"), (b"ask \xff\n", "not UTF-8 text"),
                            (b"#" * (1024 * 1024 + 1), "larger than 1,048,576 bytes")]:
        missing = tmp_path / "other.txt"
        if content is not None:
            missing.write_bytes(content)
        unread = run_game("stats", str(ROOT / "examples" / "the-courier"), "--walkthrough", str(missing))
        assert unread.returncode == 1 and unread.stdout == ""
        assert unread.stderr == f"stats: cannot read walkthrough {missing}: {reason}\n"


def test_walk_flags_a_screen_that_repeats_the_one_before(tmp_path):
    from game.author import walk

    write_story(tmp_path, """
    scenes:
      start:
        title: Hall
        text: A long hall.
        choices:
          - {label: Look around, goto: start}
          - {label: Leave, goto: out}
      out:
        title: Out
        text: Outside.
        ending: {kind: victory, title: Out}
    """)
    story = loader.load_story(tmp_path)
    screens = walk.walk(story, ["around", "leave"])
    assert [s.repeats for s in screens] == [(), ("A long hall.",), ()]


# ----------------------------------------------------------- live editing

def test_play_start_set_give():
    story = loader.load_story(ROOT / "scenes")
    result = run_game("play", "--start", "venice_night", "--set", "ilsa_trust=1", "--give", "key_half_desert",
                      input="status\ncarry\nask ilsa what\n")
    assert f"== {story.scenes['venice_night'].title} ==" in result.stdout
    assert "You carry: the desert half of the cruciform key." in result.stdout
    assert "Ilsa's trust in you: 1" in result.stdout
    assert "Send me to her" in result.stdout  # what she says at trust 1 and more
    spared = engine.start_at(story, "finale_last_car", flags={"paris_spared": True, "ilsa_died": True})
    assert "Take Paris's hand" in [o.label for o in engine.options(story, spared)]
    alive = engine.start_at(story, "finale_last_car", flags={"paris_killed": True})
    assert "Take Ilsa's hand" in [o.label for o in engine.options(story, alive)]


@pytest.mark.parametrize("args, message", [
    (["--start", "venice_brige"], "there is no scene 'venice_brige' (did you mean 'venice_bridge'?)"),
    (["--set", "grace_trst=2"], "no flag or counter 'grace_trst' (did you mean 'grace_trust'?)"),
    (["--set", "paris_spared=7"], "'paris_spared' is a flag: set it to true or false"),
    (["--set", "heat"], "--set takes NAME=VALUE"),
    (["--give", "key_half"], "no item 'key_half'"),
])
def test_play_jump_mistakes_are_one_line(args, message):
    result = run_game("play", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def _editable_story(tmp_path):
    story = tmp_path / "vault"
    shutil.copytree(VAULT, story)
    return story


def test_reload_keeps_the_place_and_survives_a_broken_edit(tmp_path):
    folder = _editable_story(tmp_path)
    session = Session(loader.load_story(folder), reloader=lambda: loader.load_all(folder))
    session.handle("1")
    assert session.state.scene == "corridor"
    bank = folder / "bank.yaml"
    good = bank.read_text()
    bank.write_text(good.replace("The corridor smells of floor polish.", "The corridor smells of bleach."))
    events = session.handle("reload")
    assert events[0].lines[0] == "Story reloaded; your place is kept."
    assert session.state.scene == "corridor" and session.state.turn == 1
    assert "The corridor smells of bleach." in session.view().paragraphs[0]
    bank.write_text(good.replace("goto: vault", "goto: vualt"))
    events = session.handle("reload")
    assert isinstance(events[0], Message) and events[0].kind == "error"
    assert "still playing the version before them" in events[0].lines[0]
    assert any("unknown scene 'vualt' (did you mean 'vault'?)" in line for line in events[0].lines)
    assert "bleach" in session.view().paragraphs[0]  # the old story goes on
    assert isinstance(session.handle("1")[0], SceneShown)


def test_watch_reloads_when_a_file_changes(tmp_path):
    folder = _editable_story(tmp_path)
    import sys

    env = game_env(tmp_path)
    child = pexpect.spawn(sys.executable, ["-m", "game", "play", "--plain", "--watch", str(folder)], cwd=str(ROOT),
                          env=env, encoding="utf-8", timeout=15)
    try:
        child.expect_exact("== The Alley ==")
        child.expect_exact("> ")
        time.sleep(0.2)
        bank = folder / "bank.yaml"
        bank.write_text(bank.read_text().replace("Rain needles the alley", "Snow buries the alley"))
        child.expect_exact("Story reloaded; your place is kept.")
        child.expect_exact("Snow buries the alley")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_reload_command_is_listed_in_help():
    from game.core.commands import help_lines

    assert any(line.strip().startswith("reload") for line in help_lines())


def test_tools_reject_negative_bounds():
    result = run_game("test", "--random", "-1")
    assert result.returncode == 2 and "cannot be negative" in result.stderr
