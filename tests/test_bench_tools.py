"""The benchmark's synthetic stories are valid stories (the figures in
docs/performance.md come from `python bench/run.py`, never from tests)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import synth  # noqa: E402


@pytest.mark.parametrize("n", [50, 1200, 3001])
def test_synthetic_story_is_clean_and_fully_reachable(n, tmp_path):
    from game.story import check
    from game.author import explore
    from game.story import loader

    folder = synth.generate(n, tmp_path / "s")
    story, diags = loader.load_all(folder, use_cache=False)
    assert story is not None and diags == []
    assert check.warnings(story) == []
    assert len(story.scenes) == n and len(list(folder.glob("part*.yaml"))) == -(-n // synth.PER_FILE)
    flagged = sum(1 for s in story.scenes.values() for c in s.choices if any(op.key == "set" for op in c.effects.ops))
    gated = sum(1 for s in story.scenes.values() for c in s.choices if c.cond is not None)
    regular = sum(1 for s in story.scenes.values() if not s.ending)
    assert abs(flagged - regular / 3) <= 2 and abs(gated - regular / 3) <= 2
    if n <= 50:
        assert set(explore.explore(story).scene_paths) == set(story.scenes)


def test_same_size_same_story(tmp_path):
    a = synth.generate(40, tmp_path / "a")
    b = synth.generate(40, tmp_path / "b")
    assert [p.read_text() for p in sorted(a.glob("*.yaml"))] == [p.read_text() for p in sorted(b.glob("*.yaml"))]
