"""Large hostile story folders, made on demand (too big to commit): shared by
tests/test_hostile.py and bench/hostile.py."""

from __future__ import annotations

from pathlib import Path

MANIFEST = 'id: hostile\ntitle: Hostile\nversion: "1"\nstart: {start}\n'
BIG = ("huge_file", "node_flood", "many_choices", "no_ending_100k_scenes", "too_many_files",
       "alias_long_string", "alias_chain_depth", "huge_integer", "long_hex", "sexagesimal", "huge_key")


def make_big(root: Path) -> Path:
    def folder(name: str, start: str = "start") -> Path:
        path = root / name
        path.mkdir()
        (path / "story.yaml").write_text(MANIFEST.format(start=start))
        return path

    with open(folder("huge_file") / "scenes.yaml", "wb") as handle:
        handle.truncate(40 * 1024 * 1024)  # 40 MB of NUL bytes
    (folder("node_flood") / "scenes.yaml").write_text("scenes: [" + ", ".join(["x"] * 3_000_000) + "]\n")
    (folder("many_choices", "s") / "s.yaml").write_text(
        "scenes:\n  s:\n    title: S\n    text: x\n    choices:\n"
        + "".join(f"      - {{label: c{i}, goto: e}}\n" for i in range(100_000))
        + "  e: {title: E, text: e, ending: {kind: victory, title: E}}\n")
    path = folder("no_ending_100k_scenes", "s0")
    for part in range(10):
        rows = [f"  s{i}: {{title: T{i}, text: Room {i}., choices: [{{label: On, goto: s{(i + 1) % 100_000}}}]}}"
                for i in range(part * 10_000, (part + 1) * 10_000)]
        (path / f"part{part}.yaml").write_text("scenes:\n" + "\n".join(rows) + "\n")
    path = folder("too_many_files")
    for i in range(5_001):
        (path / f"f{i}.yaml").write_text(f"scenes:\n  s{i}: {{title: T, text: x}}\n")
    # an alias to a 1 MB string, used 20,000 times: one node each, 20 GB of text
    (folder("alias_long_string") / "scenes.yaml").write_text(
        "texts: &t '" + "w " * 500_000 + "'\nscenes: [" + ", ".join(["*t"] * 20_000) + "]\n")
    # each anchor nests the last one a level deeper: 15 KB, 200 levels once expanded
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [[*a{i - 1}]]" for i in range(1, 200)]
    (folder("alias_chain_depth") / "scenes.yaml").write_text("\n".join(lines) + "\nscenes: {}\n")
    (folder("huge_integer") / "scenes.yaml").write_text("scenes:\n  start: {title: S, text: x, effects: "
                                                         "{add: {x: " + "9" * 5_000 + "}}}\n")
    (folder("long_hex") / "scenes.yaml").write_text("scenes:\n  start: {title: S, text: x, effects: "
                                                     "{add: {x: 0x" + "f" * 5_000 + "}}}\n")
    (folder("sexagesimal") / "scenes.yaml").write_text("scenes:\n  start: {title: S, text: x, effects: "
                                                        "{add: {x: !!int \"" + "1:" * 300_000 + "1\"}}}\n")
    (folder("huge_key") / "scenes.yaml").write_text("scenes:\n  start:\n    title: S\n    ? " + "k" * 15_000_000
                                                     + "\n    : x\n")
    return root


def remove_deep(top: Path) -> None:
    """Remove a chain of nested folders `top/d/d/...` from the bottom up:
    shutil.rmtree (and pytest's clean-up of old runs) recurse, and 1,100
    levels is too deep for them."""
    chain = []
    while top.is_dir() and not top.is_symlink():
        chain.append(top)
        top = top / "d"
    for folder in reversed(chain):
        for item in folder.iterdir():
            if item.is_file() or item.is_symlink():
                item.unlink()
        folder.rmdir()
