"""--json: the machine interface, end to end through a subprocess."""

from __future__ import annotations

import json

from conftest import run_game, write_story


def objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_one_object_at_start_and_one_per_answer():
    result = run_game("--json", "examples/night-vault", input="1\ndance\nstatus\n3\nundo\nquit\n")
    assert result.returncode == 0, result.stderr
    out = objects(result.stdout)
    assert [o["type"] for o in out] == ["scene", "scene", "error", "message", "error", "scene", "quit"]
    first = out[0]
    assert first["scene"] == "alley" and first["title"] == "The Alley" and first["ending"] is None
    assert first["choices"][0] == {"number": 1, "label": "Pick the lock on the service door", "enabled": True,
                                   "reason": None, "tags": []}
    assert first["state"] == {"turn": 0, "items": ["lockpicks"], "flags": [], "counters": {"noise": 0},
                              "scenes_seen": 1, "checkpoint": "alley"}
    corridor = {c["label"]: c for c in out[1]["choices"]}
    assert corridor["Lift the keycard from the desk"]["enabled"] is False
    assert corridor["Lift the keycard from the desk"]["reason"] == "The guard is wide awake and watching the desk."
    assert "No choice matches 'dance'" in out[2]["message"]
    assert "You carry: a roll of lockpicks." in out[3]["lines"]
    assert out[4]["message"] == "The guard is wide awake and watching the desk."
    assert out[5]["scene"] == "alley" and out[5]["messages"] == ["You take it back."]
    assert out[6]["summary"] == "1 scene seen, 0 choices made."  # undo took the turn back


def test_ending_and_its_menu():
    out = objects(run_game("--json", "examples/night-vault", input="knock\n1\n").stdout)
    ending = out[1]
    assert ending["ending"] == {"kind": "failure", "title": "Caught in the Act"}
    assert [c["label"] for c in ending["choices"]][0] == "Retry from the last checkpoint"
    assert out[2]["scene"] == "alley"


def test_eof_exits_zero_with_nothing_more():
    result = run_game("--json", "examples/night-vault", input="")
    assert result.returncode == 0 and len(objects(result.stdout)) == 1


def test_broken_story_is_a_json_error(tmp_path):
    folder = write_story(tmp_path / "s", "scenes:\n  start:\n    title: S\n    text: x\n    choices:\n"
                                         "      - {label: go, goto: nowhere}\n")
    result = run_game("play", "--json", str(folder))
    assert result.returncode == 1
    (obj,) = objects(result.stdout)
    assert obj["type"] == "error"
    assert obj["errors"][0]["line"] == 6 and obj["errors"][0]["column"] == 27
    assert obj["errors"][0]["message"] == "unknown scene 'nowhere'"


def test_transcript_file(tmp_path):
    path = tmp_path / "run.txt"
    result = run_game("--plain", "--transcript", str(path), "examples/night-vault", input="1\nstatus\n")
    assert result.returncode == 0
    text = path.read_text()
    assert "== The Alley ==" in text and "> 1" in text and "== The Corridor ==" in text
    assert "You carry: a roll of lockpicks." in text
