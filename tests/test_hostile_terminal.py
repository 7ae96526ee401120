"""Hostile terminals and input: closed or garbage stdin, a 1 MB line, typed
escape sequences, Ctrl-C / Ctrl-Z / Ctrl-D, a 20-column terminal, and
SIGTERM in the middle of a game (the autosave is complete and loads)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from conftest import ROOT, game_env, run_game
from game.story import loader
from game.saves import store as saves
from game.play import tui
from game.core.session import Session

VAULT = str(ROOT / "examples" / "night-vault")
posix_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a POSIX pty")


def spawn(tmp_path, *args, cols=100):
    return pexpect.spawn(sys.executable, ["-m", "game", *args], cwd=str(ROOT), env=game_env(tmp_path),
                         dimensions=(24, cols),
                         encoding="utf-8", timeout=20)


def test_closed_stdin_is_end_of_input():
    result = subprocess.run(["bash", "-c", f'"{sys.executable}" -m game "{VAULT}" <&-'], capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "== The Alley ==" in result.stdout


@pytest.mark.parametrize("mode", ["--plain", "--json"])
def test_a_one_megabyte_line_is_cut_and_the_game_goes_on(mode):
    result = run_game(mode, VAULT, input="x" * 1_000_000 + "\n1\n")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert len(result.stdout) < 20_000  # the line is not echoed back
    assert "The Corridor" in result.stdout


def test_typed_escape_sequences_never_reach_the_output():
    """Raw bytes, each front end: C0, C1 and bidi controls typed by a player
    come back neither raw nor as JSON escapes a reader would decode."""
    import subprocess
    import sys

    typed = "\x1b[2J\x1b]0;owned\x07\n\x9b31m\u202e\n1\n".encode()
    unsafe = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    for mode in ("--plain", "--json"):
        result = subprocess.run([sys.executable, "-m", "game", mode, VAULT], input=typed, capture_output=True,
                                cwd=ROOT, timeout=60)
        raw = result.stdout.decode("utf-8")
        assert not unsafe.search(raw), mode
        assert "The Corridor" in raw, mode
        if mode == "--json":
            objects = [json.loads(line) for line in raw.splitlines()]
            assert objects[1]["type"] == "error"
            assert all(not unsafe.search(json.dumps(o, ensure_ascii=False)) for o in objects)


def test_escape_sequences_typed_into_the_terminal_player():
    session = Session(loader.load_story(VAULT))
    with create_pipe_input() as inp:
        ui = tui.TerminalUI(session, input=inp, output=_narrow_output(io.StringIO(), 80))
        ui.start()
        inp.send_text("\x1b[2J\x1b]0;x\x07\x1b[1;5A\x1b[999~" + "\r" + "1\r" + "\x04")
        asyncio.run(asyncio.wait_for(ui.app.run_async(), 10))
    assert session.state.scene == "corridor"


def _narrow_output(buffer, columns: int) -> Vt100_Output:
    return Vt100_Output(buffer, lambda: Size(rows=12, columns=columns), term="xterm")


def test_a_twenty_column_terminal_wraps_everything():
    session = Session(loader.load_story(ROOT / "scenes"))
    buffer = io.StringIO()
    with create_pipe_input() as inp:
        ui = tui.TerminalUI(session, input=inp, output=_narrow_output(buffer, 20))
        ui.start()
        inp.send_text("3\r" + "\x1b[6~" + "status\r" + "\x04")
        asyncio.run(asyncio.wait_for(ui.app.run_async(), 10))
    width = lambda line: sum(len(t) for _, t in line)  # noqa: E731
    lines, _ = ui.wrapped_log(20)
    assert lines and max(map(width, lines)) <= 19
    assert max(map(width, ui.choice_lines(20))) <= 19
    assert session.state.scene == "sevastopol_central"


@posix_only
def test_twenty_columns_in_a_real_terminal(tmp_path):
    child = spawn(tmp_path, VAULT, cols=20)
    child.expect_exact("Turn 0")
    child.send("1\r\x0c")
    child.expect_exact("Turn 1")
    child.send("quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@posix_only
@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash for job control")
def test_ctrl_c_and_ctrl_z_in_the_terminal_player(tmp_path):
    """Under an interactive shell, as a player runs it: Ctrl-Z stops the
    game, the shell says so, and `fg` brings it back where it was. (Without
    a job-control shell the game's process group is orphaned, and POSIX
    discards stop signals for those.)"""
    env = game_env(tmp_path, PS1="$ ")
    shell = pexpect.spawn("/bin/bash", ["--norc", "--noprofile", "-i"], cwd=str(ROOT), env=env,
                          dimensions=(24, 100), encoding="utf-8", timeout=20)
    try:
        shell.expect_exact("$ ")
        shell.sendline(f'"{sys.executable}" -m game "{VAULT}"')
        shell.expect_exact("Turn 0")
        shell.send("knock\x03")  # Ctrl-C clears the line; the game goes on
        shell.send("1\r\x0c")
        shell.expect_exact("Turn 1")
        shell.send("\x1a")  # Ctrl-Z
        shell.expect("Stopped")
        shell.sendline("fg")
        shell.send("\x0c")
        shell.expect_exact("Turn 1")
        shell.send("\x04")  # Ctrl-D on an empty line leaves
        shell.expect_exact("1 choice made. Until next time.")
        shell.expect_exact("$ ")
        shell.sendline('echo "exit status $?"')  # (bash skips the rest of a list after a stop)
        shell.expect_exact("exit status 0")
        shell.sendline("exit")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)


@posix_only
def test_ctrl_c_and_ctrl_d_in_plain_mode(tmp_path):
    child = spawn(tmp_path, "--plain", VAULT)
    child.expect_exact("> ")
    child.sendcontrol("c")
    child.expect_exact("dead-reckoning: interrupted (your progress is saved after every choice)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Traceback" not in (child.before or "")
    child = spawn(tmp_path, "--plain", VAULT)
    child.expect_exact("> ")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@posix_only
@pytest.mark.parametrize("mode", [[], ["--plain"]])
def test_sigterm_mid_game_leaves_a_complete_autosave(tmp_path, mode):
    child = spawn(tmp_path, *mode, VAULT)
    child.expect_exact("Turn 0" if not mode else "> ")
    child.send("1\r\x0c")
    child.expect_exact("Turn 1" if not mode else "The Corridor")
    child.send("thermos\r\x0c")
    child.expect_exact("Turn 2" if not mode else "Kick the vending machine")
    time.sleep(0.3)
    child.kill(signal.SIGTERM)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 128 + signal.SIGTERM
    if not mode:
        assert "\x1b[?1049l" in child.before  # left the alternate screen: the terminal is restored
    store = saves.SaveStore(tmp_path / "saves", loader.load_story(VAULT))
    state, _ = store.load(saves.AUTOSAVE)
    assert state.turn == 2 and "guard_asleep" in state.flags
