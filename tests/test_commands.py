"""Turning typed input into actions."""

from __future__ import annotations

import pytest

from game.core.commands import Command, Hint, Pick, parse

LABELS = ["Follow the tracks", "Climb the ridge on foot", "Signal with a mirror", "Climb down"]


def test_numbers_pick():
    assert parse("2", LABELS) == Pick(2)
    assert parse("  3 \n", LABELS) == Pick(3)


def test_partial_label_picks_when_unique():
    assert parse("tracks", LABELS) == Pick(1)
    assert parse("MIRROR", LABELS) == Pick(3)
    assert parse("ridge foot", LABELS) == Pick(2)
    assert parse("foot ridge", LABELS) == Pick(2)  # words in any order


def test_ambiguous_label_gets_a_short_hint():
    action = parse("climb", LABELS)
    assert isinstance(action, Hint)
    assert "2. Climb the ridge on foot" in action.message and "4. Climb down" in action.message


def test_unknown_input_gets_a_hint():
    assert isinstance(parse("dance", LABELS), Hint)
    assert isinstance(parse("", LABELS), Hint)
    assert isinstance(parse("9" * 50, LABELS), Hint)


def test_commands_and_aliases():
    assert parse("look", LABELS) == Command("look")
    assert parse("i", LABELS) == Command("status")
    assert parse("inventory", LABELS) == Command("status")
    assert parse("Q", LABELS) == Command("quit")
    assert parse("save before-venice", LABELS) == Command("save", "before-venice")
    assert parse("load", LABELS) == Command("load")


def test_label_wins_over_a_command_word_with_more_words():
    labels = ["Look around the hangar", "Leave"]
    assert parse("look around", labels) == Pick(1)


@pytest.mark.parametrize("typed, labels, number", [
    ("back", ["Back away from the door", "Run"], 1),
    ("look", ["Look around the hangar", "Leave"], 1),
    ("l", ["Run", "Leave the Widow to her guests"], 2),
    ("save grace", ["Save Grace from the canal", "Run"], 1),
])
def test_a_command_word_that_starts_a_choice_asks_which_was_meant(typed, labels, number):
    action = parse(typed, labels)
    assert isinstance(action, Hint) and f"choice {number}, '{labels[number - 1]}'" in action.message
    assert "for the command" in action.message


def test_the_command_asked_about_can_always_be_run():
    labels = ["Look around the room", "Save the girl", "Back away"]
    asked = parse("look", labels)
    assert isinstance(asked, Hint) and "type '/look' for the command" in asked.message
    assert parse("/look", labels) == Command("look")
    assert parse("/save here", labels) == Command("save", "here")
    assert parse("/back", labels) == Command("undo")


def test_a_command_word_that_starts_no_choice_is_the_command():
    assert parse("back", ["Run", "Hide"]) == Command("undo")
    assert parse("l", ["Run", "Hide"]) == Command("look")
    assert parse("save here", ["Run", "Hide"]) == Command("save", "here")


def test_display_edge_neutralises_control_characters():
    from game.core.render import safe

    hostile = "red\x1b[31m bell\x07 osc\x1b]0;title\x07 c1\x9b2J rtl\u202e"
    cleaned = safe(hostile)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in cleaned)
    assert cleaned.startswith("red\ufffd[31m")
