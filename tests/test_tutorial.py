"""docs/tutorial.md, done literally as a new author would: every file it
shows is written, every command it shows is run in order, and every output
it shows must be what the command really printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"(?:^`(?P<file>[^`\n]+)`:\n\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```\n", re.S | re.M)


def steps():
    for match in BLOCK.finditer(TUTORIAL.read_text()):
        yield match.group("file"), match.group("lang"), match.group("body")


def test_tutorial_runs_as_written(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves"), "HOME": str(tmp_path)}
    env.pop("NO_COLOR", None)
    if not (bin_dir / "dead-reckoning").exists():  # running without the console script: use the module
        shim = tmp_path / "bin" / "dead-reckoning"
        shim.parent.mkdir()
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m game "$@"\n')
        shim.chmod(0o755)
        env["PATH"] = f"{shim.parent}{os.pathsep}{env['PATH']}"
        env["PYTHONPATH"] = str(ROOT)
    work = tmp_path / "work"
    work.mkdir()
    ran = 0
    last_output = None
    for file, lang, body in steps():
        if file:
            target = work / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
            continue
        if lang == "sh":
            for line in body.splitlines():
                command, _, note = line.partition("  # ")
                if not command.strip():
                    continue
                expected = int(note.split()[-1]) if note.startswith("exits") else 0
                result = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True,
                                        text=True, stdin=subprocess.DEVNULL, timeout=120)
                assert result.returncode == expected, f"{command}\n{result.stdout}{result.stderr}"
                assert "Traceback" not in result.stderr, command
                last_output = result.stdout + result.stderr
                ran += 1
        elif lang == "text" and last_output is not None:
            for shown in body.splitlines():
                if shown.strip():
                    assert shown.strip() in last_output, f"the tutorial shows {shown!r}; the game printed:\n" \
                                                         f"{last_output}"
            last_output = None  # each output block belongs to the commands just before it
    assert ran >= 12
