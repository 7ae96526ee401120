"""The JSON Schemas (for editors) and the loader agree: every real story
validates, and each structurally broken fixture is rejected by both."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, ROOT

SCHEMAS = ROOT / "game" / "schema"
STORIES = [ROOT / "scenes", *sorted(p for p in (ROOT / "examples").iterdir() if (p / "story.yaml").exists())]


def validator(path: Path) -> jsonschema.Draft202012Validator:
    name = "story.schema.json" if path.name == "story.yaml" else "scenes.schema.json"
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def parsed(path: Path):
    from game.story import yamlpos

    value, problems = yamlpos.load(yamlpos.decode(path.read_bytes()))
    return value


@pytest.mark.parametrize("story", STORIES, ids=lambda p: p.name)
def test_real_stories_validate(story):
    from game.story import loader

    loader.load_story(story)  # the loader accepts it
    for path in sorted(story.rglob("*.yaml")):
        errors = [e.message for e in validator(path).iter_errors(parsed(path))]
        assert errors == [], f"{path}: {errors}"


@pytest.mark.parametrize("fixture", sorted(p for p in (FIXTURES / "checker").iterdir() if p.is_dir()),
                         ids=lambda p: p.name)
def test_schema_and_loader_agree_on_fixtures(fixture):
    """Files listed in schema-rejects.txt break the format's structure: the
    schema rejects them and the loader reports an error in them. Every other
    parseable file is valid to the schema (its problems are semantic)."""
    from game.story import loader
    from game.story import yamlpos

    rejects_file = fixture / "schema-rejects.txt"
    rejects = set(rejects_file.read_text().split()) if rejects_file.exists() else set()
    _, diags = loader.load_all(fixture)
    for path in sorted(fixture.glob("*.yaml")):
        try:
            value = parsed(path)
        except yamlpos.YamlError:
            continue  # not YAML at all: nothing for a schema to judge
        valid = validator(path).is_valid(value)
        assert valid == (path.name not in rejects), path
        if not valid:
            assert any(d.severity == "error" and d.file.endswith(path.name) for d in diags)


def test_schema_rejects_what_loader_rejects_structurally(tmp_path):
    """A handful of single-mistake scene files, each rejected by both."""
    from conftest import write_story
    from game.story import loader

    good = "scenes:\n  start:\n    title: T\n    text: Hi.\n    ending: {kind: victory, title: W}\n"
    mistakes = [
        good.replace("title: T", "title: [a, b]"),
        good.replace("victory", "triumph"),
        good.replace("text: Hi.", "text: {sequence: []}"),
        good.replace("ending:", "endng:"),
        good + "    checkpoint: sometimes\n",
        good.replace("ending: {kind: victory, title: W}",
                     "choices: [{label: Go, goto: start, if: {counter: x}}]"),
        good.replace("ending: {kind: victory, title: W}",
                     "choices: [{label: Go, goto: start, effects: {add: {x: 1.5}}}]"),
    ]
    for i, text in enumerate(mistakes):
        folder = write_story(tmp_path / str(i), text)
        _, diags = loader.load_all(folder)
        assert any(d.severity == "error" for d in diags), text
        assert not validator(folder / "scenes.yaml").is_valid(parsed(folder / "scenes.yaml")), text


def test_committed_schemas_are_generated_from_the_kinds():
    """The schema files are what the kind tables generate: a new kind (or a
    changed fragment) fails here until `python -m game.story.schema` is run."""
    from game.story import schema

    for name, text in schema.generated().items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == text, f"{name}: run python -m game.story.schema"


def test_every_kind_key_is_in_the_generated_schema():
    from game.core import conditions, effects, text
    from game.story import schema

    generated = json.dumps(schema.scenes_schema())
    for table in (conditions.TABLE, effects.TABLE, text.TABLE):
        for key in table.keys():
            assert f'"{key}"' in generated, key
