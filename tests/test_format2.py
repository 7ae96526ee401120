"""Story format 2: replies, inline text, expressions, random outcomes,
subroutines, tags; and the author's friction list from the review."""

from __future__ import annotations

import json

from conftest import ROOT, make_story, run_game, write_story
from game.core import codec, engine
from game.core.session import Session
from game.story import check, loader

COURIER = ROOT / "examples" / "the-courier"


def plain(story_dir, answers: str, *args: str) -> str:
    result = run_game("play", "--plain", str(story_dir), *args, input=answers)
    assert result.returncode == 0, result.stderr
    return result.stdout


def diagnostics(folder) -> list[str]:
    story, diags, whole = loader.load_for_check(folder, use_cache=False)
    if story is not None:
        diags = diags + check.warnings(story, partial=not whole)
    return [d.format() for d in diags]


# ------------------------------------------------------------------ replies

TALK = """\
scenes:
  start:
    title: The Balcony
    text: |
      Grace watches the canal.

      She has not decided about you yet.
    choices:
      - label: Ask her name
        once: true
        reply: '"Grace," she says. "For now."'
      - label: Offer her a drink
        goto: start
      - label: Leave
        goto: end
        reply: You step back inside.
  end:
    title: Inside
    text: The party swallows you.
    ending: {kind: victory, title: Gone}
"""


def test_a_choice_that_stays_shows_its_reply_and_the_choices_not_the_scene(tmp_path):
    folder = write_story(tmp_path / "s", TALK)
    out = plain(folder, "ask\nleave\n")
    after_ask = out.split("> ", 1)[1].split("> ", 1)[0]
    assert after_ask.strip().splitlines()[0] == '"Grace," she says. "For now."'
    assert "The Balcony" not in after_ask and "Grace watches" not in after_ask  # not the scene again
    assert "1. Offer her a drink" in after_ask and "Ask her name" not in after_ask
    after_leave = out.split("> ")[2]
    assert after_leave.index("You step back inside.") < after_leave.index("== Inside ==")


def test_check_warns_about_a_choice_that_comes_back_with_nothing_new(tmp_path):
    found = diagnostics(write_story(tmp_path / "s", TALK))
    assert any(line.startswith(f"{tmp_path}/s/scenes.yaml:12:9: warning: choice 'Offer her a drink' comes back")
               for line in found), found
    assert not any("Ask her name" in line for line in found)  # it has a reply


def test_json_carries_the_reply_and_whether_it_stayed(tmp_path):
    folder = write_story(tmp_path / "s", TALK)
    out = [json.loads(line) for line in run_game("--json", str(folder), input="ask\n").stdout.splitlines()]
    assert out[1]["reply"] == ['"Grace," she says. "For now."'] and out[1]["stayed"] is True


# --------------------------------------------------------------- inline text

INLINE = """\
scenes:
  start:
    title: Start
    text: |
      You hold {name: keycard}; trust is {trust}, {if trust >= 2: high|low}.
      The lamp is {cycle: red|green|blue}{if has keycard and not visited end: , and the door is open}.
    choices:
      - {label: Again, goto: start, effects: {add: {trust: 1}}}
      - {label: End, goto: end}
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Done}
"""


def test_inline_text_inside_a_sentence(tmp_path):
    story = make_story(tmp_path, INLINE, manifest_extra="""\
        initial: {items: [keycard], counters: {trust: 1}}
        names: {keycard: the guard's keycard}
        """)
    state = engine.new_game(story)
    first = engine.view(story, state).paragraphs[0]
    assert first == ("You hold the guard's keycard; trust is 1, low. The lamp is red, and the door is open.")
    state = engine.choose(story, state, 1)
    assert engine.view(story, state).paragraphs[0] == (
        "You hold the guard's keycard; trust is 2, high. The lamp is green, and the door is open.")


def test_a_mistake_inside_a_block_scalar_is_placed_on_its_own_line(tmp_path):
    broken = INLINE.replace("{if has keycard and not visited end:", "{if has keycard and:").replace(
        "{trust}, {if", "{trsut}, {if")
    found = diagnostics(write_story(tmp_path / "s", broken, manifest_extra="initial: {counters: {trust: 1}}\n"
                                    "names: {keycard: x}\n"))
    where = f"{tmp_path}/s/scenes.yaml"
    assert f"{where}:6:61: error: in 'if': the expression ends too soon" in found
    assert any(line.startswith(f"{where}:5:43: error: counter 'trsut' is never set") for line in found), found  # at the name


def test_an_item_shown_as_a_counter_is_reported_at_the_placeholder(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          start:
            title: Start
            text: You have {keycard}.
            choices: [{label: Take it, goto: end, effects: {give: keycard}, if: {not: {has: keycard}}}]
          end:
            title: End
            text: Done.
            ending: {kind: victory, title: Done}
        """)
    found = diagnostics(folder)
    assert found[0] == (f"{folder}/scenes.yaml:4:21: error: '{{keycard}}' in text shows a counter's value, but "
                        f"'keycard' is an item ({folder}/scenes.yaml:5) (write {{name: keycard}} for its display name)")
    assert len([line for line in found if "error" in line]) == 1  # the give and has lines are not blamed


# --------------------------------------------------------------- expressions

MATH = """\
scenes:
  start:
    title: Start
    text: Heat {heat}, trust {trust}.
    choices:
      - label: Push
        goto: start
        effects: {set: {heat: "heat * 2 + 1"}, add: {trust: "min(heat, 3)"}}
      - label: Calm down
        goto: start
        if: "heat > trust"
        effects: {set: {heat: "clamp(heat - trust, 0, 5)"}}
      - {label: End, goto: end, if: {counter: trust, at_least: "heat - 1"}}
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Done}
"""


def test_expressions_set_compare_and_clamp(tmp_path):
    story = make_story(tmp_path, MATH, manifest_extra="initial: {counters: {heat: 0, trust: 0}}\n")
    state = engine.choose(story, engine.new_game(story), 1)  # heat = 1, trust += min(1, 3)
    assert (state.counters["heat"], state.counters["trust"]) == (1, 1)
    state = engine.choose(story, state, 1)  # heat 3, trust 4
    assert (state.counters["heat"], state.counters["trust"]) == (3, 4)
    labels = [o.label for o in engine.options(story, state) if o.enabled]
    assert labels == ["Push", "End"]  # calm only while heat > trust; end while trust >= heat - 1


def test_numbers_saturate_so_a_save_always_loads(tmp_path):
    story = make_story(tmp_path, MATH, manifest_extra="initial: {counters: {heat: 0, trust: 0}}\n")
    state = engine.new_game(story)
    for _ in range(70):
        state = engine.choose(story, state, 1)
    assert state.counters["heat"] == 2**53
    loaded, _ = codec.decode(story, json.loads(codec.dumps(story, state, "")))
    assert loaded.counters["heat"] == 2**53


def test_expression_mistakes_are_check_errors_with_places(tmp_path):
    broken = MATH.replace('"heat > trust"', '"heat > trsut and"').replace('"min(heat, 3)"', '"min(heat)"')
    found = diagnostics(write_story(tmp_path / "s", broken,
                                    manifest_extra="initial: {counters: {heat: 0, trust: 0}}\n"))
    where = f"{tmp_path}/s/scenes.yaml"
    assert f"{where}:8:62: error: in amount added to 'trust': min() takes at least 2 numbers, not 1" in found
    assert f"{where}:11:30: error: in 'if': the expression ends too soon" in found
    typed = MATH.replace('"heat > trust"', '"heat + 1"')
    found = diagnostics(write_story(tmp_path / "t", typed,
                                    manifest_extra="initial: {counters: {heat: 0, trust: 0}}\n"))
    assert any("11:14: error: in 'if': 'heat + 1' is a number, but true or false is wanted here" in line
               for line in found), found


def test_setting_a_counter_the_author_s_way(tmp_path):
    """`effects: {set: {alarm: 5}}` used to say: flag 'a mapping' is not a valid name."""
    story = make_story(tmp_path, """\
        scenes:
          start:
            title: Start
            text: Alarm {alarm}.
            choices: [{label: Trip it, goto: start, effects: {set: {alarm: 5}}}, {label: End, goto: end}]
          end:
            title: End
            text: Done.
            ending: {kind: victory, title: Done}
        """)
    assert engine.choose(story, engine.new_game(story), 1).counters["alarm"] == 5


# ------------------------------------------------------------ random outcomes

DICE = """\
scenes:
  start:
    title: The Gap
    text: A gap between two roofs.
    checkpoint: true
    choices:
      - label: Jump
        outcomes:
          - {weight: 3, goto: made_it, reply: You land rolling.}
          - {weight: 1, goto: fell, reply: Your foot finds nothing.}
  made_it:
    title: Made It
    text: The far roof.
    outcomes:
      - {effects: {add: {luck: 1}}}
      - {effects: {add: {luck: 2}}}
    ending: {kind: victory, title: Across}
  fell:
    title: Fell
    text: Down.
    ending: {kind: failure, title: Fell}
"""


def test_outcomes_come_from_the_seed_and_undo_and_saves_replay_them(tmp_path):
    story = make_story(tmp_path, DICE)
    seen = {engine.choose(story, engine.new_game(story, seed), 1).scene for seed in range(40)}
    assert seen == {"made_it", "fell"}
    for seed in range(10):
        start = engine.new_game(story, seed)
        first = engine.choose(story, start, 1)
        assert engine.choose(story, start, 1) == first  # the same state draws the same
        again = engine.choose(story, engine.undo(first), 1)
        assert again.scene == first.scene and dict(again.counters) == dict(first.counters)
        loaded, _ = codec.decode(story, json.loads(codec.dumps(story, start, "")))
        assert engine.choose(story, loaded, 1).scene == first.scene


def test_exploration_follows_every_outcome(tmp_path):
    from game.author import explore

    story = make_story(tmp_path, DICE)
    found = explore.explore(story)
    assert set(found.scene_paths) == {"start", "made_it", "fell"}
    assert found.states == 3  # (made_it with luck 1 or 2 is one state: nothing reads luck)
    result = run_game("test", str(tmp_path / "story"), "--random", "20")
    assert result.returncode == 0 and "3/3 scenes, 1/1 choices, 2/2 outcomes reached" in result.stdout
    unreachable = DICE.replace("      - label: Jump\n", "      - label: Jump\n        if: \"luck > 0\"\n")
    unreachable = unreachable.replace("    checkpoint: true\n", "    checkpoint: true\n    fallback: {goto: fell}\n")
    folder = write_story(tmp_path / "never", unreachable, manifest_extra="initial: {counters: {luck: 0}}\n")
    result = run_game("test", str(folder), "--random", "5")
    assert "0/2 outcomes reached" in result.stdout
    assert f"{folder}/scenes.yaml:11:13: never happens: outcome 1 of choice 'Jump'" in result.stdout


def test_retry_draws_again(tmp_path):
    story = make_story(tmp_path, DICE)
    state = engine.new_game(story, 0)
    scenes = []
    for _ in range(12):
        state = engine.choose(story, state, 1)
        scenes.append(state.scene)
        state = engine.retry(story, state)
    assert set(scenes) == {"made_it", "fell"}  # not the same luck every time


# --------------------------------------------------------------- subroutines

CALLS = """\
scenes:
  start:
    title: Hall
    text: "{cycle: First visit.|Again.}"
    choices:
      - {label: Ask Luther, call: luther}
      - {label: "Ask Luther, then go", call: luther, goto: end, id: then_go}
  luther:
    title: Luther
    text: Luther has a thought.
    choices:
      - {label: Ask Benji too, call: benji}
      - {label: Thanks, return: true}
  benji:
    title: Benji
    text: Benji has a worse one.
    choices: [{label: Back, return: true}]
  end:
    title: End
    text: Done.
    ending: {kind: victory, title: Done}
"""


def test_a_subroutine_returns_where_it_was_called_and_the_stack_is_saved(tmp_path):
    story = make_story(tmp_path, CALLS)
    state = engine.choose(story, engine.new_game(story), 1)  # Luther, called from the hall
    state = engine.choose(story, state, 1)  # Benji, inside Luther
    assert state.stack == ("=start", "=luther") and state.scene == "benji"
    loaded, _ = codec.decode(story, json.loads(codec.dumps(story, state, "")))
    assert loaded.stack == state.stack
    state = engine.choose(story, loaded, 1)
    assert state.scene == "luther" and state.stack == ("=start",)
    state = engine.choose(story, state, 2)
    assert state.scene == "start" and state.stack == () and state.visits["start"] == 1  # resumed, not re-entered
    assert "Thanks" not in [o.label for o in engine.options(story, engine.new_game(story))]
    state = engine.choose(story, engine.choose(story, state, 2), 2)  # call with a goto: back to `end`
    assert state.scene == "end"
    assert engine.undo(state).scene == "luther" and engine.undo(state).stack == ("end",)


def test_check_reports_returns_without_a_caller_and_calls_that_never_return(tmp_path):
    broken = CALLS.replace("choices: [{label: Back, return: true}]", "choices: [{label: Back, goto: benji2}]") \
        + "  benji2:\n    title: B2\n    text: Stuck with Benji.\n    choices: [{label: Again, goto: benji}]\n" \
        + "  lost:\n    title: Lost\n    text: x\n    choices: [{label: Back, return: true}, {label: End, goto: end}]\n"
    found = diagnostics(write_story(tmp_path / "s", broken))
    assert any("12:38: warning: subroutine 'benji' never returns" in line for line in found), found
    assert any("warning: choice 'Back' returns, but no 'call' leads to scene 'lost'" in line for line in found)


# --------------------------------------------------------------------- tags


def test_tags_reach_json_hosts():
    out = [json.loads(line) for line in run_game("--json", str(COURIER), input="ride\n").stdout.splitlines()]
    assert out[0]["tags"] == ["music:rain", "picture:depot"]
    ride = next(c for c in out[0]["choices"] if c["label"] == "Ride out")
    assert ride["tags"] == ["achievement:on-the-clock"]


# ------------------------------------------------------- the friction list


def test_a_mis_indented_line_is_explained_on_its_own_line(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          start:
            title: Start
            text: Hello.
            choices:
              - label: Go
                goto: end
                  effects: {set: x}
          end: {title: End, text: Bye., ending: {kind: victory, title: W}}
        """)
    (line,) = diagnostics(folder)
    assert line == (f"{folder}/scenes.yaml:8:11: error: 'effects:' is indented more than 'goto:' on the line "
                    "above, so it reads as more of 'goto''s value; indent it like 'goto:'")


def test_a_fallback_that_can_never_appear_is_warned_and_fails_test(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          start:
            title: Start
            text: Hello.
            choices: [{label: Go, goto: end}]
            fallback: {label: Give up, goto: end}
          end: {title: End, text: Bye., ending: {kind: victory, title: W}}
        """)
    assert any("6:15: warning: the fallback of scene 'start' can never appear" in line for line in diagnostics(folder))
    result = run_game("test", str(folder), "--random", "3")
    assert result.returncode == 1 and "fallback 'Give up' can never appear" in result.stdout


def test_start_gets_a_did_you_mean_and_warnings_show_beside_errors(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          dock:
            title: Dock
            text: Hello.
            choices: [{label: Go, goto: end, effects: {set: unused}}, {label: Bad, goto: nowhere}]
          end: {title: End, text: Bye., ending: {kind: victory, title: W}}
        """, start="docks")
    result = run_game("check", str(folder))
    assert "start scene 'docks' does not exist (did you mean 'dock'?)" in result.stderr
    assert "warning: flag 'unused' is set but never read" in result.stderr
    assert "2 errors, 1 warning" in result.stderr


def test_reload_after_fixing_an_error_says_so(tmp_path):
    folder = write_story(tmp_path / "s", TALK)
    story = loader.load_story(folder)
    session = Session(story, reloader=lambda: loader.load_all(folder, use_cache=False))
    scenes = folder / "scenes.yaml"
    good = scenes.read_text()
    scenes.write_text(good.replace("goto: end", "goto: nowhere"))
    assert session.reload()[0].kind == "error"
    scenes.write_text(good)
    (message,) = session.reload()
    assert "errors are fixed" in message.lines[0]


def test_a_debug_run_does_not_overwrite_the_autosave(tmp_path):
    saves = tmp_path / "saves"
    env = {"DEAD_RECKONING_SAVE_DIR": str(saves)}
    run_game("play", "--plain", str(COURIER), input="ride\n", env=env)
    autosave = (saves / "the-courier" / "autosave.json").read_bytes()
    result = run_game("play", "--plain", str(COURIER), "--start", "market", input="pay\n", env=env)
    assert "saves as 'debug-run'" in result.stdout
    assert (saves / "the-courier" / "autosave.json").read_bytes() == autosave
    assert (saves / "the-courier" / "debug-run.json").exists()


def test_graph_chapter_by_place_and_as_a_markdown_block():
    result = run_game("graph", str(COURIER), "--chapter", "1", "--format", "markdown")
    assert result.returncode == 0 and result.stdout.startswith("```mermaid\nflowchart TD\n")
    assert result.stdout.rstrip().endswith("```")
    assert '-->|"2/3"|' in result.stdout and '-->|"call"|' in result.stdout


def test_the_courier_example_checks_clean_and_its_transcripts_pass():
    result = run_game("check", str(COURIER))
    assert result.returncode == 0 and "0 errors, 0 warnings" in result.stdout
    result = run_game("test", str(COURIER))
    assert result.returncode == 0 and "3 passed, 0 failed" in result.stdout, result.stdout


def test_format_1_stories_are_untouched():
    """The bundled story is format 1: it still checks clean."""
    result = run_game("check", "scenes")
    assert result.returncode == 0 and "0 errors, 0 warnings" in result.stdout


def test_a_name_with_a_trailing_newline_is_refused(tmp_path):
    """'$' in the name rule let "b\\n" through, and saves holding it were
    then refused: what the game writes it must load."""
    folder = write_story(tmp_path / "s", 'scenes:\n  start:\n    title: S\n    text: x\n'
                                         '    choices: [{label: Go, goto: "end\\n", effects: {set: "lit\\n"}}]\n'
                                         '  end: {title: E, text: y, ending: {kind: victory, title: W}}\n')
    found = diagnostics(folder)
    assert any("target scene 'end\\x0a' is not a valid name" in line for line in found), found


def test_a_seed_a_save_cannot_hold_is_refused_at_the_start():
    result = run_game("play", "--plain", str(COURIER), "--seed", "99999999999999999999")
    assert result.returncode == 2 and "--seed is a whole number" in result.stderr


def test_the_terminal_ui_shows_a_reply_without_the_scene_again(tmp_path):
    import asyncio

    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from game.play import tui

    story = loader.load_story(write_story(tmp_path / "s", TALK))
    session = Session(story)
    with create_pipe_input() as inp:
        ui = tui.TerminalUI(session, input=inp, output=DummyOutput())
        ui.start()
        inp.send_text("ask\r\x04")
        asyncio.run(asyncio.wait_for(ui.app.run_async(), 10))
    lines = ["".join(t for _, t in line) for line in ui.wrapped_log(80)[0]]
    echo = next(i for i, line in enumerate(lines) if line.startswith("> ") and "Ask" in line)  # the label chosen
    after = lines[echo + 1:]
    assert '"Grace," she says. "For now."' in " ".join(after)
    assert "The Balcony" not in after  # the scene is not shown again
    assert [line for line in ui.choice_lines(80)]  # the choices still on offer are below


def test_stats_count_replies_outcomes_and_subroutines():
    result = run_game("stats", str(COURIER))
    assert "replies       3" in result.stdout
    assert "outcomes      2 on choices, 2 on scene entries" in result.stdout
    assert "subroutines   1 called from 2 choices" in result.stdout


def test_inline_mistakes_beside_other_errors_are_placed_and_never_crash(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          hall:
            title: Hall
            text: |
              Line one.
              Two {bogus: a|b} and {name: trust
            choices:
              - {label: Go, goto: end, if: "trust + 1"}
          end: {title: End, text: x, ending: {kind: victory, title: E}}
        """, start="hall")
    result = run_game("check", str(folder))
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert f"{folder}/scenes.yaml:6:11: error: unknown '{{bogus:' in text" in result.stderr
    assert f"{folder}/scenes.yaml:6:28: error: a '{{' in text that is never closed" in result.stderr


def test_literal_braces_inside_inline_options(tmp_path):
    story = make_story(tmp_path, """\
        scenes:
          start:
            title: S
            text: "two {cycle: x {{y}}|z} and {if trust > 0: {trust}} end"
            choices: [{label: Go, goto: end}]
          end: {title: End, text: x, ending: {kind: victory, title: E}}
        """, manifest_extra="initial: {counters: {trust: 2}}\n")
    assert engine.view(story, engine.new_game(story)).paragraphs == ("two x {y} and 2 end",)


def test_the_start_scene_s_outcomes_are_explored_and_its_reply_shown(tmp_path):
    folder = write_story(tmp_path / "s", """\
        scenes:
          hall:
            title: Hall
            outcomes:
              - {effects: {add: {luck: 0}}, reply: Scene roll A.}
              - {effects: {set: lucky}, reply: Scene roll B.}
            text: hall
            choices:
              - {label: Lucky, goto: lucky_room, if: lucky}
              - {label: End, goto: end}
          lucky_room: {title: L, text: l, ending: {kind: victory, title: L}}
          end: {title: End, text: x, ending: {kind: victory, title: E}}
        """, start="hall")
    result = run_game("test", str(folder), "--random", "0")
    assert result.returncode == 0 and "3/3 scenes" in result.stdout, result.stdout
    out = plain(folder, "")
    assert "Scene roll A." in out or "Scene roll B." in out


def test_a_return_only_scene_reachable_without_a_call_is_warned(tmp_path):
    found = diagnostics(write_story(tmp_path / "s", """\
        scenes:
          hall:
            title: Hall
            text: h
            choices:
              - {label: Call, call: sub}
              - {label: Walk, goto: sub}
              - {label: End, goto: end}
          sub:
            title: Sub
            text: s
            choices: [{label: Back, return: true}]
          end: {title: End, text: x, ending: {kind: victory, title: E}}
        """, start="hall"))
    assert any("9:3: warning: scene 'sub' can be reached without a 'call'" in line for line in found), found


def test_a_label_typed_whole_beats_a_command_word(tmp_path):
    story = loader.load_story(write_story(tmp_path / "s", CALLS.replace("Thanks", "Back")))
    session = Session(story)
    session.handle("1")  # into Luther's subroutine
    events = session.handle("back")  # the choice "Back", not undo
    assert session.state.scene == "start" and "You take it back." not in str(events)


# --------------------------------------------------------------- forget

FAREWELL = """\
scenes:
  start:
    title: Bridge
    text: She is still here.
    effects: {add: {her_trust: 2}}
    choices:
      - label: Say goodbye
        goto: after
        effects: {forget: her_trust, add: {heat: 1}}
  after:
    title: After
    text: "{if her_trust >= 1: She trusts you.|Nobody here to trust you.}"
    ending: {kind: victory, title: Alone}
"""


def test_forget_drops_a_counter_from_the_state_and_the_status(tmp_path):
    story = make_story(tmp_path, FAREWELL)
    session = Session(story)
    session.start()
    assert "her_trust: 2" in " ".join(session.status_lines()).replace("her trust", "her_trust")
    state = engine.choose(story, session.state, 1)
    assert "her_trust" not in state.counters and state.counters["heat"] == 1
    assert "Nobody here to trust you." in engine.view(story, state).paragraphs
    session.state = state
    assert "trust" not in " ".join(session.status_lines())
    assert engine.undo(state).counters["her_trust"] == 2  # undo brings it back
    loaded, _ = codec.decode(story, json.loads(codec.dumps(story, state, "")))
    assert "her_trust" not in loaded.counters
    assert check.warnings(story) == []
