"""The YAML layer: positions, strictness, safety."""

from __future__ import annotations

import time

import pytest

from game.story import yamlpos
from game.story.yamlpos import YamlError, decode, load


def test_positions_are_one_based_for_keys_values_and_items():
    value, problems = load("a: 1\nlist:\n  - x\n  - {y: 2}\n")
    assert problems == []
    assert value.key_where("list") == (2, 1)
    assert value.where("a") == (1, 4)
    assert value["list"].item_pos == [(3, 5), (4, 5)]
    assert value["list"][1].where("y") == (4, 9)


def test_duplicate_keys_are_reported_not_silently_replaced():
    value, problems = load("a: 1\nb: 2\na: 3\n")
    assert value["a"] == 1
    assert [(p.pos, p.message.split(" (")[0]) for p in problems] == [((3, 1), "duplicate key 'a'")]


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['echo hi']",
    "a: !!python/name:os.system",
    "a: !!binary aGVsbG8=",
    "a: !custom thing",
    "a: !!set {x, y}",
])
def test_only_plain_data_tags_are_accepted(text):
    value, problems = load(text)
    assert value["a"] is None
    assert len(problems) == 1 and "not allowed" in problems[0].message
    assert problems[0].pos == (1, 4)


def test_yaml_1_2_scalars_keep_words_as_text():
    value, _ = load("a: On\nb: no\nc: 1:20\nd: true\ne: 12\nf: 2024-01-01\ng: null\n")
    assert value == {"a": "On", "b": "no", "c": "1:20", "d": True, "e": 12, "f": "2024-01-01", "g": None}


def test_keys_stay_text():
    value, _ = load("no: 1\n1: 2\ntrue: 3\n")
    assert list(value) == ["no", "1", "true"]


def test_merge_keys_fill_in_missing_keys():
    value, _ = load("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert value["thing"] == {"x": 1, "y": 3}


def test_alias_bomb_is_stopped_quickly():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    started = time.perf_counter()
    with pytest.raises(YamlError, match="alias bomb"):
        load("\n".join(lines))
    assert time.perf_counter() - started < 5  # a guard against hanging, not a benchmark


def test_recursive_alias_is_an_error():
    with pytest.raises(YamlError, match="refers to the node that contains it"):
        load("a: &a [1, *a]")


def test_deep_nesting_is_an_error():
    with pytest.raises(YamlError, match="deeper"):
        load("a: " + "[" * 200 + "]" * 200)


def test_syntax_error_names_the_place_and_the_opening():
    with pytest.raises(YamlError) as info:
        load("a: [1, 2\nb: 3\n")
    assert info.value.pos == (2, 2)
    assert "starts at line 1, column 4" in info.value.message


def test_decode_accepts_bom_and_rejects_bad_bytes_with_position():
    assert decode(b"\xef\xbb\xbfa: 1") == "a: 1"
    with pytest.raises(YamlError) as info:
        decode(b"a: 1\nbb: \xff\xfe\n")
    assert info.value.pos == (2, 5)
    with pytest.raises(YamlError) as info:
        decode(b"a: 1\nb: x\x00y\n")
    assert info.value.pos == (2, 5) and "U+0000" in info.value.message


def test_multiple_documents_are_an_error():
    with pytest.raises(YamlError, match="one YAML document, not several") as info:
        load("a: 1\n---\nb: 2\n")
    assert info.value.pos == (2, 1)


def test_uses_libyaml_when_available():
    import yaml

    if yaml.__with_libyaml__:
        assert yamlpos._Loader is yaml.CSafeLoader
