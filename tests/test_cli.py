"""The command line, end to end through a subprocess."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, run_game, write_story


def test_version_and_help():
    from game import __version__

    result = run_game("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"dead-reckoning {__version__}"
    result = run_game("--help")
    assert result.returncode == 0 and "check" in result.stdout and "play" in result.stdout


def test_check_bundled_story_by_default():
    result = run_game("check")
    assert result.returncode == 0, result.stderr
    assert "0 errors, 0 warnings" in result.stdout


def test_plain_mode_plays_to_victory_and_exits_zero():
    answers = "1\nthermos\nkeycard\nlift\nswipe\ntake\n"  # by number and by words
    result = run_game("play", "--plain", "examples/night-vault", input=answers)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("== The Alley ==") < out.index("== The Corridor ==") < out.index("== The Vault ==")
    assert "*** MISSION ACCOMPLISHED: Clean Exit ***" in out
    # after a victory, as in every front end: restart or quit (nothing to retry)
    assert out.rstrip().endswith("1. Restart from the beginning\n2. Quit\n>")
    assert "Retry from the last checkpoint" not in out
    assert "'keycard' fits more than one choice" in out
    assert "\x1b" not in out  # plain means plain


def test_plain_mode_hints_then_exits_at_eof():
    result = run_game("play", "examples/night-vault", input="dance\n7\n")
    assert result.returncode == 0
    assert "No choice matches 'dance'" in result.stdout
    assert "There is no choice 7; choose 1 to 2." in result.stdout
    assert result.stdout.count("== The Alley ==") == 1  # a hint does not re-print the scene


def test_failure_offers_retry_from_checkpoint():
    result = run_game("examples/night-vault", input="knock\n1\n")
    assert "*** MISSION FAILED: Caught in the Act ***" in result.stdout
    assert "1. Retry from the last checkpoint" in result.stdout
    assert result.stdout.count("== The Alley ==") == 2
    assert "This time you know the floor creaks" in result.stdout  # the retry is remembered


def test_the_ending_menus_words_are_its_commands_without_a_question():
    """'retry' is both the command and the start of "Retry from the last
    checkpoint": at an ending they mean the same, so nobody is asked which."""
    result = run_game("examples/night-vault", input="knock\nretry\n")
    assert "also the start of choice" not in result.stdout
    assert result.stdout.count("== The Alley ==") == 2


def test_commands_in_plain_mode():
    result = run_game("examples/night-vault", input="status\n1\nundo\nhelp\nquit\n")
    out = result.stdout
    assert "You carry: a roll of lockpicks." in out
    assert "You take it back." in out
    assert "retry" in out and "Goodbye." in out
    assert result.returncode == 0


def test_broken_story_prints_diagnostics_not_a_traceback(tmp_path):
    folder = write_story(tmp_path / "s", "scenes:\n  start:\n    title: S\n    text: x\n    choices:\n"
                                         "      - {label: go, goto: nowhere}\n")
    for command in ("play", "check"):
        result = run_game(command, str(folder), input="")
        assert result.returncode == 1
        assert "scenes.yaml:6:27: error: unknown scene 'nowhere'" in result.stderr
        assert "Traceback" not in result.stderr


def test_missing_story_folder(tmp_path):
    result = run_game("check", str(tmp_path / "nope"))
    assert result.returncode == 1 and "no such story folder" in result.stderr


def test_garbage_bytes_on_stdin_do_not_crash():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "game", "examples/night-vault"], input=b"\xff\xfe\x00\n1\n",
                            capture_output=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0 and b"Traceback" not in result.stderr


def test_a_mistyped_command_is_not_taken_for_a_story_folder(tmp_path):
    result = run_game("chek", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "dead-reckoning: 'chek' is not a command or a story folder (did you mean 'check'?)\n"
    (tmp_path / "chek").mkdir()  # a folder by that name is a story folder, as asked
    assert "no such story folder" not in run_game("chek", cwd=tmp_path).stderr
    assert "a story folder needs a manifest" in run_game("chek", cwd=tmp_path).stderr


def test_the_examples_ship_with_the_game():
    played = run_game("play", "--example", "night-vault", "--plain", input="1\n")
    assert played.returncode == 0 and "== The Corridor ==" in played.stdout
    assert run_game("check", "--example", "the-courier").returncode == 0
    wrong = run_game("play", "--example", "nite-vault")
    assert wrong.returncode == 2 and "there is no example 'nite-vault' (did you mean 'night-vault'?)" in wrong.stderr


def test_lsp_without_its_extra_says_how_to_install_it():
    """The game never needs pygls; `lsp` without it is one line and status 2."""
    code = ("import sys; sys.modules['pygls'] = None; from game.cli import main; "
            "sys.argv = ['dead-reckoning', 'lsp']; raise SystemExit(main())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("dead-reckoning lsp: the language server needs pygls: "
                                     "pip install 'dead-reckoning[lsp]'")
