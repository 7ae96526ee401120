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
ROUTES = {path.stem: [line.strip() for line in path.read_text().splitlines() if line.strip()]
          for path in (ROOT / "tests" / "data" / "routes").glob("*.txt")}  # the other roads to a victory
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
    assert stats["scenes"] >= 100 and stats["words"] >= 45_000
    failures = {s.ending.title for s in STORY.scenes.values() if s.ending and s.ending.kind == "failure"}
    victories = {s.ending.title for s in STORY.scenes.values() if s.ending and s.ending.kind == "victory"}
    assert len(failures) >= 12 and len(victories) >= 4


SECOND_HALF = CHAPTERS[5:]  # Venice to the end


def test_film_path_from_venice_on_is_long_and_never_a_single_choice():
    screens = walk.walk(STORY, CANON)
    assert sum(s.words for s in screens) >= 20_000
    later = [s for s in screens if s.chapter in SECOND_HALF]
    assert sum(s.words for s in later) >= 9_000
    assert [s.scene for s in later if s.offered == 1] == []
    assert [s.scene for s in later if s.repeats] == []


@pytest.mark.parametrize("route", ["ilsa-lives", "paris-killed", "grace-distrusted"])
def test_each_other_road_plays_to_its_own_victory(route):
    states = play(ROUTES[route])
    ending = STORY.scenes[states[-1].scene].ending
    assert ending is not None and ending.kind == "victory"
    assert states[-1].scene == {"ilsa-lives": "finale_ilsa", "paris-killed": "finale_blind",
                                "grace-distrusted": "finale_half"}[route]
    for screen in walk.walk(STORY, ROUTES[route]):
        assert 20 <= screen.words <= 450, (route, screen.scene, screen.words)
        assert not screen.repeats, (route, screen.scene)


def test_chapter_files_in_order_and_three_decisions_in_each():
    files = {}
    for scene in STORY.scenes.values():
        files.setdefault(scene.chapter, []).append(Path(scene.where.file).name)
    assert list(files) == CHAPTERS
    order = [name for chapter in CHAPTERS for name in dict.fromkeys(files[chapter])]
    assert order == sorted(order) and len(order) == len(set(order))  # a file holds one chapter
    assert all(len(set(names)) <= 2 for names in files.values())
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


def test_grace_has_point_of_view_scenes_where_the_film_has_them():
    assert {"train_sale", "train_lifted", "finale_coupling", "finale_sevastopol"} <= \
        {s.id for s in STORY.scenes.values() if s.pov == "Grace"}
    assert STORY.scenes["train_boarding"].pov != "Grace"  # its retry follows Ethan's failures too


FAILURES = sorted(s.id for s in STORY.scenes.values() if s.ending and s.ending.kind == "failure")


@pytest.mark.parametrize("ending", FAILURES)
def test_failure_ending_is_reached_and_retried_from_its_chapter(ending):
    state = explore.replay(STORY, EXPLORED.scene_paths[ending])
    view = engine.view(STORY, state)
    assert state.scene == ending and view.ending.kind == "failure"
    again = engine.retry(STORY, state)
    checkpoint = STORY.scenes[again.scene]
    assert checkpoint.checkpoint and checkpoint.chapter == STORY.scenes[ending].chapter
    if STORY.scenes[ending].pov == "Ethan":  # Ethan's failure never retries in another's voice
        assert checkpoint.pov == "Ethan", f"{ending} retries at {again.scene}, in {checkpoint.pov}'s voice"


def test_a_failure_in_the_sale_is_retried_at_the_pocket_not_the_platform():
    """The Widow Never Draws sends Grace back to the handshake, not through
    the whole sale again, and the retry says it is a second go."""
    state = engine.retry(STORY, explore.replay(STORY, EXPLORED.scene_paths["train_widow_draws"]))
    assert state.scene == "train_handshake"
    assert "Left inside pocket, again." in text(state)


# ----------------------------------------------------------------- payoffs

def test_payoff_sparing_paris():
    """Spared in Venice, Paris is found wounded on the train, pulls Ethan and
    Grace out of the last carriage and names the Sevastopol; killed, nobody
    comes and nobody tells them what the key opens."""
    spared, killed = play(CANON), play(ROUTES["paris-killed"])
    assert "paris_spared" in scene_in(spared, "train_boarding").flags
    assert "paris_killed" in scene_in(killed, "train_boarding").flags
    assert "Kneel by Paris" in options(scene_in(spared, "train_dining"))
    assert "Kneel by Paris" not in options(scene_in(killed, "train_dining"))
    assert "Paris, sitting on the floor" in text(scene_in(spared, "train_dining"))
    assert "Paris" not in " ".join(options(scene_in(killed, "train_dining")))
    assert "paris_pulled_clear" in scene_in(spared, "finale_reveal").flags
    assert "finale_alone" in [s.scene for s in killed] and "finale_alone" not in [s.scene for s in spared]
    assert "Nobody pulled you out" in text(scene_in(killed, "finale_reveal"))
    assert spared[-1].scene == "finale_sevastopol" and killed[-1].scene == "finale_blind"
    assert engine.view(STORY, killed[-1]).ending.title == "Dead Reckoning, Blind"
    assert '"Sevastopol."' in reply_of(spared, "finale_reveal", "listen to paris") + \
        " ".join(text(s) for s in spared[-12:])


def test_payoff_ilsa_or_grace():
    """Gabriel's "Ilsa or Grace" is a choice: the film's answer costs Ilsa and
    the train and the end remember her; keeping Ilsa beside you costs Grace's
    trust, puts Ilsa on the train and ends on another victory."""
    film, kept = play(CANON), play(ROUTES["ilsa-lives"])
    assert "ilsa_died" in scene_in(film, "venice_safehouse").flags
    assert "ilsa_died" not in kept[-1].flags
    arrived = scene_in(film, "venice_night").counters["grace_trust"]
    assert scene_in(film, "train_boarding").counters["grace_trust"] > arrived
    night = kept[kept.index(scene_in(kept, "venice_night")):kept.index(scene_in(kept, "train_boarding"))]
    assert min(s.counters["grace_trust"] for s in night) == arrived - 2  # left to run alone
    assert "venice_bridge" in [s.scene for s in film] and "venice_bridge" not in [s.scene for s in kept]
    assert "Knock at carriage three, compartment nine" in options(scene_in(kept, "train_lifted"))
    assert "Knock at carriage three, compartment nine" not in options(scene_in(film, "train_lifted"))
    assert "Ilsa's last words" in text(scene_in(film, "train_widow"))  # Grace has them by heart on the platform
    from game.core.session import Session

    def status(state) -> str:
        return " ".join(Session(STORY, state=state).status_lines())

    assert "Ilsa's trust" not in status(scene_in(film, "venice_safehouse"))  # nobody left to trust you
    assert "Ilsa's trust" in status(scene_in(kept, "train_boarding"))
    assert film[-1].scene == "finale_sevastopol" and kept[-1].scene == "finale_ilsa"
    assert engine.view(STORY, kept[-1]).ending.title == "The Same Side"


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
    """Trust earned in Abu Dhabi and Rome is what Venice and the train spend:
    the film's path ends with Grace asking Kittridge to join the IMF; a Grace
    treated badly never sides with Ethan, runs her own way on the train and
    walks off at the end with her half of the key."""
    trusted, wary = play(CANON), play(ROUTES["grace-distrusted"])
    assert scene_in(trusted, "venice_arrival").counters["grace_trust"] >= 3
    assert scene_in(wary, "venice_arrival").counters["grace_trust"] < 2
    assert "grace_sides" in scene_in(trusted, "venice_night").flags
    assert "grace_sides" not in scene_in(wary, "train_boarding").flags
    forward = "Go forward to the baggage car, where Ethan should find you"
    assert options(scene_in(trusted, "train_lifted"))[forward].enabled
    refused = options(scene_in(wary, "train_lifted"))[forward]
    assert not refused.enabled and refused.reason.startswith("After Venice you are not walking")
    assert '"I want to join' in text(trusted[-1]) and "I want to join" not in text(wary[-1])
    assert wary[-1].scene == "finale_half" and "grace_holds_half" in wary[-1].flags
    assert wary[-1].items == ("key_half_desert",) and trusted[-1].items == ("key_whole",)


def test_payoff_telling_grace_what_the_key_is_for_follows_her_to_venice():
    told = play(CANON)
    untold = play(swap(("what the key is for", [])), stop="venice_gabriel")
    assert "Tell her what the key is for" not in options(scene_in(told, "venice_grace"))
    assert "Tell her what the key is for" in options(scene_in(untold, "venice_grace"))
    assert "She has heard from you what the key opens" in reply_of(told, "venice_grace", "truth about tonight")
    assert "You really believe all that" in reply_of(untold, "venice_grace", "truth about tonight")


COLD_ILSA = [("go on foot", ["drive hard", "ditch the jeep"]), ("signal mirror", []),
             ("cut the picket", ["lie low"]), ("tell her the truth", ["came for her"]), ("pull him down", ["keep still"]),
             ("from her hand", ["bargain"]), ("promise to come", ["without a word"])]


def test_payoff_ilsas_trust_in_the_desert_shapes_rome_and_venice():
    warm = play(CANON)
    cold = play(swap(*COLD_ILSA), stop="venice_alleys")
    assert scene_in(warm, "dc_arrival").counters["ilsa_trust"] >= 2
    assert scene_in(cold, "dc_arrival").counters["ilsa_trust"] <= 0
    assert "He speaks for it" in reply_of(warm, "rome_regroup", "learned about gabriel")
    assert "her silence tells you exactly how far she trusts you" in reply_of(cold, "rome_regroup",
                                                                                "learned about gabriel")
    assert "He's showing us the size of the room" in reply_of(warm, "venice_ballroom", "makes of the room")
    assert "she is keeping it" in reply_of(cold, "venice_ballroom", "makes of the room")
    assert "Send me to her" in reply_of(warm, "venice_night", "ask ilsa what")
    assert "Tell me where you want me" in reply_of(cold, "venice_night", "ask ilsa what")


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
    lied = play(swap(("destroyed, not controlled", ["what he wants to hear"])), stop="train_handshake")
    assert "vowed_destroy" in vowed[-1].flags and "lied_to_kittridge" in lied[-1].flags
    assert "told me this thing must" in text(scene_in(vowed, "train_sale"))
    assert "He promised to bring me both halves" in text(scene_in(lied, "train_sale"))
    assert "promised to bring me" not in text(scene_in(vowed, "train_sale"))


def test_payoff_the_sonar_officers_doubt_is_remembered_at_the_reveal():
    doubted = play(CANON)
    obeyed = play(swap(("for the recorder", ["confirm the contact"])), stop="finale_sirens")
    assert "Whatever is hunting us" in text(scene_in(doubted, "finale_whisper"))
    assert "Whatever is hunting us" not in text(scene_in(obeyed, "finale_whisper"))
    assert "not a door. a wreck." in text(scene_in(obeyed, "finale_whisper")).lower()


def test_payoff_the_bargain_with_the_widow_decides_who_keeps_her_off_the_train():
    dealt = play(CANON)
    none = play(swap(("offer her a bargain", ["keep your plans to yourself"])), stop="train_widow")
    assert "venice_widow_deal" not in none[-1].flags
    assert "keeps her bargain from the party" in text(scene_in(dealt, "venice_plan"))
    assert "Luther will make one for" in text(scene_in(none, "venice_plan"))


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
