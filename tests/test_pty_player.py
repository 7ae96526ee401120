"""What a new player meets in the first minutes, in a real pseudo-terminal
read cell by cell (tests/pty_screen.py), at 80x24 and 60x20: choices never
hidden or mislabelled while typing, a [MORE] stop before a scene's choices,
hints wrapped whole, the chapter and turn kept in the status bar, and the
chosen label echoed in the story."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from conftest import game_env
from game.core import engine
from game.paths import bundled_story
from game.story import loader
from pty_screen import Term

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or shutil.which("stty") is None, reason="needs a POSIX pty")
SIZES = [(24, 80), (20, 60)]
STORY = loader.load_story(bundled_story())
FIRST = engine.new_game(STORY)
LABELS = [o.label for o in engine.options(STORY, FIRST)]
LAST_WORDS = " ".join(engine.view(STORY, FIRST).paragraphs[-1].split()[-3:])


def start(tmp_path, size, args: tuple[str, ...] = ()) -> Term:
    term = Term(list(args), game_env(tmp_path), *size)
    term.wait_for("Turn 0")
    return term


def read_to_the_end(term: Term) -> None:
    term.read_to_the_end()


def answer(term: Term, text: str) -> None:
    """What a player does: read the scene to its end, then type."""
    read_to_the_end(term)
    term.send(text + "\r")


def choice_rows(term: Term) -> list[str]:
    return [line for line in term.lines if re.match(r"^[ ›] ?\d\. ", line)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_the_end_of_a_scene_is_seen_before_its_choices_can_be_taken(tmp_path, size):
    term = start(tmp_path, size)
    assert "[MORE]" in term.text and LAST_WORDS not in term.text.replace("\n", " ")
    term.send("1\r")
    assert "Turn 0" in term.lines[-1] and "read to its end first" in term.text  # not taken yet
    term.send("\x15")  # clear the line
    read_to_the_end(term)
    assert LAST_WORDS in term.flat
    term.send("1\r")
    term.wait(lambda t: "Turn 1" in t.lines[-1])
    term.send("quit\r")
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_a_command_at_more_shows_its_answer_and_the_scene_still_waits(tmp_path, size):
    """help at [MORE] answers at once, but the scene's end, pushed out of
    sight, has still not been read: its choices wait, and reading on goes
    back to where reading stopped."""
    term = start(tmp_path, size)
    term.send("help\r")
    term.wait(lambda t: "Ctrl-D on an empty line" in t.flat)
    assert LAST_WORDS not in term.flat and "[MORE]" in term.text, term.text
    term.send("1\r")
    assert "Turn 0" in term.lines[-1] and "read to its end first" in term.flat  # not taken
    term.send("\x15")
    read_to_the_end(term)
    assert LAST_WORDS in term.flat, term.text
    term.send("1\r")
    term.wait(lambda t: "Turn 1" in t.lines[-1])
    term.send("quit\r")
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_enter_with_a_choice_typed_reads_on_and_says_when_the_end_is_reached(tmp_path, size):
    term = start(tmp_path, size)
    term.send("1")
    for _ in range(20):
        term.send("\r")
        if "press Enter again" in term.flat:
            break
        assert "read to its end first" in term.flat, term.text
    assert LAST_WORDS in term.flat and "Turn 0" in term.lines[-1], term.text
    term.send("\r")
    term.wait(lambda t: "Turn 1" in t.lines[-1])
    term.send("quit\r")
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_typing_never_hides_or_mislabels_a_choice(tmp_path, size):
    term = start(tmp_path, size)
    read_to_the_end(term)
    term.send("the")
    rows = choice_rows(term)
    assert len(rows) >= len(LABELS) - 1  # every choice still listed (a long one wraps)
    for number, label in enumerate(LABELS, 1):
        row = next(r for r in rows if re.match(rf"^[ ›] ?{number}\. ", r))
        words = label.split()[:2]
        assert row.split(f"{number}. ", 1)[1].startswith(" ".join(words)), row  # its own label, whole
        assert ("›" in row) == ("the" in label.lower()), row  # marked when it fits what is typed
    assert not any(re.search(r"\d\. .*\d\. ", r) for r in term.lines), term.text  # no pop-up over a row
    term.send("\t")
    fitting = [label for label in LABELS if "the" in label.lower()]
    assert f"> {fitting[0][:size[1] - 4]}" in term.text
    term.send("\x15quit\r")
    term.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_a_hint_is_wrapped_whole(tmp_path, size):
    term = start(tmp_path, size)
    read_to_the_end(term)
    term.send("the\r")
    term.wait(lambda t: "Type its number" in t.flat)
    assert max(len(line) for line in term.lines) <= size[1]
    term.send("\x15quit\r")
    term.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_the_status_bar_keeps_the_chapter_and_the_turn(tmp_path, size):
    term = start(tmp_path, size)
    bar = term.lines[-1]
    assert bar.startswith(" Prologue: The Sevastopol") and "Turn 0" in bar, bar
    term.send("quit\r")
    term.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_the_story_echoes_the_chosen_label(tmp_path, size):
    term = start(tmp_path, size)
    read_to_the_end(term)
    term.send("1\r")
    term.wait(lambda t: "Turn 1" in t.lines[-1])  # the pane opens at what was typed
    flat = term.flat
    assert f"> 1. {LABELS[0]}" in flat, term.text
    term.send("quit\r")
    term.close()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_commands_need_no_reading_on_and_help_names_the_keys(tmp_path, size):
    term = start(tmp_path, size)
    assert "[MORE]" in term.text
    term.send("help\r")
    term.wait(lambda t: "Ctrl-D on an empty line" in t.flat)
    term.send("\x03")  # Ctrl-C on an empty line says what it does
    term.wait(lambda t: "Ctrl-C clears what you typed" in t.flat)
    term.send("quit\r")  # at [MORE] too
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_plain_mode_in_a_terminal_wraps_at_its_width_on_word_boundaries(tmp_path, size):
    import pexpect

    from pty_screen import command

    program, extra = command()
    child = pexpect.spawn(program, extra + ["--plain"], env=game_env(tmp_path), dimensions=size, timeout=20)
    child.expect_exact("> ")
    shown = child.before.decode()
    child.sendline("quit")
    child.expect(pexpect.EOF)
    lines = shown.replace("\r\n", "\n").split("\n")
    assert max(len(line) for line in lines) < size[1]  # the terminal never has to break a word
    words = " ".join(engine.view(STORY, FIRST).paragraphs).split()
    assert " ".join(" ".join(lines).split()).count(" ".join(words[:12])) == 1  # the prose, whole and in order


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_plain_mode_follows_a_resize_and_ctrl_c_leaves_a_line_that_fits(tmp_path, size):
    import pexpect

    from pty_screen import command

    program, extra = command()
    child = pexpect.spawn(program, extra + ["--plain"], env=game_env(tmp_path), dimensions=size, timeout=20)
    child.expect_exact("> ")
    narrow = size[1] - 20
    child.setwinsize(size[0], narrow)
    child.sendline("look")
    child.expect_exact("> ")
    shown = child.before.decode().replace("\r\n", "\n").split("\n")
    assert max(len(line) for line in shown) < narrow, shown  # measured again, not once at the start
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    said = child.before.decode().replace("\r\n", "\n")
    assert child.exitstatus == 130 and "Traceback" not in said
    assert "interrupted (your progress is saved after every choice)" in " ".join(said.split())
    assert max(len(line) for line in said.split("\n")) < narrow, said


def test_plain_mode_into_a_pipe_keeps_a_paragraph_a_line():
    from conftest import run_game

    out = run_game("--plain", input="quit\n").stdout
    first = engine.view(STORY, FIRST).paragraphs[0]
    assert first in out.splitlines()


COMMAND_WORDS = """\
scenes:
  start:
    title: The Door
    text: Something moves behind the door. You could go in, or not.
    choices:
      - {label: Back away from the door, goto: out}
      - {label: Open it, goto: out}
  out:
    title: Out
    text: Done.
    ending: {kind: victory, title: Out}
"""


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_a_label_that_starts_with_a_command_word_is_asked_about_not_undone(tmp_path, size):
    from conftest import run_game, write_story

    folder = write_story(tmp_path / "s", COMMAND_WORDS)
    warned = run_game("check", str(folder))
    assert (f"{folder / 'scenes.yaml'}:6:9: warning: choice 'Back away from the door' starts with a command word"
            in warned.stderr + warned.stdout)
    term = Term([str(folder)], game_env(tmp_path), *size)
    term.wait_for("Turn 0")
    term.send("back\r")
    term.wait(lambda t: "is the command 'undo' and also the start of choice 1" in t.flat)
    assert "'/undo' for the command" in term.flat
    assert "Turn 0" in term.lines[-1]
    term.send("\x15back away\r")
    term.wait_for("Out")
    term.send("2\r")  # quit from the ending's menu
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_after_an_ending_the_game_says_how_many_have_been_found(tmp_path, size):
    term = start(tmp_path, size, ("play", "--example", "night-vault"))
    for turn, text in enumerate(["1", "thermos", "lift", "swipe", "take the ledger"], 1):
        answer(term, text)
        term.wait(lambda t: f"Turn {turn}" in t.lines[-1])
    read_to_the_end(term)
    term.wait(lambda t: "Endings found: 1 of 2" in t.flat)
    term.send("2\r")  # quit from the ending's menu
    assert term.close() == 0


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "60x20"])
def test_loading_mid_game_keeps_the_run_it_replaced(tmp_path, size):
    term = start(tmp_path, size, ("play", "--example", "night-vault"))
    for command in ("1", "save here", "thermos", "load here"):
        answer(term, command)
    term.wait(lambda t: "kept as 'before-load'" in t.flat)
    term.send("saves\r")
    term.wait_for("before-load")
    term.send("quit\r")
    assert term.close() == 0
