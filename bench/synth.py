"""Synthetic stories in our format, at any size, for benchmarks.

    python bench/synth.py N OUT_DIR

N scenes of about 80 words, three choices each: the first leads on (so every
scene is reachable), about a third of scenes set a flag, about a third have a
choice gated on one; one scene in fifty is an ending. Files hold 1,000 scenes
each. The same N always makes the same story.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = ("the rain steel door corridor guard radio key train bridge canal mask knife shadow light window "
         "station desk ledger vault signal mirror dust ridge engine carriage roof tunnel sand water street "
         "night morning quiet loud cold warm old new fast slow open closed heavy empty narrow wide far near "
         "you run wait listen climb jump hide watch turn follow lose find hold drop take give answer ask "
         "behind before under over across along inside outside toward away again still only almost never").split()
PER_FILE = 1_000


def scene_id(i: int) -> str:
    return f"s{i:06d}"


def prose(rng: random.Random, words: int = 80) -> str:
    out, line = [], []
    for n in range(words):
        word = rng.choice(WORDS)
        line.append(word.capitalize() if n == 0 or out and out[-1].endswith(".") and not line else word)
        if len(line) >= 12:
            out.append(" ".join(line) + ".")
            line = []
    if line:
        out.append(" ".join(line) + ".")
    return " ".join(out)


def generate(n: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    endings = max(1, n // 50)
    regular = n - endings
    flags = [f"f{i}" for i in range(max(3, n // 20))]
    (out / "story.yaml").write_text(f'id: synth-{n}\ntitle: Synthetic {n}\nversion: "1"\nstart: {scene_id(0)}\n')
    lines: list[str] = []
    for i in range(n):
        sid = scene_id(i)
        lines.append(f"  {sid}:")
        lines.append(f"    title: Scene {i}")
        lines.append(f"    text: >-\n      {prose(rng)}")
        if i >= regular:
            lines.append(f"    ending: {{kind: {'victory' if i == n - 1 else 'failure'}, title: End {i}}}")
        else:
            on = scene_id(i + 1)
            side = scene_id(regular + i if i < endings else rng.randrange(n))  # every ending has a way in
            if side == sid:
                side = scene_id(i + 1)
            back = scene_id(rng.randrange(regular))
            if back == sid:  # coming straight back, unchanged, is a choice with nothing to show
                back = scene_id((i + 2) % regular)
            flag = flags[(i // 3) % len(flags)]  # scene 3k+1 sets it, scene 3k+2 reads it
            lines.append("    choices:")
            lines.append(f"      - {{label: Go on toward {rng.choice(WORDS)}, goto: {on}}}")
            if i % 3 == 1:
                lines.append(f"      - {{label: Take the {rng.choice(WORDS)}, goto: {side}, effects: {{set: {flag}}}}}")
            else:
                lines.append(f"      - {{label: Try the {rng.choice(WORDS)}, goto: {side}}}")
            if i % 3 == 2:
                lines.append(f"      - {{label: Use what you know, goto: {back}, if: {{flag: {flag}}}}}")
            else:
                lines.append(f"      - {{label: Turn back to the {rng.choice(WORDS)}, goto: {back}}}")
        if (i + 1) % PER_FILE == 0 or i == n - 1:
            (out / f"part{i // PER_FILE:04d}.yaml").write_text("scenes:\n" + "\n".join(lines) + "\n")
            lines = []
    return out


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
