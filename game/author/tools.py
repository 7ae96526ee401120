"""Authoring tools behind `dead-reckoning test`, `graph` and `stats`: they
run the pure explorers and format what they find."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from game.author import explore, graph, playtest, transcripts
from game.core import engine
from game.core.sanitize import visible
from game.core import model as m
from game.story import check


def _path_text(story: m.Story, steps) -> str:
    if not steps:
        return "at the start"
    return "after: " + " > ".join(f"{s.number}. {s.label}" for s in steps)


def _numbers_text(path) -> str:
    return "after: " + (" ".join("retry" if n == 0 else str(n) for n in path) if path else "(the start)")


def _where(scene: m.Scene) -> str:
    return f"{scene.where.file}:{scene.where.line}:{scene.where.col}"


def run_tests(story: m.Story, *, limit: int, random_runs: int, seed: int, max_steps: int, retry: bool,
              update: bool, as_json: bool, out=sys.stdout) -> int:
    problems = 0
    lines: list[str] = []
    report: dict = {"story": story.id}

    found = explore.explore(story, limit=limit, seed=seed)
    state_note = "complete" if found.complete else f"stopped at the limit of {limit:,}; raise it with --limit"
    lines.append(f"explore: {found.states:,} states ({state_note})")
    for scene_id, path in found.stuck:
        problems += 1
        lines.append(f"{_where(story.scenes[scene_id])}: error: stuck in scene '{scene_id}': no choice is "
                     f"available and it is not an ending; {_path_text(story, path)}")
    for scene_id, error, path in found.errors:
        problems += 1
        lines.append(f"{_where(story.scenes[scene_id])}: error: {error}; {_path_text(story, path)}")
    report["explore"] = {"states": found.states, "complete": found.complete,
                         "stuck": [{"scene": s, "path": [st.number for st in p]} for s, p in found.stuck],
                         "errors": [{"scene": s, "error": e, "path": [st.number for st in p]}
                                    for s, e, p in found.errors]}

    randoms = None
    if random_runs:
        started = time.perf_counter()
        randoms = playtest.random_runs(story, random_runs, seed, max_steps, retry=retry)
        rate = randoms.choices / max(time.perf_counter() - started, 1e-9)
        endings = ", ".join(f"{title} x{n}" for title, n in randoms.endings.most_common())
        lines.append(f"random: {randoms.runs:,} runs (seed {seed}), {randoms.choices:,} choices "
                     f"({rate:,.0f} choices/s)"
                     + (f", {randoms.unfinished} stopped at {max_steps} steps" if randoms.unfinished else "")
                     + (f"; endings: {endings}" if endings else ""))
        known = {scene_id for scene_id, _ in found.stuck}  # exploration already reported these
        repeats = sum(1 for _, scene_id, _ in randoms.stuck if scene_id in known)
        if repeats:
            lines.append(f"random: {repeats} run{'s' * (repeats != 1)} reached a stuck state reported above")
        for run, scene_id, path in randoms.stuck:
            if scene_id in known:
                continue
            known.add(scene_id)
            problems += 1
            lines.append(f"{_where(story.scenes[scene_id])}: error: run {run} stuck in scene '{scene_id}'; "
                         f"{_numbers_text(path)}")
        for run, scene_id, error, path in randoms.errors:
            problems += 1
            lines.append(f"{_where(story.scenes[scene_id])}: error: run {run}: {error}; {_numbers_text(path)}")
        report["random"] = {"runs": randoms.runs, "seed": seed, "choices": randoms.choices,
                            "choices_per_second": round(rate),
                            "endings": dict(randoms.endings), "unfinished": randoms.unfinished}

    cover = playtest.coverage(story, found, randoms)
    outcomes = (f", {cover.outcomes_total - len(cover.outcomes_missed)}/{cover.outcomes_total} outcomes"
                if cover.outcomes_total else "")
    lines.append(f"coverage: {cover.scenes_total - len(cover.scenes_missed)}/{cover.scenes_total} scenes, "
                 f"{cover.choices_total - len(cover.choices_missed)}/{cover.choices_total} choices{outcomes} reached")
    for scene in cover.scenes_missed:
        lines.append(f"{_where(scene)}: never reached: scene '{scene.id}'")
    fallbacks = {s.fallback.key for s in story.scenes.values() if s.fallback}
    never = []
    for choice in cover.choices_missed:
        w = choice.where
        if choice.key in fallbacks and found.complete and choice.key.split("/")[0] in found.scene_paths:
            problems += 1  # its scene was reached, every state explored, and another choice was always there
            never.append(choice.key)
            lines.append(f"{w.file}:{w.line}:{w.col}: error: fallback '{choice.label}' can never appear: every "
                         "state that reaches its scene has another choice on offer")
        else:
            lines.append(f"{w.file}:{w.line}:{w.col}: never taken: choice '{choice.label}'")
    for choice, number, outcome in cover.outcomes_missed:
        w = outcome.where
        lines.append(f"{w.file}:{w.line}:{w.col}: never happens: outcome {number + 1} of choice '{choice.label}'")
    report["coverage"] = cover.as_dict()
    report["coverage"]["fallbacks_never_shown"] = never

    files = transcripts.find(story.root)
    passed = failed = 0
    report["transcripts"] = []
    for path in files:
        shown = _display(path)
        if update:
            try:
                transcripts.update(story, path)
            except (transcripts.TooBig, OSError) as exc:
                problems += 1
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                lines.append(f"transcript: {shown}: not re-recorded: {reason}")
                report["transcripts"].append({"file": shown, "updated": False, "failures": [reason]})
                continue
            lines.append(f"transcript: {shown}: re-recorded")
            report["transcripts"].append({"file": shown, "updated": True})
            continue
        result = transcripts.run(story, path, shown)
        if result.passed:
            passed += 1
        else:
            failed += 1
            problems += 1
            lines += result.failures
        report["transcripts"].append({"file": shown, "passed": result.passed, "failures": result.failures})
    if files and not update:
        lines.append(f"transcripts: {passed} passed, {failed} failed")

    verdict = "ok" if problems == 0 else f"{problems} problem{'s' * (problems != 1)}"
    summary = (f"test: {verdict}; {found.states:,} states explored, "
               f"{cover.scenes_total - len(cover.scenes_missed)}/{cover.scenes_total} scenes covered"
               + (f", {passed + failed} transcript{'s' * (passed + failed != 1)}" if files else ""))
    report["problems"] = problems
    if as_json:
        print(json.dumps(report, indent=2), file=out)
    else:
        print("\n".join(lines + [summary]), file=out)
    return 1 if problems else 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def stats(story: m.Story, *, runs: int, seed: int, out=sys.stdout) -> int:
    basic = check.stats(story)
    scenes = story.scenes.values()
    kinds = Counter(s.ending.kind for s in scenes if s.ending)
    names = {kind: story.symbols.names(kind) for kind in ("flag", "item", "counter")}
    randoms = playtest.random_runs(story, runs, seed, count_words=True, retry=False)
    lengths = sorted(randoms.words)
    by_chapter = Counter(s.chapter for s in scenes)
    rows = [
        ("words", f"{basic['words']:,}"),
        ("scenes", f"{basic['scenes']:,} in {len(by_chapter)} chapter{'s' * (len(by_chapter) != 1)}"),
        ("choices", f"{basic['choices']:,} ({sum(1 for s in scenes for c in s.choices if c.cond):,} conditional)"),
        ("endings", f"{basic['endings']} ({kinds[m.VICTORY]} victory, {kinds[m.FAILURE]} failure)"),
        ("checkpoints", str(sum(1 for s in scenes if s.checkpoint))),
        ("replies", str(sum(1 for s in scenes for c in s.targets() if c.reply or any(o.reply for o in c.outcomes)))),
        ("outcomes", f"{sum(len(c.outcomes) for s in scenes for c in s.targets())} on choices, "
                            f"{sum(len(s.outcomes) for s in scenes)} on scene entries"),
        ("subroutines", f"{len({c.call for s in scenes for c in s.choices if c.call})} called from "
                        f"{sum(1 for s in scenes for c in s.choices if c.call)} choices"),
        ("flags", f"{len(names['flag'])}"), ("items", f"{len(names['item'])}"),
        ("counters", f"{len(names['counter'])}"),
    ]
    if lengths:
        rows.append(("playthrough", f"{lengths[0]:,} / {int(statistics.median(lengths)):,} / {lengths[-1]:,} "
                                    f"words (shortest / median / longest of {len(lengths)} random runs, "
                                    f"seed {seed})"))
    found = explore.explore(story, seed=seed)
    wins = [found.scene_paths[s.id] for s in scenes if s.ending and s.ending.kind == m.VICTORY
            and s.id in found.scene_paths]
    if wins:
        path = min(wins, key=len)
        state = engine.new_game(story, seed)
        read = sum(len(p.split()) for p in engine.view(story, state).paragraphs)
        for step in path:
            state = engine.choose(story, state, step.number)
            read += sum(len(p.split()) for p in engine.view(story, state).paragraphs)
        rows.append(("shortest win", f"{len(path)} choices, {read:,} words"))
    width = max(len(k) for k, _ in rows)
    print(f"{story.title} ({story.id} {story.version})", file=out)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}", file=out)
    for chapter, count in by_chapter.items():
        words = sum(check.scene_words(s) for s in scenes if s.chapter == chapter)
        print(f"  {'':<{width}}  {chapter or '(no chapter)'}: {count} scenes, {words:,} words", file=out)
    return 0


MAX_WALKTHROUGH_BYTES = 1024 * 1024


def walkthrough_stats(story: m.Story, path: str, out=sys.stdout) -> int:
    """`stats --walkthrough FILE`: the screens a player sees along the answers."""
    from game.author import walk

    try:
        with open(path, "rb") as handle:  # a walkthrough is answers: a megabyte is plenty
            raw = handle.read(MAX_WALKTHROUGH_BYTES + 1)
        if len(raw) > MAX_WALKTHROUGH_BYTES:
            raise ValueError(f"larger than {MAX_WALKTHROUGH_BYTES:,} bytes")
        text = raw.decode("utf-8")
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        reason = getattr(exc, "strerror", None) or ("not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc)
        print(f"stats: cannot read walkthrough {visible(path)}: {reason}", file=sys.stderr)
        return 1
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    try:
        screens = walk.walk(story, [answer for _, answer in lines])
    except walk.WalkError as exc:
        print(f"{visible(path)}:{lines[exc.index][0]}: {visible(str(exc))}", file=sys.stderr)
        return 1
    rows = walk.table(screens)
    width = max(len("chapter"), *(len(visible(r[0])) for r in rows))
    print(f"{'chapter':<{width}}  screens   words  single-choice  repeating", file=out)
    for chapter, count, words, single, repeating in rows:
        print(f"{visible(chapter):<{width}}  {count:>7}  {words:>6}  {single:>13}  {repeating:>9}", file=out)
    count, words, single, repeating = (sum(column) for column in list(zip(*rows))[1:])
    print(f"{'all':<{width}}  {count:>7}  {words:>6}  {single:>13}  {repeating:>9}", file=out)
    for n, screen in enumerate(screens):
        if screen.offered == 1:
            print(f"  screen {n} ({screen.scene}) offers one choice", file=out)
        if screen.repeats:
            print(f"  screen {n} ({screen.scene}) repeats: {visible(screen.repeats[0][:60])}...", file=out)
    return 0


def render_graph(story: m.Story, fmt: str, chapter: str | None, out=sys.stdout) -> int:
    if chapter and not graph.select(story, chapter):
        print(f"graph: no chapter matches '{chapter}'; chapters: " + "; ".join(graph.chapters(story)),
              file=sys.stderr)
        return 1
    if fmt == "markdown":  # a fenced block: `graph > map.md` renders on code hosts
        out.write("```mermaid\n" + graph.mermaid(story, chapter) + "```\n")
    else:
        out.write(graph.mermaid(story, chapter) if fmt == "mermaid" else graph.dot(story, chapter))
    return 0
