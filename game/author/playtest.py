"""Seeded random playthroughs and coverage, for `dead-reckoning test` and
`stats`. Pure: the same story, seed and bounds give the same report."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace

from game.author.explore import Exploration
from game.core import engine
from game.core import model as m


@dataclass
class RandomReport:
    runs: int = 0
    choices: int = 0
    endings: Counter = field(default_factory=Counter)  # ending title -> runs
    unfinished: int = 0  # runs stopped by the step bound
    stuck: list[tuple[int, str, tuple[int, ...]]] = field(default_factory=list)  # run, scene, choices
    errors: list[tuple[int, str, str, tuple[int, ...]]] = field(default_factory=list)  # run, scene, error, path
    scene_hits: Counter = field(default_factory=Counter)
    choice_hits: Counter = field(default_factory=Counter)
    outcome_hits: Counter = field(default_factory=Counter)  # "choice-key@n"
    words: list[int] = field(default_factory=list)  # words read in each finished run


def random_runs(story: m.Story, runs: int, seed: int, max_steps: int = 1000, *, count_words: bool = False,
                retry: bool = True, on_state=None) -> RandomReport:
    """`runs` playthroughs choosing uniformly among enabled choices. Run i
    uses its own generator seeded from (seed, i), so any run can be replayed
    alone. With `retry`, a failure ending is retried from the checkpoint, as
    a player would, and a run ends at a victory (or the step bound).
    `on_state` (if given) is called with every state visited."""
    report = RandomReport()
    for run in range(runs):
        rng = random.Random(f"{seed}:{run}")
        state = engine.new_game(story, seed=rng.randrange(2**31))
        path: list[int] = []
        words = 0
        report.runs += 1
        for _ in range(max_steps + 1):
            report.scene_hits[state.scene] += 1
            if on_state is not None:
                on_state(state)
            try:
                if count_words:
                    view = engine.view(story, state)
                    words += sum(len(p.split()) for p in view.paragraphs)
                    options = view.options
                else:
                    options = engine.options(story, state)
            except Exception as exc:
                report.errors.append((run, state.scene, f"{type(exc).__name__}: {exc}", tuple(path)))
                break
            scene = story.scenes[state.scene]
            if scene.ending:
                report.endings[scene.ending.title] += 1
                if not retry or scene.ending.kind == m.VICTORY:
                    if count_words:
                        report.words.append(words)
                    break
                if len(path) == max_steps:
                    report.unfinished += 1
                    break
                path.append(0)  # 0 in a path means: retry from the checkpoint
                state = engine.retry(story, state)
                state = replace(state, history=())
                continue
            enabled = [o for o in options if o.enabled]
            if not enabled:
                report.stuck.append((run, state.scene, tuple(path)))
                break
            if len(path) == max_steps:
                report.unfinished += 1
                break
            option = enabled[rng.randrange(len(enabled))]
            report.choice_hits[option.choice.key] += 1
            path.append(option.number)
            try:
                state, step = engine.act(story, state, option.choice, keep_history=False)
                if step.outcome is not None:
                    report.outcome_hits[f"{option.choice.key}@{step.outcome}"] += 1
            except Exception as exc:
                report.errors.append((run, state.scene, f"{type(exc).__name__}: {exc}", tuple(path)))
                break
            report.choices += 1
    return report


@dataclass
class Coverage:
    scenes_missed: list[m.Scene]
    choices_missed: list[m.Choice]
    scenes_total: int
    choices_total: int
    outcomes_missed: list = field(default_factory=list)  # (choice, outcome number, outcome)
    outcomes_total: int = 0

    def as_dict(self) -> dict:
        where = lambda w: {"file": w.file, "line": w.line, "column": w.col}  # noqa: E731
        return {
            "scenes": {"total": self.scenes_total, "reached": self.scenes_total - len(self.scenes_missed),
                       "missed": [{"id": s.id, **where(s.where)} for s in self.scenes_missed]},
            "choices": {"total": self.choices_total, "reached": self.choices_total - len(self.choices_missed),
                        "missed": [{"key": c.key, "label": c.label, **where(c.where)}
                                   for c in self.choices_missed]},
            "outcomes": {"total": self.outcomes_total, "reached": self.outcomes_total - len(self.outcomes_missed),
                         "missed": [{"choice": c.key, "outcome": n + 1, **where(o.where)}
                                    for c, n, o in self.outcomes_missed]},
        }


def coverage(story: m.Story, exploration: Exploration | None, randoms: RandomReport | None) -> Coverage:
    scenes_hit: set[str] = set()
    choices_hit: set[str] = set()
    if exploration is not None:
        scenes_hit |= set(exploration.scene_paths)
        choices_hit |= exploration.choices_taken
    if randoms is not None:
        scenes_hit |= set(randoms.scene_hits)
        choices_hit |= set(randoms.choice_hits)
    outcomes_hit: set[str] = set()
    if exploration is not None:
        outcomes_hit |= exploration.outcomes_taken
    if randoms is not None:
        outcomes_hit |= set(randoms.outcome_hits)
    all_choices = [c for s in story.scenes.values() for c in s.targets()]
    outcomes = [(c, n, o) for c in all_choices for n, o in enumerate(c.outcomes)]
    return Coverage([s for s in story.scenes.values() if s.id not in scenes_hit],
                    [c for c in all_choices if c.key not in choices_hit],
                    len(story.scenes), len(all_choices),
                    [(c, n, o) for c, n, o in outcomes if f"{c.key}@{n}" not in outcomes_hit], len(outcomes))
