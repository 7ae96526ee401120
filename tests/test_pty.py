"""The real thing: `dead-reckoning` in a pseudo-terminal, played with keys.
Expected titles come from the story itself, so the test follows story edits."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest

from conftest import game_env
from game.core import engine
from game.story import loader
from game.paths import bundled_story


def _command() -> tuple[str, list[str]]:
    script = Path(sys.executable).parent / "dead-reckoning"
    if script.exists():
        return str(script), []
    return sys.executable, ["-m", "game"]


@pytest.mark.skipif(not hasattr(os, "fork") or shutil.which("stty") is None, reason="needs a POSIX pty")
def test_play_two_choices_and_quit_in_a_real_terminal(tmp_path):
    story = loader.load_story(bundled_story())
    state = engine.new_game(story)
    titles = [story.scenes[state.scene].title]
    picks = []
    for _ in range(2):  # prefer choices that do not end the run
        options = [o for o in engine.options(story, state) if o.enabled]
        option = next((o for o in options if o.choice.goto and not story.scenes[o.choice.goto].ending), options[0])
        picks.append(option.number)
        state = engine.choose(story, state, option.number)
        titles.append(story.scenes[state.scene].title)

    from pty_screen import Term

    term = Term([], game_env(tmp_path), 30, 100)
    term.wait_for(titles[0])
    term.wait_for("Turn 0")  # the toolbar: the screen is drawn
    for turn, (pick, title) in enumerate(zip(picks, titles[1:]), 1):
        term.read_to_the_end()
        term.send(f"{pick}\r")
        term.wait(lambda t: f"Turn {turn}" in t.lines[-1])
        term.wait_for(title)
    term.send("quit\r")
    status = term.close()
    assert status == 0
    assert (tmp_path / "d" / "dead-reckoning" / "history" / f"{story.id}.history").exists()


@pytest.mark.skipif(not hasattr(os, "fork") or shutil.which("stty") is None, reason="needs a POSIX pty")
def test_save_quit_and_resume_in_a_real_terminal(tmp_path):
    env = game_env(tmp_path)
    program, args = _command()
    vault = str(Path(__file__).resolve().parent.parent / "examples" / "night-vault")

    child = pexpect.spawn(program, args + [vault], env=env, dimensions=(30, 100), encoding="utf-8", timeout=20)
    child.expect_exact("Turn 0")
    child.send("1\r\x0c")
    child.expect_exact("The Corridor")
    child.send("save mine\r\x0c")
    child.expect_exact("Saved as 'mine'.")
    child.send("thermos\r\x0c")
    child.expect_exact("Turn 2")
    child.send("\x04")  # Ctrl-D
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    child = pexpect.spawn(program, args + [vault, "--continue"], env=env, dimensions=(30, 100), encoding="utf-8",
                          timeout=20)
    child.expect_exact("Resuming 'autosave' (turn 2).")
    child.expect_exact("Turn 2")
    child.send("load mine\r\x0c")
    child.expect_exact("Loaded 'mine' (turn 1).")
    child.expect_exact("Turn 1")
    child.send("quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
