"""Hostile saves: mutated valid saves never crash the game, never change
the file, and always end in either a valid game or one clear message."""

from __future__ import annotations

import copy
import os
import hashlib
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_game
from game.core import engine
from game.story import loader
from game.saves import store as saves
from game.core import codec
from game.core.session import Message, SceneShown, Session

STORY = loader.load_story(ROOT / "scenes")


def base_state():
    state = engine.new_game(STORY)
    for answer in (2, 1, 1, 1, 1):  # ridge, signal, gully, scatter, reunion: history and a checkpoint
        state = engine.choose(STORY, state, answer)
    return state


BASE = codec.encode(STORY, base_state(), "2026-01-01T00:00:00Z")
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=12)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


ALL_PATHS = [p for p in paths(BASE) if p]


def set_at(data, path, value):
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@st.composite
def mutated(draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "bitflip", "swap", "huge", "deep", "unknown", "scene", "bytes"]))
    data = copy.deepcopy(BASE)
    raw = json.dumps(data).encode()
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if kind == "bitflip":
        out = bytearray(raw)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    path = draw(st.sampled_from(ALL_PATHS))
    if kind == "swap":
        set_at(data, path, draw(JSON))
    elif kind == "huge":
        set_at(data, path, draw(st.sampled_from([10**30, -10**30, 2**63, 1e308, -1e308])))
    elif kind == "deep":  # spliced in as text: deeper than json.dumps itself can write
        depth = draw(st.integers(50, 100_000))
        set_at(data, path, "__DEEP__")
        return json.dumps(data).replace('"__DEEP__"', "[" * depth + "1" + "]" * depth, 1).encode()
    elif kind == "unknown":
        target = data
        for step in path[:-1]:
            target = target[step]
        if isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=10))] = draw(JSON)
    elif kind == "scene":
        set_at(data, path, draw(st.sampled_from(["vault_nowhere", "", "../../x", "a" * 65, "desert_dro"])))
    return json.dumps(data).encode()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(blob=mutated())
def test_mutated_save_is_refused_clearly_or_loads_validly(tmp_path_factory, blob):
    folder = tmp_path_factory.mktemp("saves")
    store = saves.SaveStore(folder, STORY)
    path = store.path("slot")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob)
    before = hashlib.sha256(blob).hexdigest()
    session = Session(STORY, store=store)
    events = session.handle("load slot")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the file is never touched
    if isinstance(events[0], Message) and events[0].kind == "error":
        (message,) = events[0].lines
        assert message.startswith("Save 'slot' cannot be loaded: ")
        assert "\n" not in message and len(message) < 400
        assert session.state.scene == STORY.start  # the game goes on as it was
    else:
        assert isinstance(events[-1], SceneShown)  # a valid state after all (say, an unknown key)
        engine.view(STORY, session.state)
        assert session.state.scene in STORY.scenes
    enabled = [o for o in engine.options(STORY, session.state) if o.enabled]
    if enabled:
        assert isinstance(session.handle(str(enabled[0].number))[0], (SceneShown, Message))


def test_load_on_the_command_line_cannot_reach_outside_the_save_dir(tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps(BASE))
    for name in ["../secret", "../../secret", "/etc/passwd", "..", "a/../../secret"]:
        result = run_game("play", "--load", name, env={"DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")})
        assert result.returncode == 1 and "not a valid save name" in result.stderr, name
    assert not (tmp_path / "saves").exists() or not any((tmp_path / "saves").rglob("*.json"))


def test_save_files_are_private(tmp_path):
    path = saves.SaveStore(tmp_path, STORY).save("mine", base_state())
    assert path.stat().st_mode & 0o077 == 0


def test_messages_about_saves_never_carry_control_characters(tmp_path):
    """A save whose story id holds a terminal escape: every way its message
    reaches a person (plain, JSON lines, `play --load`, `saves`) carries no
    control character in the raw bytes written."""
    import subprocess
    import sys

    folder = tmp_path / "saves"
    store = saves.SaveStore(folder, STORY)
    data = copy.deepcopy(BASE)
    data["story"]["id"] = "evil\x1b[2J\x9b31m\u202estory"
    path = store.path("slot")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data))
    env = {**os.environ, "DEAD_RECKONING_SAVE_DIR": str(folder)}
    runs = {
        "plain": (["--plain"], b"load slot\n"),
        "json": (["--json"], b"load slot\n"),
        "play --load": (["play", "--plain", "--load", "slot"], b""),
        "saves": (["saves"], b""),
    }
    for name, (args, answers) in runs.items():
        result = subprocess.run([sys.executable, "-m", "game", *args], input=answers, capture_output=True,
                                env=env, cwd=ROOT, timeout=60)
        raw = result.stdout + result.stderr
        assert b"evil" in raw, name  # the message was shown...
        text = raw.decode("utf-8")
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), name
        if name == "json":
            for line in result.stdout.decode().splitlines():  # ...and no escape that decodes into one
                assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e]", json.dumps(json.loads(line),
                                                                                          ensure_ascii=False))