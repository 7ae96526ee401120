"""Shared test helpers: stories written into tmp_path, and the game run as a
subprocess with saves pointed into a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import tempfile

import pytest
from hypothesis import configuration, settings

# Hypothesis keeps nothing in the repository (no example database, no cache
# of constants): tests write only to temporary folders.
configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))
settings.register_profile("dead-reckoning", database=None)
settings.load_profile("dead-reckoning")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MANIFEST = """\
id: test-story
title: Test Story
version: "1"
start: {start}
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """Nothing a test runs may write to the real home or data dirs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("DEAD_RECKONING_SAVE_DIR", str(home / "saves"))


def write_story(folder: Path, scenes: str, *, start: str = "start", manifest_extra: str = "") -> Path:
    """A story folder with one scene file, from YAML text."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.yaml").write_text(MANIFEST.format(start=start) + textwrap.dedent(manifest_extra))
    (folder / "scenes.yaml").write_text(textwrap.dedent(scenes))
    return folder


def make_story(tmp_path: Path, scenes: str, **kw):
    from game.story import loader

    return loader.load_story(write_story(tmp_path / "story", scenes, **kw))


def game_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for a game in a child process (or a pty): home, data,
    cache and saves all inside `home`, a real terminal type, no NO_COLOR."""
    env = {**os.environ, "TERM": "xterm-256color", "HOME": str(home), "XDG_DATA_HOME": str(home / "d"),
           "XDG_CACHE_HOME": str(home / "cache"), "DEAD_RECKONING_SAVE_DIR": str(home / "saves"), **extra}
    env.pop("NO_COLOR", None)
    return env


def run_game(*args: str, input: str = "", cwd: Path | None = None, env: dict | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m game ARGS` with the given stdin (not a terminal)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("NO_COLOR", None)
    return subprocess.run([sys.executable, "-m", "game", *args], input=input, capture_output=True,
                          text=True, cwd=cwd or ROOT, env=full_env, timeout=timeout)


@pytest.fixture
def vault(tmp_path) -> Path:
    """A copy of examples/night-vault to edit (its transcripts left behind)."""
    import shutil

    folder = tmp_path / "vault"
    shutil.copytree(ROOT / "examples" / "night-vault", folder, ignore=shutil.ignore_patterns("*.transcript"))
    return folder


def apply_edits(path: Path, edits) -> None:
    """Apply (line, col, end_line, end_col, text) edits to a file as an
    editor does: all against the original text, last first."""
    lines = path.read_text().split("\n")
    for line, col, end_line, end_col, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        head = "\n".join(lines[:line] + [lines[line][:col]])
        tail = "\n".join([lines[end_line][end_col:]] + lines[end_line + 1:])
        lines = (head + text + tail).split("\n")
    path.write_text("\n".join(lines))

