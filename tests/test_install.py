"""A non-editable install into a fresh venv finds the bundled story and plays
it from another folder. Offline: the wheel is built with the backend already
installed, and the new venv borrows only the runtime dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import prompt_toolkit
import yaml

from conftest import ROOT


def test_fresh_venv_install_plays_bundled_story(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
                    "--no-index", "-w", str(wheels), str(ROOT)], check=True, timeout=300)
    wheel = next(wheels.glob("dead_reckoning-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
                   check=True, timeout=300)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    deps = {str(Path(m.__file__).resolve().parent.parent) for m in (yaml, prompt_toolkit)}
    (site / "zz_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(python), "-c", "import game; print(game.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not the checkout

    script = venv / "bin" / "dead-reckoning"
    checked = subprocess.run([str(script), "check"], cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    played = subprocess.run([str(script), "--plain"], input="3\n", cwd=elsewhere, capture_output=True,
                            text=True, timeout=60)
    assert played.returncode == 0, played.stderr
    assert "== Under the Ice ==" in played.stdout and "== The Central Post ==" in played.stdout
    example = subprocess.run([str(script), "play", "--example", "night-vault", "--plain"], input="1\n", cwd=elsewhere,
                             capture_output=True, text=True, timeout=60)
    assert example.returncode == 0 and "== The Corridor ==" in example.stdout, example.stderr
    licence = subprocess.run([str(python), "-c", "import importlib.metadata as m; print(m.metadata('dead-reckoning')"
                              "['License'] or ''); import game, pathlib; "
                              "print((pathlib.Path(game.__file__).parent / 'LICENSE').read_text()[:11])"],
                             cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert licence.returncode == 0, licence.stderr  # game/LICENSE is in the wheel (reading it would raise)
    metadata, _, shipped = licence.stdout.rstrip("\n").rpartition("\n")
    assert "MIT License" in metadata and shipped == "MIT License", licence.stdout
    module = subprocess.run([str(python), "-m", "game", "--version"], cwd=elsewhere, capture_output=True, text=True)
    assert module.returncode == 0 and module.stdout.startswith("dead-reckoning ")
