"""The compiled story cache: used when nothing changed, rebuilt when a file
changes, skipped with --no-cache, and never trusted blindly."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, run_game
from game.story import cache
from game import dirs
from game.story import loader

VAULT = ROOT / "examples" / "night-vault"


@pytest.fixture
def story_dir(tmp_path):
    folder = tmp_path / "vault"
    shutil.copytree(VAULT, folder)
    return folder


def cache_files():
    folder = dirs.cache_dir() / "stories"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_second_load_comes_from_the_cache_and_is_identical(story_dir, monkeypatch):
    cold, _ = loader.load_all(story_dir)
    assert len(cache_files()) == 1
    from game.story import yamlpos

    calls = []
    real = yamlpos.load_counted
    monkeypatch.setattr(yamlpos, "load_counted", lambda *a, **k: calls.append(1) or real(*a, **k))
    warm, diags = loader.load_all(story_dir)
    assert calls == [] and diags == []  # no YAML parsed
    assert warm == cold and all(tuple(warm.scenes[k]) == tuple(cold.scenes[k]) for k in cold.scenes)


def test_an_edit_misses_the_cache(story_dir, monkeypatch):
    loader.load_all(story_dir)
    bank = story_dir / "bank.yaml"
    bank.write_text(bank.read_text().replace("Rain needles", "Snow buries"))
    story, _ = loader.load_all(story_dir)
    assert story.scenes["alley"].text[0].options[0][0].parts[0].startswith("Snow buries")
    assert len(cache_files()) == 2


def test_no_cache_neither_reads_nor_writes(story_dir):
    result = run_game("check", "--no-cache", str(story_dir))
    assert result.returncode == 0 and cache_files() == []


@pytest.mark.parametrize("tamper", [
    lambda d: d["scenes"][0][6][0].__setitem__(2, "nowhere"),  # a goto to a scene that is not there
    lambda d: d["story"].__setitem__(3, "nowhere"),  # the start scene
    lambda d: d["scenes"][0].__setitem__(6, "not a list"),
    lambda d: d["scenes"][0][6][0].__setitem__(3, ["exec", "import os"]),  # an unknown condition
    lambda d: d["scenes"][0][11].__setitem__(0, 99),  # a position in a file that is not there
    lambda d: d["symbols"].__setitem__(2, 9),  # a use of a kind that does not exist
])
def test_a_tampered_cache_is_ignored(story_dir, tamper):
    cold, _ = loader.load_all(story_dir)
    (path,) = cache_files()
    data = json.loads(path.read_text())
    tamper(data)
    path.write_text(json.dumps(data))
    again, diags = loader.load_all(story_dir)
    assert again == cold and diags == []


@pytest.mark.parametrize("content", [b"", b"\x00\xff garbage", b"[" * 100_000, b'{"format": 1}', b"null"])
def test_a_corrupt_cache_is_ignored(story_dir, content):
    cold, _ = loader.load_all(story_dir)
    (path,) = cache_files()
    path.write_bytes(content)
    again, diags = loader.load_all(story_dir)
    assert again == cold and diags == []


def _retitled(data: dict, index: int = 0) -> list:
    """A copy of scene `index` of a cache, with another title."""
    scene = json.loads(json.dumps(data["scenes"][index]))
    scene[1] = "Forged in the cache"
    return scene


def test_a_scene_cached_twice_is_not_trusted(story_dir):
    """The second copy differs: taking it would change the story."""
    cold, _ = loader.load_all(story_dir)
    (path,) = cache_files()
    data = json.loads(path.read_text())
    data["scenes"].append(_retitled(data))
    path.write_text(json.dumps(data))
    again, _ = loader.load_all(story_dir)
    assert again == cold and "Forged" not in again.scenes[cold.start].title


def test_another_storys_cache_under_this_storys_name_is_not_used(story_dir, tmp_path):
    """A cache file whose fingerprint is another story's (copied or renamed
    into place) must not stand in for this one."""
    cold, _ = loader.load_all(story_dir)
    other = tmp_path / "other"
    shutil.copytree(story_dir, other)
    bank = other / "bank.yaml"
    bank.write_text(bank.read_text().replace("Rain needles", "Hail hammers"))
    theirs, _ = loader.load_all(other)
    mine_path = cache.folder() / f"{cache.key(cold.fingerprint)}.json"
    theirs_path = cache.folder() / f"{cache.key(theirs.fingerprint)}.json"
    shutil.copyfile(theirs_path, mine_path)  # same files list, same format: only the fingerprint differs
    again, _ = loader.load_all(story_dir)
    assert again == cold and again.fingerprint == cold.fingerprint
    assert "Hail" not in again.scenes["alley"].text[0].options[0][0].parts[0]


def test_an_oversized_cache_is_not_read(story_dir):
    """Valid JSON, padded past the size bound, with a forged title: only the
    size check stands between it and the game."""
    cold, _ = loader.load_all(story_dir)
    (path,) = cache_files()
    data = json.loads(path.read_text())
    data["scenes"][0] = _retitled(data)
    padding = " " * (16 * sum(p.stat().st_size for p in story_dir.glob("*.yaml")) + (2 << 20))
    path.write_text(json.dumps(data) + padding)
    again, _ = loader.load_all(story_dir)
    assert again == cold and "Forged" not in again.scenes[cold.start].title


def test_another_game_version_does_not_use_the_cache(story_dir, monkeypatch):
    """A newer game may build a different model from the same files."""
    loader.load_all(story_dir)
    monkeypatch.setattr(cache, "__version__", "99.0")
    from game.story import yamlpos

    calls = []
    real = yamlpos.load_counted
    monkeypatch.setattr(yamlpos, "load_counted", lambda *a, **k: calls.append(1) or real(*a, **k))
    story, _ = loader.load_all(story_dir)
    assert story is not None and calls  # parsed again
    assert len(cache_files()) == 2


def test_positions_follow_the_current_folder(story_dir, tmp_path, monkeypatch):
    """Diagnostics name files as seen from where the command runs, not where
    the cache was written."""
    monkeypatch.chdir(tmp_path)
    loader.load_all("vault")
    monkeypatch.chdir(story_dir)
    warm, _ = loader.load_all(".")
    assert warm.scenes["alley"].where.file == "bank.yaml"


WARNED = """\
scenes:
  start:
    title: Start
    text: Hello {trust}.
    choices:
      - {label: Go, goto: end, effects: {set: waved}}
      - {label: Never, goto: end, if: {all: [{flag: alarm}, {not: {flag: alarm}}]}}
  lost:
    title: Lost
    text: Nobody comes here.
    choices: [{label: Back, goto: end}]
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Done}
"""


def test_cold_and_cached_loads_report_the_same_places(tmp_path):
    """The symbol table is built once and cached, so a warning found from the
    cache points where the cold load points (an initial flag nobody reads
    used to move from story.yaml:6:11 to story.yaml:1:1)."""
    from conftest import write_story

    folder = write_story(tmp_path / "s", WARNED, manifest_extra="initial:\n  flags: [unused, alarm]\n"
                                                               "  counters: {trust: 1}\n")
    cold = run_game("check", "--no-cache", str(folder))
    first = run_game("check", str(folder))  # cold again, and writes the cache
    warm = run_game("check", str(folder))  # from the cache
    assert cache_files(), "the second run should have written the cache"
    assert cold.stderr == first.stderr == warm.stderr and cold.stdout == warm.stdout
    assert "story.yaml:6:11: warning: flag 'unused' is set but never read" in warm.stderr
    assert "can never hold" in warm.stderr and "unreachable" in warm.stderr
    cold_story, _ = loader.load_all(folder, use_cache=False)
    warm_story, _ = loader.load_all(folder)
    assert cold_story.symbols.uses == warm_story.symbols.uses


def test_a_null_choice_in_the_cache_is_not_trusted(story_dir):
    cold, _ = loader.load_all(story_dir)
    (path,) = cache_files()
    data = json.loads(path.read_text())
    data["scenes"][0][6].append(None)
    path.write_text(json.dumps(data))
    again, diags = loader.load_all(story_dir)  # used to raise AttributeError
    assert again == cold and diags == []
