"""Time and peak memory of `dead-reckoning check` on every hostile story:
the committed corpus (tests/hostile/) and the large cases made on demand.
Prints one table (median and range of wall time over runs, peak RSS).

    python bench/hostile.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import hostile_cases  # noqa: E402


def measure(folder: Path, args: tuple[str, ...] = ("check",), env: dict | None = None) -> tuple[float, float, int]:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "game", *args, str(folder)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                             env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def other_cases(tmp: Path) -> list[tuple[str, Path, tuple[str, ...], dict]]:
    """Hostile folders that are not story files: transcripts, odd folders, a
    save folder with a FIFO and with 40 saves of 8 MiB."""
    import shutil

    vault = ROOT / "examples" / "night-vault"
    out = []

    def story(name: str) -> Path:
        path = tmp / "other" / name
        shutil.copytree(vault, path)
        for old in path.glob("*.transcript"):
            old.unlink()
        return path

    sparse = story("transcript_3gb")
    with open(sparse / "huge.transcript", "wb") as handle:
        handle.truncate(3 * 1024 ** 3)
    out.append(("a 3 GB sparse transcript", sparse, ("test", "--random", "0"), {}))
    answers = story("transcript_4mb")
    (answers / "huge.transcript").write_text("> look\n" * 600_000)
    out.append(("4 MB of transcript answers", answers, ("test", "--random", "0"), {}))
    deep = story("nested_1100")
    level = deep
    for _ in range(1_100):
        level = level / "d"
        level.mkdir()
    out.append(("1,100 nested folders", deep, ("check",), {}))
    saves = tmp / "saves"
    (saves / "night-vault").mkdir(parents=True)
    os.mkfifo(saves / "night-vault" / "pipe.json")
    out.append(("a FIFO named like a save (saves)", vault, ("saves",), {"DEAD_RECKONING_SAVE_DIR": str(saves)}))
    heavy = tmp / "heavy"
    subprocess.run([sys.executable, "-m", "game", "play", "--plain", str(vault)], input=b"1\n", cwd=ROOT,
                   env={**os.environ, "DEAD_RECKONING_SAVE_DIR": str(heavy)}, capture_output=True)
    raw = (heavy / "night-vault" / "autosave.json").read_bytes()
    cut = raw.index(b',"state":') + len(b',"state":')
    big = raw[:cut] + b'{"pad":"' + b"x" * (8 * 1024 * 1024 - len(raw) - 20) + b'",' + raw[cut + 1:]
    for i in range(40):
        (heavy / "night-vault" / f"big{i}.json").write_bytes(big)
    out.append(("40 saves of 8 MiB (saves)", vault, ("saves",), {"DEAD_RECKONING_SAVE_DIR": str(heavy)}))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = hostile_cases.make_big(Path(tmp))
        cases = sorted((ROOT / "tests" / "hostile").iterdir()) + [big / name for name in hostile_cases.BIG]
        floor = [measure(ROOT / "tests" / "hostile" / "bom_is_fine")[0] for _ in range(args.runs)]
        print(f"{'case':<28} {'exit':>4} {'median s':>9} {'min-max s':>13} {'peak MB':>8}")
        print(f"{'(a valid 2-scene story)':<28} {'0':>4} {statistics.median(floor):>9.2f}"
              f" {min(floor):>6.2f}-{max(floor):<6.2f} {'':>8}")
        for case in cases:
            if not case.is_dir():
                continue
            runs = [measure(case) for _ in range(args.runs)]
            times = [t for t, _, _ in runs]
            print(f"{case.name:<28} {runs[0][2]:>4} {statistics.median(times):>9.2f}"
                  f" {min(times):>6.2f}-{max(times):<6.2f} {max(m for _, m, _ in runs):>8.0f}")
        for name, folder, command, env in other_cases(Path(tmp)):
            runs = [measure(folder, command, env) for _ in range(args.runs)]
            times = [t for t, _, _ in runs]
            print(f"{name:<28} {runs[0][2]:>4} {statistics.median(times):>9.2f}"
                  f" {min(times):>6.2f}-{max(times):<6.2f} {max(m for _, m, _ in runs):>8.0f}")
            if name == "1,100 nested folders":  # shutil.rmtree recurses: take it down from the bottom
                hostile_cases.remove_deep(folder / "d")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
