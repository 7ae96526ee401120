"""What the language server answers from (game.author.workspace), without
the protocol: renaming flags, items and counters with their saves entry,
the saves entry in every shape story.yaml may have, and what completion
offers where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import apply_edits
from game.author.workspace import Edit, RenameError, Workspace, saves_entry
from game.story import loader

def apply(path: Path, edits: list[Edit]) -> None:
    apply_edits(path, [(e.line, e.col, e.end_line, e.end_col, e.text) for e in edits])


def rename(folder: Path, kind: str, old: str, new: str) -> None:
    ws = Workspace(folder)
    ws.refresh()
    for path, edits in ws.rename(kind, old, new).items():
        apply(path, edits)


@pytest.mark.parametrize("kind, old, new", [("flag", "guard_asleep", "guard_dozing"),
                                            ("item", "keycard", "swipe_card"),
                                            ("counter", "noise", "racket")])
def test_renaming_a_name_changes_every_use_and_records_it_for_saves(vault, kind, old, new):
    before = loader.load_story(vault)
    uses = len(before.symbols.get(kind, old).uses)
    rename(vault, kind, old, new)
    after = loader.load_story(vault)  # loads: nothing left pointing at the old name
    assert after.symbols.get(kind, old) is None and len(after.symbols.get(kind, new).uses) == uses
    assert after.migration.renamed[kind + "s"] == {old: new}


def test_a_save_made_before_a_scene_rename_still_loads(vault, tmp_path):
    from game.core import codec, engine

    story = loader.load_story(vault)
    state = engine.choose(story, engine.new_game(story), 1)  # in the corridor
    data = json.loads(codec.dumps(story, state, "2026-11-22"))
    rename(vault, "scene", "corridor", "hallway")
    renamed = loader.load_story(vault)
    loaded, _ = codec.decode(renamed, data)
    assert loaded.scene == "hallway"


@pytest.mark.parametrize("manifest, expected", [
    ("id: x\n", "saves:\n  renamed:\n    scenes:\n      a: b\n"),
    ("id: x\nsaves:\n  defaults:\n    flags: [f]\n", "saves:\n  renamed:\n    scenes:\n      a: b\n  defaults:"),
    ("saves:\n  renamed:\n    flags: {f: g}\n", "saves:\n  renamed:\n    scenes:\n      a: b\n    flags: {f: g}"),
    ("saves:\n  renamed:\n    scenes: {z: a}\n", "scenes: {z: b, a: b}"),
    ("saves:\n  renamed:\n    scenes:\n      z: a  # old\n      y: q\nid: x\n",
     "scenes:\n      z: b  # old\n      y: q\n      a: b\nid: x"),
])
def test_the_saves_entry_fits_whatever_story_yaml_already_says(manifest, expected, tmp_path):
    path = tmp_path / "story.yaml"
    path.write_text(manifest)
    apply(path, saves_entry(manifest.split("\n"), "scenes", "a", "b"))
    assert expected in path.read_text(), path.read_text()


def test_rename_refuses_what_would_break_the_story(vault):
    ws = Workspace(vault)
    ws.refresh()
    with pytest.raises(RenameError, match="already a scene"):
        ws.rename("scene", "alley", "vault")
    with pytest.raises(RenameError, match="already a"):
        ws.rename("flag", "guard_asleep", "noise")
    with pytest.raises(RenameError, match="not a name"):
        ws.rename("scene", "alley", "back alley")


def test_unsaved_text_is_checked_and_a_new_unsaved_file_joins_the_story(vault):
    ws = Workspace(vault)
    extra = vault / "extra.yaml"
    ws.set_text(extra, "scenes:\n  attic:\n    title: The Attic\n    text: Dust.\n    choices:\n"
                       "      - {label: Down, goto: nowhere}\n")
    ws.refresh()
    [problem] = [p for p in ws.problems[extra] if p.severity == "error"]
    line = "      - {label: Down, goto: nowhere}"
    assert "nowhere" in problem.message
    assert (problem.line, problem.col, problem.end) == (5, line.index("nowhere"), line.index("nowhere") + 7)
    assert not extra.exists()


def test_completion_knows_where_it_is(vault):
    ws = Workspace(vault)
    ws.refresh()
    bank = vault / "bank.yaml"
    lines = bank.read_text().split("\n")

    def at(needle: str, offset: int) -> set[str]:
        row = next(i for i, line in enumerate(lines) if needle in line)
        return {i.label for i in ws.complete(bank, row, lines[row].index(needle) + offset)}

    assert "corridor" in at("goto: corridor", 6) and "noise" not in at("goto: corridor", 6)
    assert "lockpicks" in at("{has: lockpicks}", 6) and "guard_asleep" not in at("{has: lockpicks}", 6)
    assert "noise" in at("{add: {noise: 3}}", 7)
    assert "guard_asleep" in at("{flag: guard_asleep}", 7)
    assert at("Pick the lock", 3) == set()  # inside a label: nothing to offer


def test_rename_finds_quoted_names_display_names_defaults_and_name_of(vault):
    """Quoted uses are renamed without their quotes; a flag's display name
    under names:, the save defaults and {name: x} in text follow it."""
    bank, manifest = vault / "bank.yaml", vault / "story.yaml"
    bank.write_text(bank.read_text().replace("goto: corridor\n        if: {has: lockpicks}",
                                             'goto: "corridor"\n        if: {has: \'lockpicks\'}')
                    .replace("Noise so far: {noise}.", "Noise so far: {noise}. You hold {name: keycard}."))
    manifest.write_text(manifest.read_text() + "saves:\n  defaults:\n    items: [keycard]\n")
    rename(vault, "scene", "corridor", "hallway")
    rename(vault, "item", "keycard", "swipe_card")
    rename(vault, "item", "lockpicks", "picks")
    story = loader.load_story(vault)
    text = bank.read_text()
    assert 'goto: "hallway"' in text and "{has: 'picks'}" in text and "{name: swipe_card}" in text
    assert story.names["swipe_card"] == "the guard's keycard"
    assert "swipe_card" in story.migration.defaults.items and "keycard" not in story.migration.defaults.items
    assert story.migration.renamed["items"] == {"keycard": "swipe_card", "lockpicks": "picks"}


def test_renaming_back_and_forth_leaves_one_entry_and_a_story_that_loads(vault):
    for old, new in (("corridor", "hallway"), ("hallway", "corridor"), ("corridor", "hallway")):
        rename(vault, "scene", old, new)
        story = loader.load_story(vault)
        assert new in story.scenes
    assert story.migration.renamed["scenes"] == {"corridor": "hallway"}


def test_rename_refuses_yaml_words_old_names_and_a_story_it_cannot_read_whole(vault):
    ws = Workspace(vault)
    ws.refresh()
    for word in ("null", "true", "False"):
        with pytest.raises(RenameError, match="not a name"):
            ws.rename("scene", "street", word)
    rename(vault, "scene", "street", "road")
    ws.refresh()
    with pytest.raises(RenameError, match="old name under saves"):
        ws.rename("scene", "caught", "street")  # saves made in 'street' go to 'road'
    ws.set_text(vault / "bank.yaml", "scenes: [unclosed\n")
    ws.refresh()
    with pytest.raises(RenameError, match="fix the YAML in bank.yaml first"):
        ws.rename("scene", "road", "lane")
