"""One sanitiser for every output path: text from a story, a save or a
player's typing never reaches the terminal (or a JSON reader) as a control,
a bidirectional mark, an invisible character or a line separator. A story
may not contain them at all: `check` names the file, line and column."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import subprocess
import sys

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from conftest import ROOT, run_game
from game.core.sanitize import safe, visible
from game.core.session import Session
from game.play import tui
from game.story import loader

VAULT = ROOT / "examples" / "night-vault"
# Every kind the reviews named: bidi override, isolate and marks, zero-width,
# BOM, line and paragraph separators, a tag character, C1 and C0 controls.
HOSTILE = ["\u202e", "\u2067", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029",
           "\U000e0041", "\x9b", "\x1b"]
RAW = re.compile("[" + "".join(HOSTILE) + "]")


@pytest.mark.parametrize("char", HOSTILE[:-2], ids=[f"U+{ord(c):04X}" for c in HOSTILE[:-2]])
def test_a_story_may_not_contain_a_hidden_character(tmp_path, char):
    (tmp_path / "story.yaml").write_text("id: t\ntitle: T\nversion: '1'\nstart: a\n")
    (tmp_path / "a.yaml").write_text("scenes:\n  a:\n    title: A\n    text: Left" + char + "right\n"
                                     "    ending: {kind: victory, title: Won}\n", encoding="utf-8")
    result = run_game("check", str(tmp_path), "--no-cache")
    assert result.returncode == 1
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"{tmp_path / 'a.yaml'}:4:15: error: ") and f"U+{ord(char):04X} is not allowed" in line
    code = ord(char)  # the same, written as a YAML escape in quoted text
    escaped = '"Left' + (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}") + 'right"'
    (tmp_path / "a.yaml").write_text("scenes:\n  a:\n    title: A\n    text: " + escaped + "\n"
                                     "    ending: {kind: victory, title: Won}\n")
    again = run_game("check", str(tmp_path), "--no-cache")
    assert again.returncode == 1 and f"a.yaml:4:11: error: quoted text contains" in again.stderr


def test_the_sanitiser_replaces_each_hidden_character_one_for_one():
    text = "a" + "".join(HOSTILE) + "b\tc\nd"
    assert safe(text) == "a" + "\ufffd" * len(HOSTILE) + "b\tc\nd"
    assert not RAW.search(visible(text)) and "\\u202e" in visible(text) and "\\U000e0041" in visible(text)


def _save_with(tmp_path, env) -> None:
    run_game(str(VAULT), input="1\n", env=env)
    folder = tmp_path / "night-vault"
    data = json.loads((folder / "autosave.json").read_text())
    data["story"]["id"] = "x\x1b]52;c;aGk=\x07" + "".join(HOSTILE)
    (folder / "evil.json").write_text(json.dumps(data))


def test_a_saves_story_id_never_reaches_any_front_end_raw(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    _save_with(tmp_path, env)
    outputs = [run_game("play", str(VAULT), "--load", "evil", env=env),
               run_game("saves", str(VAULT), env=env),
               run_game("--plain", str(VAULT), input="load evil\nsaves\n", env=env),
               run_game("--json", str(VAULT), input="load evil\nsaves\n", env=env)]
    for result in outputs:
        assert "belongs to the story" in result.stdout + result.stderr
        assert not RAW.search(result.stdout + result.stderr)


@pytest.mark.parametrize("mode", ["--plain", "--json"])
def test_typed_hidden_characters_never_come_back_raw(mode):
    typed = ("save " + "".join(HOSTILE) + "\n" + "".join(HOSTILE) + "\n1\n").encode()
    result = subprocess.run([sys.executable, "-m", "game", mode, str(VAULT)], input=typed, capture_output=True,
                            cwd=ROOT, timeout=60)
    out = result.stdout.decode("utf-8")
    assert not RAW.search(out) and "The Corridor" in out
    if mode == "--json":
        objects = out.splitlines()  # str.splitlines also splits on U+2028/2029, \x1c-\x1e, \x85
        assert len(objects) == 4 and all(json.loads(o)["protocol"] == 2 for o in objects)
        for line in objects:  # what a JSON reader gets back, decoded, holds none of them either
            assert not RAW.search(json.dumps(json.loads(line), ensure_ascii=False))


def test_the_terminal_players_input_line_shows_hidden_characters_neutralised():
    buffer = io.StringIO()
    session = Session(loader.load_story(VAULT))

    async def go():
        with create_pipe_input() as inp:
            ui = tui.TerminalUI(session, input=inp,
                                output=Vt100_Output(buffer, lambda: Size(rows=20, columns=80), term="xterm"))
            ui.start()
            task = asyncio.ensure_future(ui.app.run_async())
            inp.send_text("pick\u202e\u2067\u200b\U000e0041 lock")
            await asyncio.sleep(0.5)  # drawn with the line still being typed
            drawn = buffer.getvalue()
            inp.send_text("\x15\x04")  # clear the line, leave
            await asyncio.wait_for(task, 10)
            return drawn

    drawn = asyncio.run(go())
    assert "pick\ufffd\ufffd\ufffd\ufffd lock" in drawn
    assert not RAW.search(drawn.replace("\x1b", ""))


UNICODE_STORY = """\
scenes:
  start:
    title: Café — 漢字
    text: Łódź, naïve, “quoted”, and 漢字.
    choices:
      - {label: Go on — now, goto: end}
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Fin}
"""


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
@pytest.mark.parametrize("mode", ["--plain", "--json"])
def test_a_terminal_that_cannot_show_every_character_gets_replacements(tmp_path, encoding, mode):
    from conftest import write_story

    folder = write_story(tmp_path / "s", UNICODE_STORY)
    result = subprocess.run([sys.executable, "-m", "game", mode, str(folder)], input=b"1\n", capture_output=True,
                            cwd=ROOT, timeout=60, env={**os.environ, "PYTHONIOENCODING": encoding,
                                                       "DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")})
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    text = result.stdout.decode(encoding)
    if mode == "--plain":
        assert "== Caf" in text and "?" in text and "Fin" in text
    else:
        assert json.loads(text.splitlines()[0])["title"] == "Café — 漢字"  # ASCII escapes carry it whole


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("how", ["stdout full", "stdout closed", "transcript full", "check to a full disk"])
def test_an_output_that_cannot_be_written_ends_in_one_line(tmp_path, how):
    game = f'"{sys.executable}" -m game'
    vault = f'"{VAULT}"'
    command = {"stdout full": f"{game} --plain {vault} > /dev/full",
               "stdout closed": f"{game} --plain {vault} >&-",
               "transcript full": f"{game} --plain {vault} --transcript /dev/full > /dev/null",
               "check to a full disk": f"{game} check {vault} > /dev/full"}[how]
    result = subprocess.run(["bash", "-c", command], input="1\n", capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env={**os.environ, "DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves")})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dead-reckoning: "), lines
    assert ("closed" if how == "stdout closed" else "No space left on device") in lines[0]


def test_a_slot_name_from_the_command_line_is_never_echoed_raw(tmp_path):
    env = {"DEAD_RECKONING_SAVE_DIR": str(tmp_path)}
    for name in ("a\u200bb", "x\u202ey", "p\x1b]52;c;aGk=\x07q"):
        result = run_game("play", str(VAULT), "--load", name, env=env)
        assert result.returncode == 1 and "is not a valid save name" in result.stderr
        assert not RAW.search(result.stderr), repr(result.stderr)
