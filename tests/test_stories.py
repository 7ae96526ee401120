"""Every story in the repo loads, and checks with no errors and no warnings."""

from __future__ import annotations

import pytest

from conftest import ROOT

STORIES = [ROOT / "scenes", *sorted(p for p in (ROOT / "examples").iterdir() if (p / "story.yaml").exists())]


@pytest.mark.parametrize("folder", STORIES, ids=lambda p: p.name)
def test_story_is_clean(folder):
    from game.story import check
    from game.story import loader

    story, diags = loader.load_all(folder)
    assert story is not None, [d.format() for d in diags]
    warnings = check.warnings(story)
    assert [d.format() for d in diags + warnings] == []


def test_bundled_story_is_found():
    from game.paths import bundled_story

    assert (bundled_story() / "story.yaml").is_file()


def test_authoring_guide_example_is_the_real_example():
    """docs/authoring.md quotes examples/night-vault in full; keep them equal."""
    import re

    doc = (ROOT / "docs" / "authoring.md").read_text()
    quoted = dict(re.findall(r"`(examples/night-vault/[\w.]+)`:\n\n```yaml\n(.*?)```", doc, re.S))
    assert set(quoted) == {"examples/night-vault/story.yaml", "examples/night-vault/bank.yaml"}
    for path, text in quoted.items():
        assert (ROOT / path).read_text() == text, path
