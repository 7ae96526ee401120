"""Dead Reckoning benchmarks: one table, every figure beside its floor.

    python bench/run.py            # N = 100, 1,000, 10,000
    python bench/run.py --large    # and N = 100,000 (a few minutes)
    python bench/run.py --runs 7   # more repeats (default 5; 3 at 10,000, 1 at 100,000)

Each timing is taken in a fresh interpreter (so no warm object caches help),
repeated, and reported as the median with min-max. Floors are measured in
the same run, on the same files: ratios hold across machines, absolute
times drift. Stories come from bench/synth.py; caches and saves go to a
temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import synth  # noqa: E402

PY = sys.executable

SNIPPETS = {
    "c_parse": """
import sys, time, glob, yaml
files = sorted(glob.glob(sys.argv[1] + "/*.yaml"))
t = time.perf_counter()
for f in files:
    with open(f, "rb") as h:
        yaml.load(h.read(), Loader=yaml.CSafeLoader)
print(time.perf_counter() - t)
""",
    "cold": """
import sys, time
from game.story import build
from game.story import check
from game.story import loader
from game.story import yamlpos  # imports are timed by the first-prompt rows, not here
t = time.perf_counter()
story, _ = loader.load_all(sys.argv[1], use_cache=False)
check.warnings(story)
print(time.perf_counter() - t)
""",
    "warm": """
import sys, time
from game.story import cache
from game import dirs
from game.story import loader
t = time.perf_counter()
story, _ = loader.load_all(sys.argv[1])
assert story is not None
print(time.perf_counter() - t)
""",
    "json": """
import sys, time, json
text = open(sys.argv[1] + ".json").read()
t = time.perf_counter()
json.loads(text)
print(time.perf_counter() - t)
""",
    "steps": """
import sys, time, random, json, tempfile, resource
from pathlib import Path
from game.core import engine
from game.story import loader
from game.saves import store as saves
story, _ = loader.load_all(sys.argv[1])
rng = random.Random(1)
state = engine.new_game(story)
steps, autosaves = [], []
store = saves.SaveStore(Path(tempfile.mkdtemp()), story)
for i in range(20000):
    options = [o for o in engine.options(story, state) if o.enabled]
    option = options[rng.randrange(len(options))]
    t = time.perf_counter_ns()
    nxt = engine.choose(story, state, option.number)
    steps.append(time.perf_counter_ns() - t)
    if i % 50 == 0:
        t = time.perf_counter_ns()
        store.autosave(nxt)
        autosaves.append(time.perf_counter_ns() - t)
    state = engine.retry(story, nxt) if story.scenes[nxt.scene].ending else nxt
steps.sort(); autosaves.sort()
print(json.dumps({"step_median": steps[len(steps) // 2] / 1e9, "step_p99": steps[int(len(steps) * 0.99)] / 1e9,
                  "save_median": autosaves[len(autosaves) // 2] / 1e9,
                  "save_p99": autosaves[int(len(autosaves) * 0.99)] / 1e9,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "bare_walk": """
import sys, time, glob, random, yaml
scenes = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    if not f.endswith("story.yaml"):
        scenes.update(yaml.load(open(f).read(), Loader=yaml.CSafeLoader)["scenes"])
rng = random.Random(1)
here, flags, start = "s000000", set(), "s000000"
t = time.perf_counter()
for _ in range(200000):
    scene = scenes[here]
    if "ending" in scene:
        here, flags = start, set()
        continue
    ok = [c for c in scene["choices"] if "if" not in c or c["if"]["flag"] in flags]
    choice = ok[rng.randrange(len(ok))]
    for name in choice.get("effects", {}).get("set", []) if isinstance(choice.get("effects", {}).get("set"), list) else [choice.get("effects", {}).get("set")] if "effects" in choice else []:
        flags.add(name)
    here = choice["goto"]
print((time.perf_counter() - t) / 200000)
""",
    "random": """
import sys, time
from game.story import loader
from game.author import playtest
story, _ = loader.load_all(sys.argv[1])
t = time.perf_counter()
report = playtest.random_runs(story, 300, 1, max_steps=1000)
print(report.choices / (time.perf_counter() - t))
""",
    "longrun": """
import sys, time, random, json, tempfile, os, resource, io
from pathlib import Path
from game.core import codec, render
from game.core.session import Session
from game.saves.store import SaveStore
from game.story import loader

story, _ = loader.load_all(sys.argv[1])
choices = int(sys.argv[2])
folder = Path(tempfile.mkdtemp())
session = Session(story, store=SaveStore(folder, story))
rng = random.Random(1)
sink = io.StringIO()
turns = []
for i in range(choices):
    # a walk that never restarts: any choice that does not lead to an ending
    options = [o for o in session.options() if o.enabled]
    onward = [o for o in options if not story.scenes[o.choice.goto].ending] or options
    answer = str(onward[rng.randrange(len(onward))].number)
    t = time.perf_counter_ns()
    for event in session.handle(answer):  # the choice, its scene rendered, the autosave (fsync)
        sink.write("\\n".join(render.event_lines(event)))
    turns.append(time.perf_counter_ns() - t)
    sink.seek(0)
    sink.truncate()
    if session.scene().ending:
        session.handle("1")
floor = []
data = b"x" * 2048
for _ in range(300):  # the floor: a bare fsync'd atomic write of 2 KB in the same folder
    t = time.perf_counter_ns()
    fd, temp = tempfile.mkstemp(dir=folder)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.replace(temp, folder / "floor.json")
    floor.append(time.perf_counter_ns() - t)
state = session.state
text = codec.dumps(story, state, "")
warm, cold, restore = [], [], []
for _ in range(100):
    t = time.perf_counter_ns()
    codec.dumps(story, state, "")
    warm.append(time.perf_counter_ns() - t)
    t = time.perf_counter_ns()
    fresh, _ = codec.decode(story, json.loads(text))
    restore.append(time.perf_counter_ns() - t)
    t = time.perf_counter_ns()
    codec.dumps(story, fresh, "")
    cold.append(time.perf_counter_ns() - t)
med = lambda xs: sorted(xs)[len(xs) // 2] / 1e9
print(json.dumps({"first": med(turns[:500]), "last": med(turns[-500:]), "turn": med(turns), "floor": med(floor),
                  "save_warm": med(warm), "save_cold": med(cold), "restore": med(restore),
                  "save_bytes": len(text.encode()), "visited": len(state.visits),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""",
    "bigsave": """
import sys, random, json
from game.core import codec, engine
from game.story import loader
story, _ = loader.load_all(sys.argv[1])
rng = random.Random(1)
state = engine.new_game(story)
for _ in range(int(sys.argv[2])):  # undo history kept, as in play
    options = [o for o in engine.options(story, state) if o.enabled]
    onward = [o for o in options if not story.scenes[o.choice.goto].ending] or options
    state = engine.choose(story, state, onward[rng.randrange(len(onward))].number)
print(json.dumps({"bytes": len(codec.dumps(story, state, "").encode()), "visited": len(state.visits)}))
""",
    "pass": "print(0)",
    "imports": "import yaml, prompt_toolkit",
}


def run(snippet: str, *args: str, env: dict) -> str:
    out = subprocess.run([PY, "-c", SNIPPETS[snippet], *args], capture_output=True, text=True, env=env, cwd=ROOT,
                         check=True)
    return out.stdout.strip()


def wall(argv: list[str], env: dict, stdin=subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - started


def stats(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, what: str, n: str, values, floor_name: str = "", floor_values=None):
        median, low, high = stats(values)
        row = [what, n, fmt(median), f"{fmt(low)} - {fmt(high)}"]
        if floor_values:
            floor = statistics.median(floor_values)
            row += [f"{floor_name} {fmt(floor)}", f"{median / floor:.2f}x"]
        else:
            row += [floor_name, ""]
        self.rows.append(tuple(row))
        return median

    def note(self, what: str, n: str, value: str, floor: str = "", ratio: str = "") -> None:
        self.rows.append((what, n, value, "", floor, ratio))

    def print(self) -> None:
        head = ("measure", "N", "median", "min - max", "floor (same run)", "ratio / target")
        rows = [r[:5] + (" ".join(r[5:]).strip(),) for r in self.rows]
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(6)]
        for row in [head, tuple("-" * w for w in widths), *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def test_rate(game: list[str], story: Path, env: dict) -> float:
    """`dead-reckoning test --random` prints its own rate: read it."""
    out = subprocess.run(game + ["test", str(story), "--random", "300", "--seed", "1"], env=env, cwd=ROOT,
                         capture_output=True, text=True).stdout
    found = re.search(r"\(([\d,]+) choices/s\)", out)
    return float(found.group(1).replace(",", ""))


def long_run(table: Table, story: Path, label: str, env: dict, reps: int) -> None:
    """A 5,000-choice walk that never restarts, through a player's whole
    turn (choice, render, autosave with fsync), then save and restore."""
    results = [json.loads(run("longrun", str(story), "5000", env=env)) for _ in range(reps)]
    pick = lambda key: [r[key] for r in results]  # noqa: E731
    table.add("long run: turn, first 500 choices", label, pick("first"))
    table.add("long run: turn, last 500 of 5,000", label, pick("last"), "first 500", pick("first"))
    table.rows[-1] += ("target <= 1.2x",)
    table.add("long run: turn with autosave (all 5,000)", label, pick("turn"), "fsync'd 2 KB", pick("floor"))
    table.rows[-1] += ("target <= 3x",)
    table.add("long run: save in memory, next after a choice", label, pick("save_warm"))
    table.add("long run: save in memory, first after a load", label, pick("save_cold"))
    table.add("long run: restore in memory (parse + checks)", label, pick("restore"))
    table.rows[-1] += ("target <= 1 ms",)
    table.note("long run: save size after 5,000 choices", label,
               f"{statistics.median(pick('save_bytes')) / 1e3:.0f} KB",
               f"{statistics.median(pick('visited')):,.0f} scenes visited")
    table.note("long run: peak memory, load + 5,000 choices", label, f"{max(pick('peak_mb')):.0f} MB", "",
               "target <= 120 MB")


LSP_SNIPPET = """
import asyncio, json, re, statistics, sys, time
from pathlib import Path
from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

folder, reps = Path(sys.argv[1]).resolve(), int(sys.argv[2])
target = sorted(p for p in folder.glob("*.yaml") if p.name != "story.yaml")[0]
good = target.read_text()
bad = re.sub(r"goto: ([A-Za-z0-9_]+)", r"goto: \\1_missing", good, count=1)  # one error, in that file

async def main():
    client = LanguageClient("bench", "1")
    seen = asyncio.Event()
    last = {}
    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params):
        if params.uri == target.as_uri():
            last["n"] = len(params.diagnostics)
            seen.set()
    await client.start_io(sys.executable, "-m", "game", "lsp")
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(), root_uri=folder.as_uri()))
    client.initialized(t.InitializedParams())
    uri = target.as_uri()
    client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(uri=uri, language_id="yaml",
                                                                                 version=1, text=good)))
    await asyncio.wait_for(seen.wait(), 120)
    times = []
    for i in range(reps * 2):  # broken, fixed, broken...: each change is published
        seen.clear()
        text = bad if i % 2 == 0 else good
        start = time.perf_counter()
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=i + 2),
            content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))
        await asyncio.wait_for(seen.wait(), 120)
        times.append(time.perf_counter() - start)
        assert last["n"] == (1 if i % 2 == 0 else 0), last
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    print(json.dumps(times))

asyncio.run(main())
"""


def lsp_latency(story: Path, reps: int, env: dict) -> list[float] | None:
    """Seconds from an edit to its diagnostics, through the real server on
    stdio (None when pygls, the lsp extra, is not installed)."""
    try:
        import pygls  # noqa: F401
    except ImportError:
        return None
    out = subprocess.run([PY, "-c", LSP_SNIPPET, str(story), str(reps)], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    return json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large", action="store_true", help="also N = 100,000")
    args = parser.parse_args()
    sizes = [100, 1_000, 10_000] + ([100_000] if args.large else [])
    table = Table()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data"),
               "DEAD_RECKONING_SAVE_DIR": str(tmp_path / "saves"), "PYTHONPATH": str(ROOT)}
        script = Path(PY).parent / "dead-reckoning"
        game = [str(script)] if script.exists() else [PY, "-m", "game"]
        runs = args.runs

        empty = [wall([PY, "-c", "pass"], env) for _ in range(runs)]
        floor = [wall([PY, "-c", "import yaml, prompt_toolkit"], env) for _ in range(runs)]
        wall(game + ["--plain"], env)  # fills the cache
        warm = [wall(game + ["--plain"], env) for _ in range(runs)]
        cold = [wall(game + ["--plain", "--no-cache"], env) for _ in range(runs)]
        table.add("python -c pass", "", empty)
        table.add("first prompt, bundled story (cached)", "98", warm, "import yaml+pt", floor)
        table.add("first prompt, bundled story (--no-cache)", "98", cold, "import yaml+pt", floor)
        bundled = lsp_latency(ROOT / "scenes", max(runs, 5), env)
        if bundled is not None:
            table.add("lsp: diagnostics after a change, bundled story", "128", bundled, "target <= 300 ms")

        for n in sizes:
            story = synth.generate(n, tmp_path / f"synth-{n}")
            import yaml

            merged = {}
            for f in sorted(story.glob("*.yaml")):
                merged[f.name] = yaml.load(f.read_text(), Loader=yaml.CSafeLoader)
            (tmp_path / f"synth-{n}.json").write_text(json.dumps(merged))
            reps = 1 if n >= 100_000 else (3 if n >= 10_000 else runs)
            label = f"{n:,}"
            c_parse = [float(run("c_parse", str(story), env=env)) for _ in range(reps)]
            cold_load = [float(run("cold", str(story), env=env)) for _ in range(reps)]
            table.add("cold load + check", label, cold_load, "C-loader parse", c_parse)
            run("warm", str(story), env=env)  # writes the cache
            warm_load = [float(run("warm", str(story), env=env)) for _ in range(reps)]
            json_floor = [float(run("json", str(story), env=env)) for _ in range(reps)]
            table.add("warm load (cached)", label, warm_load, "json.loads", json_floor)
            if n <= 10_000:
                walk = [float(run("bare_walk", str(story), env=env)) for _ in range(reps)]
                results = [json.loads(run("steps", str(story), env=env)) for _ in range(reps)]
                table.add("engine step (median)", label, [r["step_median"] for r in results], "bare dict walk", walk)
                table.add("engine step (p99)", label, [r["step_p99"] for r in results], "bare dict walk", walk)
                table.add("autosave (median, with fsync)", label, [r["save_median"] for r in results])
                table.add("autosave (p99)", label, [r["save_p99"] for r in results])
                table.note("peak memory (load + 20,000 steps)", label,
                           f"{max(r['peak_mb'] for r in results):.0f} MB")
            if n == 1_000:
                rates = [test_rate(game, story, env) for _ in range(reps)]
                median, low, high = stats(rates)
                table.note("test --random: choices per second", label, f"{median:,.0f}",
                           f"range {low:,.0f} - {high:,.0f}", "target >= 50,000")
            if n == 10_000:
                long_run(table, story, label, env, reps)
                big = lsp_latency(story, reps, env)
                if big is not None:
                    table.add("lsp: diagnostics after a change", label, big, "target <= 2 s")
            if n == 100_000:
                found = json.loads(run("bigsave", str(story), "10000", env=env))
                table.note("save after 10,000 choices", label, f"{found['bytes'] / 1e6:.2f} MB",
                           f"{found['visited']:,} scenes visited", "target < 1 MB")
    table.print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
