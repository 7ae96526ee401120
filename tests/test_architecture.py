"""The layers hold: `lint-imports` checks the contracts in pyproject.toml
(the core is pure, arrows point inward, front ends are independent)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def lint_imports() -> str:
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed (it comes with the test extra)"
    return found


def test_import_contracts_are_kept():
    result = subprocess.run([lint_imports(), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "5 kept" in result.stdout


def test_a_kind_is_defined_once_and_known_everywhere():
    """Every condition, effect and text kind is in its family's table with
    everything the tools ask of it; no tool names a kind class."""
    from game.core import conditions, effects, text

    for table, needed in ((conditions.TABLE, ("build", "holds", "uses", "dnf", "describe", "encode", "decode",
                                               "schema")),
                          (effects.TABLE, ("build", "apply", "uses", "describe", "encode", "decode", "schema")),
                          (text.TABLE, ("build", "render", "uses", "conditions", "words", "encode", "decode",
                                        "schemas"))):
        assert table.kinds
        for kind in table.kinds:
            missing = [name for name in needed if not callable(getattr(kind, name, None))]
            assert not missing, f"{kind.__name__} lacks {missing}"
    for tool in ("story/check.py", "story/cache.py", "author/explore.py", "author/graph.py"):
        source = (ROOT / "game" / tool).read_text()
        for family in (conditions.TABLE, effects.TABLE, text.TABLE):
            for kind in family.kinds:
                assert f".{kind.__name__}(" not in source and f"isinstance(" not in source, (tool, kind.__name__)
