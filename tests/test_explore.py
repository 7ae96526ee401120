"""The explorer's state key: clamping counters that conditions only compare
with numbers finds exactly what keeping every value apart finds (checked on
random stories with cycles, once-only choices, entry effects and random
outcomes), with fewer states."""

from __future__ import annotations

import random

import pytest

from conftest import make_story
from game.author import explore
from game.core import engine

COMPARE = ["{c} >= {k}", "{c} < {k}", "{c} == {k}", "{c} > {k}", "{c} <= {k}", "{k} <= {c}", "{c} != {k}"]


def random_story(rng: random.Random) -> str:
    """Half are acyclic (any choice may change counters); half loop, and
    there only once-only choices change them (or exact counts never end)."""
    n = rng.randint(5, 9)
    loops = rng.random() < 0.5
    lines = ["scenes:"]
    for i in range(n):
        lines += [f"  s{i}:", f"    title: S{i}", f"    text: Scene {i}."]
        if i >= n - 2:
            lines.append(f"    ending: {{kind: {'victory' if i == n - 1 else 'failure'}, title: E{i}}}")
            continue
        if rng.random() < 0.3 and not loops:
            lines.append(f"    effects: {{add: {{{rng.choice('ab')}: {rng.choice([-1, 1, 2])}}}}}")
        lines.append("    choices:")
        for j in range(rng.randint(1, 3)):
            lines.append(f"      - label: Choice {j}")
            target = rng.randrange(n) if loops else rng.randrange(i + 1, n)
            target = None if loops and rng.random() < 0.2 else target
            if target is None:
                lines.append("        reply: Nothing changes but the numbers.")  # stays
            else:
                lines.append(f"        goto: s{target}")
            once = rng.random() < 0.4
            if once:
                lines.append("        once: true")
            if rng.random() < 0.6:
                test = rng.choice(COMPARE).format(c=rng.choice("ab"), k=rng.randint(-2, 4))
                if rng.random() < 0.3:
                    test += f" and {rng.choice(COMPARE).format(c=rng.choice('ab'), k=rng.randint(-2, 4))}"
                lines.append(f'        if: "{test}"')
            if rng.random() < 0.7 and (once or not loops):
                lines.append(f"        effects: {{add: {{{rng.choice('ab')}: {rng.choice([-2, -1, 1, 1, 2, 3])}}}}}")
        lines.append(f"    fallback: {{goto: s{n - 2}}}")  # never stuck on a closed door
    return "\n".join(lines) + "\n"


def observations(story, clamp: bool) -> set:
    """Every (scene, which choices are open) a player can meet, searched with
    the explorer's key: a key that merged states with different futures
    would lose some."""
    key = explore.KeyFunction(story, clamp=clamp)
    start = engine.new_game(story)
    seen, queue, found = {key(start)}, [start], set()
    while queue:
        state = queue.pop()
        view = engine.view(story, state)
        found.add((state.scene, tuple(o.enabled for o in view.options)))
        if view.ending:
            continue
        for option in view.options:
            if option.enabled:
                for _, nxt in engine.successors(story, state, option.choice):
                    if key(nxt) not in seen and len(seen) < 100_000:
                        seen.add(key(nxt))
                        queue.append(nxt)
    return found


def findings(found: explore.Exploration):
    return (set(found.scene_paths), found.choices_taken, found.outcomes_taken,
            {scene for scene, _ in found.stuck}, {(s, e) for s, e, _ in found.errors}, found.complete)


@pytest.mark.parametrize("seed", range(60))
def test_clamped_counters_find_exactly_what_exact_counters_find(tmp_path, seed):
    rng = random.Random(seed)
    story = make_story(tmp_path, random_story(rng), start="s0",
                       manifest_extra="initial: {counters: {a: 0, b: 0}}\n")
    clamped = explore.explore(story, limit=200_000)
    exact = explore.explore(story, limit=200_000, clamp=False)
    assert exact.complete
    assert findings(clamped) == findings(exact)
    assert clamped.states <= exact.states
    assert observations(story, True) == observations(story, False)


CHAIN = """\
scenes:
  start:
    title: Start
    text: Make noise or not, a hundred times over.
    choices:
      - {label: Loud, reply: Noise., effects: {add: {heat: 1}}, if: "heat < 100"}
      - {label: Go on, goto: gate}
  gate:
    title: Gate
    text: Are they waiting?
    choices:
      - {label: Front door, goto: won, if: "heat < 3"}
      - {label: Back door, goto: won}
  won:
    title: Won
    text: Out.
    ending: {kind: victory, title: Out}
"""


# The same noise made by walking back in: a scene's own effects, each entry.
REENTER = CHAIN.replace("""      - {label: Loud, reply: Noise., effects: {add: {heat: 1}}, if: "heat < 100"}""",
                        """      - {label: Loud, goto: start, if: "heat < 100"}""").replace(
    "    text: Make noise or not, a hundred times over.\n",
    "    text: Make noise or not, a hundred times over.\n    effects: {add: {heat: 1}}\n")


@pytest.mark.parametrize("scenes", [CHAIN, REENTER], ids=["repeated choice", "re-entered scene"])
def test_a_counter_past_every_test_is_one_state(tmp_path, scenes):
    story = make_story(tmp_path, scenes, manifest_extra="initial: {counters: {heat: 0}}\n")
    clamped, exact = explore.explore(story), explore.explore(story, clamp=False)
    assert findings(clamped) == findings(exact)
    assert observations(story, True) == observations(story, False)  # "Loud" shut at 100 too
    assert exact.states > 200 and clamped.states < 110  # the gate: heat 0, 1, 2 or "3 and more"


LADDER_TESTS = ['if: "a >= {k}"', 'if: "a < {k}"', 'if: "a == {k}"', 'if: {{counter: a, at_most: {k}}}',
                'if: {{counter: a, at_least: {k}}}', 'if: "{k} > a"']


@pytest.mark.parametrize("seed", range(40))
def test_clamping_is_exact_on_the_edges_of_what_can_still_change(tmp_path, seed):
    """A ladder of rungs that each may raise, lower or keep a counter, with
    tests on the way: every value a test can tell apart is reached."""
    rng = random.Random(seed)
    n = rng.randint(4, 7)
    lines = ["scenes:"]
    for i in range(n):
        lines += [f"  r{i}:", f"    title: Rung {i}", "    text: Up or down.", "    choices:"]
        for label, amount in (("Up", rng.randint(1, 3)), ("Down", -rng.randint(1, 3)), ("Stay", 0)):
            lines += [f"      - label: {label}", f"        goto: r{i + 1}"]
            if amount:
                lines.append(f"        effects: {{add: {{a: {amount}}}}}")
        if rng.random() < 0.5:  # a test on the way up
            lines += ["      - label: Side door", f"        goto: r{i + 1}",
                      "        " + rng.choice(LADDER_TESTS).format(k=rng.randint(-3, 3))]
    lines += [f"  r{n}:", "    title: Top", "    text: The last door.", "    choices:"]
    for j in range(3):
        lines += [f"      - label: Door {j}", "        goto: end",
                  "        " + rng.choice(LADDER_TESTS).format(k=rng.randint(-4, 4))]
    lines += ["    fallback: {goto: end}", "  end:", "    title: End", "    text: Done.",
              "    ending: {kind: victory, title: Done}"]
    story = make_story(tmp_path, "\n".join(lines) + "\n", start="r0", manifest_extra="initial: {counters: {a: 0}}\n")
    assert observations(story, True) == observations(story, False)
    assert findings(explore.explore(story)) == findings(explore.explore(story, clamp=False))


def steps_story(first: int, second: int, step: int) -> str:
    return f"""\
scenes:
  s0:
    title: Start
    text: A big change first.
    choices:
      - {{label: "By {first}", goto: s1, effects: {{add: {{a: {first}}}}}}}
      - {{label: "By {second}", goto: s1, effects: {{add: {{a: {second}}}}}}}
  s1:
    title: One
    text: Step or not.
    choices:
      - {{label: Step, goto: s2, effects: {{add: {{a: {step}}}}}}}
      - {{label: Keep, goto: s2}}
  s2:
    title: Two
    text: Step or not, again.
    choices:
      - {{label: Step, goto: s3, effects: {{add: {{a: {step}}}}}}}
      - {{label: Keep, goto: s3}}
  s3:
    title: Door
    text: Only one value opens it.
    choices:
      - {{label: Zero, goto: end, if: "a == 0"}}
      - {{label: Other, goto: end}}
  end:
    title: End
    text: Done.
    ending: {{kind: victory, title: Done}}
"""


@pytest.mark.parametrize("first, second, step", [(7, 6, -3), (-7, -6, 3)])
def test_what_can_still_change_is_summed_over_every_step_to_come(tmp_path, first, second, step):
    """Only the second start value comes back to 0 in two steps: the range
    kept apart at s1 must allow for both steps, not the next one alone."""
    story = make_story(tmp_path, steps_story(first, second, step), start="s0",
                       manifest_extra="initial: {counters: {a: 0}}\n")
    assert ("s3", (True, True)) in observations(story, True)
    assert "s3/#1" in explore.explore(story).choices_taken


ENTRY_DRAW = """\
scenes:
  s0:
    title: Start
    text: Two ways in.
    choices:
      - {label: Higher, goto: hub, effects: {add: {a: 4}}}
      - {label: High, goto: hub, effects: {add: {a: 3}}}
  hub:
    title: Hub
    text: On.
    choices:
      - {label: Go, goto: draw}
  draw:
    title: Draw
    text: Luck decides, on the way in.
    outcomes:
      - {weight: 1, effects: {add: {a: 1}}}
      - {weight: 1, effects: {add: {a: -3}}}
    choices:
      - {label: Door, goto: end, if: "a == 0"}
      - {label: Other, goto: end}
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Done}
"""


def test_a_scene_entrys_random_draw_counts_its_fall_as_well_as_its_rise(tmp_path):
    """At the hub 4 and 3 must stay apart: a draw of -3 on the way in brings
    only the 3 back to the door's 0 (the draw's +1 alone would merge them)."""
    story = make_story(tmp_path, ENTRY_DRAW, start="s0", manifest_extra="initial: {counters: {a: 0}}\n")
    assert "draw/#1" in explore.explore(story).choices_taken
    assert observations(story, True) == observations(story, False)
