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


def measure(folder: Path) -> tuple[float, float, int]:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "game", "check", str(folder)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
