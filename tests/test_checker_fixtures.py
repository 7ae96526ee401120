"""One broken story per checker rule, each asserting the exact diagnostics:
file, line, column, message and hint."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, run_game

CHECKER = FIXTURES / "checker"
CASES = sorted(p.name for p in CHECKER.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", CASES)
def test_diagnostics_are_exact(name, monkeypatch):
    from game.story import check
    from game.story import loader

    monkeypatch.chdir(CHECKER)
    expected = (CHECKER / name / "expected.txt").read_text().splitlines()
    story, diags = loader.load_all(name)
    if story is not None:
        diags += sorted(check.warnings(story), key=lambda d: d.sort_key())
    got = [d.format() for d in diags]
    assert got == [line for line in expected if "error:" in line or "warning:" in line]


@pytest.mark.parametrize("name", ["unknown_target", "unreachable"])
def test_cli_output_and_exit_status(name):
    """Errors exit 1, warnings alone exit 0; both end with a summary line."""
    result = run_game("check", name, cwd=CHECKER)
    expected = (CHECKER / name / "expected.txt").read_text()
    assert result.stderr + result.stdout == expected  # diagnostics on stderr, then the summary
    has_errors = ": error: " in expected
    assert result.returncode == (1 if has_errors else 0)
    assert "Traceback" not in result.stderr


def test_every_rule_has_a_fixture():
    """The rules the checker promises, each covered by at least one fixture."""
    text = "\n".join((CHECKER / n / "expected.txt").read_text() for n in CASES)
    for needle in ["YAML syntax", "unknown key", "must be true or false", "duplicate key",
                   "defined twice", "unknown scene 'gondola' (did you mean 'gondolas'?)",
                   "start scene 'begin' does not exist", "is never set", "used here as a counter",
                   "is not allowed in a story", "is unreachable", "a player would be stuck",
                   "no ending can be reached", "set but never read", "can never hold"]:
        assert needle in text, needle
