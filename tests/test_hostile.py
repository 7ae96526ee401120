"""Hostile story folders (tests/hostile/, plus large ones made here): `check`
and `play` answer each with one clear error (file and position where there
is one) and exit 1, within the time and memory docs/security.md states,
never with a traceback and never touching anything outside the process."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hostile_cases

HOSTILE = Path(__file__).resolve().parent / "hostile"
MEMORY_MB = 300  # stated in docs/security.md
GUARD_SECONDS = 60  # a hang guard for slow CI machines, not a benchmark (see bench/hostile.py)

EXPECTED = {  # case -> the first diagnostic, as a pattern
    "alias_bomb": r"scenes\.yaml:5:36: error: aliases expand this document past",
    "control_characters_in_ids": r"scenes\.yaml:2:3: error: quoted text contains control character U\+0007",
    "deep_mappings": r"scenes\.yaml:1:\d+: error: nesting is deeper than 64 levels",
    "deep_sequences": r"scenes\.yaml:1:\d+: error: nesting is deeper than 64 levels",
    "duplicate_keys": r"scenes\.yaml:3:3: error: duplicate key 'start'",
    "huge_numbers": r"scenes\.yaml:2:84: error: a number 25 characters long; numbers here have at most 18 digits",
    "invalid_utf8": r"scenes\.yaml:3:15: error: file is not valid UTF-8 text",
    "nul_and_binary": r"scenes\.yaml:3:16: error: file is not valid UTF-8 text",
    "overlong_text": r"scenes\.yaml:2:27: error: text is 29,999 characters long; the limit is 20,000",
    "path_separators_in_ids": r"scenes\.yaml:2:3: error: scene id '\.\./\.\./etc/passwd' is not a valid name",
    "python_name_in_manifest": r"story\.yaml:1:5: error: tag '!!python/name:os\.system' is not allowed",
    "python_object_tag": r"scenes\.yaml:3:12: error: tag '!!python/object/apply:os\.system' is not allowed",
    "raw_escape_byte": r"scenes\.yaml:4:11: error: control character U\+001B is not allowed",
    "self_referencing_anchor": r"scenes\.yaml:2:41: error: an alias refers to the node that contains it",
    "symlink_outside": r"scenes\.yaml: error: not a regular file \(links are not followed\)",
    "tab_indentation": r"scenes\.yaml:2:1: error: YAML syntax: a tab here; YAML is indented with spaces",
    "terminal_escapes_in_text": r"scenes\.yaml:3:12: error: quoted text contains control character U\+001B",
    "two_documents": r"scenes\.yaml:2:1: error: a story file holds one YAML document, not several",
    # made by the `big` fixture below
    "huge_file": r"scenes\.yaml: error: file is 41,943,040 bytes; the limit is 16,777,216",
    "node_flood": r"scenes\.yaml:1:\d+: error: more than 1,000,000 YAML nodes in one file; split it up",
    "many_choices": r"s\.yaml:6:7: error: scene 's' has 100,000 choices; the limit is 1,000",
    "no_ending_100k_scenes": r"story\.yaml:1:1: error: the story has no ending",
    "too_many_files": r"too_many_files: error: 5,001 scene files; the limit is 5,000",
    "alias_long_string": r"scenes\.yaml:2:\d+: error: aliases bring in more than 1,000,000 characters of text",
    "alias_chain_depth": r"scenes\.yaml:\d+:\d+: error: this alias nests the document deeper than 64 levels",
    "huge_integer": r"scenes\.yaml:2:49: error: a number 5,000 characters long; numbers here have at most 18 digits",
    "long_hex": r"scenes\.yaml:2:49: error: a number 5,002 characters long; numbers here have at most 18 digits",
    "sexagesimal": r"scenes\.yaml:2:49: error: '!!int' must be a whole number written in digits",
    "huge_key": r"scenes\.yaml:4:7: error: a key 15,000,000 characters long; keys are short names",
}
BIG = hostile_cases.BIG


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Path:
    return hostile_cases.make_big(tmp_path_factory.mktemp("hostile-big"))


def run_bounded(args: list[str], cwd: Path, home: Path) -> tuple[int, str, str, float, float]:
    """Run the game with a 1 GB address-space cap; return its exit code,
    output, wall time and peak memory (MB), measured for this child alone."""
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "DEAD_RECKONING_SAVE_DIR": str(home / "saves")}

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    out_path, err_path = home.parent / "out.txt", home.parent / "err.txt"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "game", *args], cwd=cwd, env=env, stdout=out,
                                 stderr=err, stdin=subprocess.DEVNULL, preexec_fn=cap)
        deadline = started + GUARD_SECONDS
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pytest.fail(f"{args} did not finish in {GUARD_SECONDS} s")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return (child.returncode, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
            seconds, usage.ru_maxrss / 1024)


@pytest.mark.parametrize("command", ["check", "play"])
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_story_gets_one_clear_error(case, command, big, tmp_path):
    folder = big / case if case in BIG else HOSTILE / case
    home = tmp_path / "home"
    home.mkdir()
    args = [command, str(folder)] + (["--plain"] if command == "play" else [])
    code, out, err, seconds, peak = run_bounded(args, cwd=tmp_path, home=home)
    assert code == 1, out + err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert re.search(EXPECTED[case], first), first
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", err)  # nothing that could drive a terminal
    assert peak < MEMORY_MB, f"{peak:.0f} MB"
    leftovers = [p for p in home.rglob("*")] + [p for p in tmp_path.iterdir() if p.name not in
                                                 ("home", "out.txt", "err.txt")]
    assert leftovers == []  # no saves, no history, no files: no side effects
    assert not Path("PWNED").exists() and not (tmp_path / "PWNED").exists()


def test_a_bom_is_accepted():
    from game.story import loader

    assert loader.load_story(HOSTILE / "bom_is_fine").title == "Hostile"


def test_every_committed_case_is_checked():
    committed = {p.name for p in HOSTILE.iterdir() if p.is_dir()} - {"bom_is_fine"}
    assert committed <= set(EXPECTED)


@pytest.mark.parametrize("kind", ["sparse 3 GB", "4 MB of answers"])
def test_a_hostile_transcript_is_refused_in_one_line_within_bounds(kind, tmp_path):
    import shutil

    story = tmp_path / "vault"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "night-vault", story)
    for old in story.glob("*.transcript"):
        old.unlink()
    path = story / "huge.transcript"
    if kind == "sparse 3 GB":
        with open(path, "wb") as handle:
            handle.truncate(3 * 1024 ** 3)
    else:
        path.write_text("> look\n" * 600_000)  # 4.2 MB
    home = tmp_path / "home"
    home.mkdir()
    for args in (["test", str(story), "--random", "0"], ["test", str(story), "--random", "0", "--update"]):
        code, out, err, seconds, peak = run_bounded(args, cwd=tmp_path, home=home)
        assert code == 1 and "Traceback" not in err, out + err
        assert "huge.transcript: " in out and "is larger than 1,048,576 bytes" in out, out
        assert peak < MEMORY_MB, f"{peak:.0f} MB"
    assert path.stat().st_size > 4_000_000  # --update left it alone


def test_a_transcript_with_too_many_answers_is_refused(tmp_path):
    from game.author import transcripts
    from game.story import loader

    story = loader.load_story(Path(__file__).resolve().parent.parent / "examples" / "night-vault")
    path = tmp_path / "many.transcript"
    path.write_text("> look\n" * (transcripts.MAX_ANSWERS + 1))
    result = transcripts.run(story, path, "many.transcript")
    assert result.failures == ["many.transcript: the transcript cannot be played: it has 2,001 answers; the limit "
                               "is 2,000, so split it"]


def _odd_folder(kind: str, root: Path) -> Path:
    import shutil

    story = root / kind
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "night-vault", story)
    if kind == "nested_1100":
        deep = story
        for _ in range(1_100):  # one at a time: mkdir(parents=True) recurses
            deep = deep / "d"
            deep.mkdir()
        (deep / "x.yaml").write_text("scenes: {}\n")
    elif kind == "link_loops":
        (story / "up").symlink_to("..")
        (story / "a").mkdir()
        (story / "a" / "self").symlink_to(story / "a")
    else:  # a scene file and a transcript whose names are not UTF-8, and a folder (of pictures) too
        with open(os.fsencode(story) + b"/\xff\xfe.yaml", "w") as handle:
            handle.write("scenes: {}\n")
        os.mkdir(os.fsencode(story) + b"/m\xe9dia")
        with open(os.fsencode(story) + b"/m\xe9dia/pic.png", "wb") as handle:
            handle.write(b"\x89PNG")
        with open(os.fsencode(story) + b"/\xff.transcript", "w") as handle:
            handle.write("> 1\n")
    return story


ODD_FOLDERS = {
    "nested_1100": None,  # walked without recursion: a scene file 1,100 folders down is read like any other
    "link_loops": None,  # links are not followed: the story is the vault, and plays
    "name_not_utf8": r"name_not_utf8/\\xff\\xfe\.yaml: error: the name is not UTF-8 text: rename it",
}


@pytest.mark.skipif(os.name != "posix", reason="POSIX file names and links")
@pytest.mark.parametrize("command", ["check", "play", "test"])
@pytest.mark.parametrize("kind", sorted(ODD_FOLDERS))
def test_odd_story_folders_get_one_clear_error(kind, command, tmp_path):
    story = _odd_folder(kind, tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    args = [command, str(story)] + (["--plain"] if command == "play" else ["--random", "0"] if command == "test" else [])
    try:
        code, out, err, seconds, peak = run_bounded(args, cwd=tmp_path, home=home)
    finally:
        hostile_cases.remove_deep(story / "d")
    assert "Traceback" not in err, err
    if ODD_FOLDERS[kind] is None:
        assert code == 0, out + err
    else:
        assert code == 1 and re.search(ODD_FOLDERS[kind], err.splitlines()[0]), err
