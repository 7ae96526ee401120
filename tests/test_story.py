"""The bundled story: the film's path wins, every failure ending is
reachable and retried from its chapter's checkpoint, and what the player did
earlier pays off later, both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_game
from game.story import check
from game.core import commands
from game.core import engine
from game.author import explore, walk
from game.story import loader
from game.paths import bundled_story

STORY = loader.load_story(bundled_story())
CANON = [line.strip() for line in (ROOT / "tests" / "data" / "canon-walkthrough.txt").read_text().splitlines()
         if line.strip()]
CHAPTERS = ["Prologue: The Sevastopol", "1. The Empty Quarter", "2. Washington, D.C.", "3. Abu Dhabi", "4. Rome", "5. Venice",
            "6. The Orient Express", "7. The Last Carriages"]
EXPLORED = explore.explore(STORY)


def play(answers, stop: str | None = None):
    """Play answers as a player types them (until scene `stop`); returns
    every state on the way."""
    state = engine.new_game(STORY)
    states = [state]
    for answer in answers:
        if state.scene == stop:
            break
        labels = [o.label for o in engine.options(STORY, state)]
        action = commands.parse(answer, labels)
        assert isinstance(action, commands.Pick), f"in {state.scene}: {answer!r} -> {action}"
        state = engine.choose(STORY, state, action.number)
        states.append(state)
    return states


def variant(**swaps):
    """The canon answers with some replaced: canon line -> list of answers."""
    out = []
    for line in CANON:
        out.extend(swaps.pop(line, [line]) if line in swaps else [line])
    assert not swaps, f"not in the walkthrough: {list(swaps)}"
    return out


def swap(*pairs):
    return variant(**{old: new for old, new in pairs})


def text(state) -> str:
    return " ".join(engine.view(STORY, state).paragraphs)


def options(state) -> dict[str, engine.Option]:
    return {o.label: o for o in engine.options(STORY, state)}


# ----------------------------------------------------------------- the canon

def test_canon_walkthrough_in_plain_mode_passes_each_chapter_in_order():
    result = run_game("--plain", input="\n".join(CANON) + "\n")
    assert result.returncode == 0, result.stderr
    headers = [line[1:-1].split(" | ")[0] for line in result.stdout.splitlines() if line.startswith("[")]
    order = list(dict.fromkeys(headers))
    assert order == CHAPTERS
    titles = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert titles[-1] == f"== {STORY.scenes['finale_sevastopol'].title} =="
    assert "*** MISSION ACCOMPLISHED: Sevastopol ***" in result.stdout
    assert '"Sevastopol."' in result.stdout  # Paris says the name
    assert result.stdout.rstrip().endswith("1. Restart from the beginning\n2. Quit\n>")
    assert "No choice matches" not in result.stdout and "fits more than one" not in result.stdout


def test_canon_path_is_long_and_ends_on_the_reveal():
    states = play(CANON)
    assert states[-1].scene == "finale_sevastopol"
    assert engine.view(STORY, states[-1]).ending.kind == "victory"
    assert len({s.scene for s in states}) >= 25
    assert states[-1].items == ("key_whole",)


FIRST_HALF = CHAPTERS[:5]  # the prologue to the end of Rome


def test_film_path_from_the_prologue_to_rome_is_long_and_rarely_a_single_choice():
    screens = [s for s in walk.walk(STORY, CANON) if s.chapter in FIRST_HALF]
    assert [c for c in dict.fromkeys(s.chapter for s in screens)] == FIRST_HALF
    assert sum(s.words for s in screens) >= 9_000
    single = [s.scene for s in screens if s.offered == 1]
    assert len(single) <= len(screens) // 10, single
    assert [s.scene for s in screens if s.repeats] == []


def test_every_canon_screen_says_something():
    for screen in walk.walk(STORY, CANON):
        assert 20 <= screen.words <= 450, (screen.scene, screen.words)


AIRPORT_HOLDERS = ("grace_holds_half", "gabriel_holds_half", "kittridge_holds_half")


def truthful(state) -> None:
    """Each half of the key is in one place at a time, as `status` says."""
    holders = [f for f in AIRPORT_HOLDERS if f in state.flags] + ["you"] * ("key_half_airport" in state.items)
    assert len(holders) <= 1, (state.scene, holders)
    if "key_whole" in state.items:
        assert holders == [] and "key_half_desert" not in state.items, state.scene


def test_the_key_halves_are_never_in_two_hands_at_once():
    import random

    for state in play(CANON):
        truthful(state)
    rng = random.Random(7)
    for _ in range(300):
        state = engine.new_game(STORY)
        for _ in range(300):
            if STORY.scenes[state.scene].ending:
                break
            state = engine.take(STORY, state, rng.choice([o for o in engine.options(STORY, state) if o.enabled]).choice,
                                keep_history=False)
            truthful(state)


def test_status_shows_graces_trust_only_once_she_is_met():
    from game.core.session import Session

    states = play(CANON)
    met = next(i for i, s in enumerate(states) if "grace_trust" in s.counters)
    assert STORY.scenes[states[met].scene].chapter == "3. Abu Dhabi"
    before, after = Session(STORY, state=states[met - 1]), Session(STORY, state=states[met])
    assert Session(STORY, state=states[0]).status_lines()[1:] == ("Turn 0.",)  # the prologue: not Ethan's yet
    assert "Ilsa's trust in you: 0" in Session(STORY, state=states[6]).status_lines()[1]  # the desert
    assert not any("Grace" in line for line in before.status_lines())
    assert any("Grace's trust in you: " in line for line in after.status_lines())


# ----------------------------------------------------------------- the shape

def test_story_size_and_endings():
    stats = check.stats(STORY)
    assert stats["scenes"] >= 70 and stats["words"] >= 15_000
    failures = {s.ending.title for s in STORY.scenes.values() if s.ending and s.ending.kind == "failure"}
    assert len(failures) >= 8


def test_one_file_per_chapter_and_three_decisions_in_each():
    files = {}
    for scene in STORY.scenes.values():
        files.setdefault(scene.chapter, set()).add(Path(scene.where.file).name)
    assert list(files) == CHAPTERS
    assert all(len(names) == 1 for names in files.values())
    for chapter in CHAPTERS:
        decisions = [s for s in STORY.scenes.values() if s.chapter == chapter
                     and len({(c.goto, c.effects) for c in s.choices}) >= 2]
        assert len(decisions) >= 3, chapter


def test_every_scene_is_reachable_and_nothing_gets_stuck():
    assert EXPLORED.complete
    assert set(EXPLORED.scene_paths) == set(STORY.scenes)
    assert EXPLORED.stuck == [] and EXPLORED.errors == []


def test_check_is_clean():
    assert check.warnings(STORY) == []


def test_grace_has_point_of_view_scenes():
    assert STORY.scenes["train_boarding"].pov == "Grace" and STORY.scenes["finale_engine"].pov == "Grace"


FAILURES = sorted(s.id for s in STORY.scenes.values() if s.ending and s.ending.kind == "failure")


@pytest.mark.parametrize("ending", FAILURES)
def test_failure_ending_is_reached_and_retried_from_its_chapter(ending):
    state = explore.replay(STORY, EXPLORED.scene_paths[ending])
    view = engine.view(STORY, state)
    assert state.scene == ending and view.ending.kind == "failure"
    again = engine.retry(STORY, state)
    checkpoint = STORY.scenes[again.scene]
    assert checkpoint.checkpoint and checkpoint.chapter == STORY.scenes[ending].chapter


# ----------------------------------------------------------------- payoffs

def test_payoff_sparing_paris():
    spared = play(CANON)
    killed = play(swap(("spare her", ["finish it"]), ("take the hand", ["boost grace"]),
                       ("kneel beside her", ["hand her the key"]), ("run for the mountainside", [])))
    at_train = {s.scene: s for s in spared}["train_reunited"], {s.scene: s for s in killed}["train_reunited"]
    assert "He did this" in text(at_train[0]) and "Gabriel travels alone" in text(at_train[1])
    last_spared = {s.scene: s for s in spared}["finale_last_car"]
    last_killed = {s.scene: s for s in killed}["finale_last_car"]
    assert options(last_spared)["Take the hand that reaches down out of the dark"].enabled
    refused = options(last_killed)["Take the hand that reaches down out of the dark"]
    assert not refused.enabled and refused.reason == "Nobody is there to reach for you."
    assert spared[-1].scene == "finale_sevastopol"
    assert killed[-1].scene == "finale_blind"
    assert engine.view(STORY, killed[-1]).ending.title == "Dead Reckoning, Blind"


COLD_IN_VENICE = [("buyer will kill her", []), ("walk away", []), ("stand with you", ["leave her to the widow"]),
                  ("plan the train job", ["ask her what it would take", "plan the train job with her",
                                          "plan the train job"])]
LOW_TRUST = [("warn her", ["take it from her by force"]), ("message onto her flight", ["let the plane go"]),
             ("let her drive", ["take the wheel"]), ("hand it to her", ["into your own pocket"]),
             ("who hired her", []), ("what the key is for", [])] + COLD_IN_VENICE[:-1] + [
             ("plan the train job", ["ask her what it would take", "plan the train job with her", "board the train"])]


def scene_in(states, scene):
    return next(s for s in states if s.scene == scene)


def reply_of(states, scene, answer) -> str:
    """The reply shown for `answer` in `scene`, from where the run got there."""
    state = scene_in(states, scene)
    number = commands.parse(answer, [o.label for o in engine.options(STORY, state)]).number
    state, step = engine.choose_step(STORY, state, number)
    return " ".join(engine.reply(STORY, state, step))


def test_payoff_the_sonar_officers_doubt_is_on_the_recording_in_washington():
    doubted = play(CANON)
    obeyed = play(swap(("for the recorder", ["confirm the contact"])))
    assert "Whatever is hunting us is already aboard" in text(scene_in(doubted, "dc_briefing"))
    assert "already aboard" not in text(scene_in(obeyed, "dc_briefing"))
    assert "Nobody in that control room tells the machine it is wrong" in text(scene_in(obeyed, "dc_briefing"))
    fused = play(swap(("for the recorder", ["pull the firing fuse"])))
    assert "the machine fires the tube itself" in text(scene_in(fused, "dc_briefing"))


def test_payoff_asking_about_the_bounty_lets_ethan_name_the_entity_in_washington():
    asked = play(CANON)
    never = play(swap(("price on her head", []), ("bounty on ilsa", ["stay where you are"]), ("believes you", [])))
    label = "Tell them the bounty on Ilsa came from the thing on that recording"
    assert options(scene_in(asked, "dc_entity"))[label].enabled
    assert not options(scene_in(never, "dc_entity"))[label].enabled
    assert never[-1].scene == "finale_sevastopol"


def test_payoff_graces_trust():
    """Trust earned in Abu Dhabi and Rome is what Venice spends: the film's
    path ends with Grace joining the IMF; coldness only in Venice loses her
    at the end; coldness all along loses the mission in Venice."""
    trusted = play(CANON)
    cool = play(swap(*COLD_IN_VENICE))
    wary = play(swap(*LOW_TRUST), stop="venice_alone")
    assert scene_in(trusted, "venice_arrival").counters["grace_trust"] >= 2
    assert scene_in(wary, "venice_arrival").counters["grace_trust"] < 2
    assert "I want in" in text(trusted[-1])
    assert cool[-1].scene == "finale_sevastopol" and "She never trusted you enough to stay" in text(cool[-1])
    balcony = scene_in(wary, "venice_grace")
    refused = options(balcony)["Ask her to stand with you"]
    assert not refused.enabled and refused.reason == "She has no reason to trust you yet."
    assert wary[-1].scene == "venice_alone"
    assert engine.view(STORY, wary[-1]).ending.title == "Nobody Wears the Mask"


def test_payoff_telling_grace_what_the_key_is_for_follows_her_to_venice():
    told = play(CANON)
    untold = play(swap(("what the key is for", [])))
    assert "what you told me in Rome" in text(scene_in(told, "venice_grace"))
    assert "what you told me in Rome" not in text(scene_in(untold, "venice_grace"))


COLD_ILSA = [("go on foot", ["drive hard", "ditch the jeep"]), ("signal mirror", []),
             ("cut the picket", ["lie low"]), ("tell her the truth", ["came for her"]), ("pull him down", ["keep still"]),
             ("from her hand", ["bargain"]), ("promise to come", ["without a word"]),
             ("carry ilsa's message", ["get grace away"])]


def test_payoff_ilsas_trust_in_the_desert_shapes_rome_and_venice():
    warm = play(CANON)
    cold = play(swap(*COLD_ILSA))
    assert scene_in(warm, "dc_arrival").counters["ilsa_trust"] >= 2
    assert scene_in(cold, "dc_arrival").counters["ilsa_trust"] <= 0
    assert "He speaks for it" in reply_of(warm, "rome_regroup", "learned about gabriel")
    assert "her silence tells you exactly how far she trusts you" in reply_of(cold, "rome_regroup",
                                                                                "learned about gabriel")
    bridge_warm, bridge_cold = scene_in(warm, "venice_bridge"), scene_in(cold, "venice_bridge")
    assert "She told me to trust you" in text(bridge_warm) and "She told me" not in text(bridge_cold)
    refused = options(bridge_cold)["Carry Ilsa's message to Grace and keep her promise with her"]
    assert not refused.enabled and "never trusted you" in refused.reason
    assert "Ilsa trusted you with her last words" in text(warm[-1])
    assert "Ilsa trusted you" not in text(cold[-1])


def test_payoff_the_promise_in_the_desert_is_called_in_rome():
    kept = play(CANON)
    none = play(swap(("promise to come", ["without a word"])))
    assert "one word: ROME" in text(scene_in(kept, "rome_arrival"))
    assert "ROME" not in text(scene_in(none, "rome_arrival"))
    assert "and you came" in text(scene_in(kept, "rome_regroup"))
    assert "Nobody sent for me" in text(scene_in(none, "rome_regroup"))


LOUD = [("go on foot", ["drive hard", "ditch the jeep"]), ("horse line", ["open fire on the riders"]),
        ("cut the picket", ["break for her rock"]), ("slip away", ["walk out past briggs"]),
        ("eyes down", ["last mile"]), ("walk straight out", ["cargo gates"])]


def test_payoff_attention_drawn_decides_who_is_waiting_in_abu_dhabi_and_rome():
    quiet = play(CANON)
    loud = play(swap(*LOUD), stop="rome_arrival")
    assert "briggs_marked_you" in scene_in(loud, "ad_arrival").flags
    assert "Briggs, reading every face off your flight" in text(scene_in(loud, "ad_arrival"))
    assert "reading every face" not in text(scene_in(quiet, "ad_arrival"))
    stay = "Stay on the courier and see who comes for him"
    assert options(scene_in(quiet, "ad_handover"))[stay].enabled
    assert not options(scene_in(loud, "ad_handover"))[stay].enabled
    front = "Walk straight out through the front of the terminal"
    rome_quiet, rome_loud = scene_in(quiet, "rome_arrival"), scene_in(loud, "rome_arrival")
    assert rome_loud.counters["heat"] >= 2 > rome_quiet.counters["heat"]
    assert options(rome_quiet)[front].enabled and not options(rome_loud)[front].enabled
    assert "You made too much noise" in text(rome_loud) and "too much noise" not in text(rome_quiet)


def test_payoff_briefing_the_team_lets_luther_call_the_decoy():
    briefed = play(CANON)
    secret = play(swap(("tell them everything", ["need-to-know"]), ("luther's read", ["the slow way"]),
                       ("before she boards", ["watch what gabriel does"]), ("show her gabriel", [])))
    label = "Trust Luther's read; it is a decoy to pin you down"
    assert options(scene_in(briefed, "ad_bomb"))[label].enabled
    assert not options(scene_in(secret, "ad_bomb"))[label].enabled
    boards = "Get to her before she boards"
    assert options(scene_in(briefed, "ad_gate"))[boards].enabled
    assert not options(scene_in(secret, "ad_gate"))[boards].enabled
    assert secret[-1].scene == "finale_sevastopol"  # a cost, not a dead end


def test_payoff_the_vow_or_the_lie_in_washington_is_remembered_on_the_train():
    vowed = play(CANON)
    lied = play(swap(("destroyed, not controlled", ["what he wants to hear"])))
    assert "vowed_destroy" in vowed[-1].flags and "lied_to_kittridge" in lied[-1].flags
    assert "Hunt swore he would destroy it" in text(scene_in(vowed, "train_sale"))
    assert "Hunt promised to bring me both halves" in text(scene_in(lied, "train_sale"))
    assert "Funny way of delivering" in text(scene_in(lied, "train_window"))
    assert "Funny way of delivering" not in text(scene_in(vowed, "train_window"))


def test_payoff_the_sonar_officers_last_act_is_the_end_of_the_recording():
    masha = play(CANON)
    report = play(swap(("talk to masha", ["last report"])))
    assert "Mashenka" in text(scene_in(masha, "dc_briefing")) and "by the book" not in text(scene_in(masha, "dc_briefing"))
    assert "Every search since has started from that position" in text(scene_in(report, "dc_briefing"))


def test_payoff_the_riders_radio_is_traced_in_washington():
    kept = play(CANON)
    left = play(swap(("pull him down", ["keep still"])))
    assert "Nobody was on the other end of that radio" in text(scene_in(kept, "dc_all_in"))
    assert "radio" not in text(scene_in(left, "dc_all_in"))


def test_payoff_letting_grace_walk_lets_benji_follow_her():
    walked = play(CANON)
    chained = play(swap(("lead you to the buyer", ["keep her chained"])))
    assert "eleven cameras and a taxi to Termini" in text(scene_in(walked, "rome_regroup"))
    assert "eleven cameras" not in text(scene_in(chained, "rome_regroup"))
    assert chained[-1].scene == "finale_sevastopol"


SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not beside the repo")
def test_no_sentence_is_taken_from_the_source_articles():
    import re

    def grams(text: str, n: int = 7) -> set[str]:
        words = re.findall(r"[a-z']+", text.lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    seeds = set().union(*(grams(p.read_text(errors="replace")) for p in SEEDS.glob("*.txt")))
    prose = set().union(*(grams(p.read_text()) for p in (ROOT / "scenes").glob("*.yaml")))
    assert prose & seeds == set()
