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
from game.author import explore
from game.story import loader
from game.paths import bundled_story

STORY = loader.load_story(bundled_story())
CANON = [line.strip() for line in (ROOT / "tests" / "data" / "canon-walkthrough.txt").read_text().splitlines()
         if line.strip()]
CHAPTERS = ["1. The Empty Quarter", "2. Washington, D.C.", "3. Abu Dhabi", "4. Rome", "5. Venice",
            "6. The Orient Express", "7. The Last Carriages"]
EXPLORED = explore.explore(STORY)


def play(answers):
    """Play answers as a player types them; returns every state on the way."""
    state = engine.new_game(STORY)
    states = [state]
    for answer in answers:
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


def test_canon_scenes_are_80_to_300_words_as_shown():
    for state in play(CANON):
        words = len(text(state).split())
        assert 80 <= words <= 300, (state.scene, words)


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


LOW_TRUST = [("warn her", ["take the key from her by force"]), ("find luther", ["get free and find luther"]),
             ("message onto her flight", []), ("later flight", ["take the later flight"]),
             ("let her drive", ["take the wheel"]), ("what the key is", ["tell her nothing"]),
             ("buyer will kill her", []), ("walk away", []), ("stand with you", ["leave her to the widow"]),
             ("plan the train job", ["ask her what it would take", "plan the train job with her",
                                     "plan the train job"])]


def test_payoff_graces_trust():
    trusted = play(CANON)
    wary = play(swap(*LOW_TRUST))
    assert "I want in" in text(trusted[-1])
    assert "She never trusted you enough to stay" in text(wary[-1])
    balcony = next(s for s in wary if s.scene == "venice_grace")
    refused = options(balcony)["Ask her to stand with you"]
    assert not refused.enabled and refused.reason == "She has no reason to trust you yet."


def test_payoff_ilsas_trust_and_last_words():
    desert = play(CANON)
    cold = play(swap(("climb the ridge", ["drive hard", "bail out"]), ("signal mirror", ["slide down"]),
                     ("gully toward her", []), ("leader's horse", ["wait for the charge"]),
                     ("go to her", ["tell her plainly"]),
                     ("carry ilsa's message", ["get grace away"])))
    bridge_warm = next(s for s in desert if s.scene == "venice_bridge")
    bridge_cold = next(s for s in cold if s.scene == "venice_bridge")
    assert "She told me to trust you" in text(bridge_warm) and "She told me" not in text(bridge_cold)
    refused = options(bridge_cold)["Carry Ilsa's message to Grace and keep her promise with her"]
    assert not refused.enabled and "never trusted you" in refused.reason
    assert "Ilsa trusted you with her last words" in text(desert[-1])
    assert "Ilsa trusted you" not in text(cold[-1])


def test_payoff_noise_in_washington_and_abu_dhabi_follows_you_to_rome():
    quiet = play(CANON)
    loud = play(swap(("say the word", ["walk out past briggs"]), ("own eyes", ["camera feeds", "kill the feeds"]),
                     ("walk straight out", ["cargo gates"])))
    rome_quiet = next(s for s in quiet if s.scene == "rome_arrival")
    rome_loud = next(s for s in loud if s.scene == "rome_arrival")
    assert options(rome_quiet)["Walk straight out through the front of the terminal"].enabled
    assert not options(rome_loud)["Walk straight out through the front of the terminal"].enabled
    assert "You made too much noise" in text(rome_loud)


def test_payoff_briefing_the_team_lets_luther_call_the_decoy():
    briefed = play(CANON)
    secret = play(swap(("tell them everything", ["need-to-know"]), ("luther's read", ["pull the casing"])))
    decoy_b = next(s for s in briefed if s.scene == "ad_bomb")
    decoy_s = next(s for s in secret if s.scene == "ad_bomb")
    label = "Trust Luther's read; it is a decoy to pin you down"
    assert options(decoy_b)[label].enabled and not options(decoy_s)[label].enabled
    assert secret[-1].scene == "finale_sevastopol"  # a cost, not a dead end


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
