"""One run status and one ending policy, decided by the session and only
presented by the front ends: after a failure, retry / restart / quit; after
a victory, restart / quit (nothing to retry) in plain, JSON lines and the
terminal UI alike."""

from __future__ import annotations

import asyncio
import json

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from conftest import ROOT, run_game
from game.core.events import Quit, SceneShown, Status
from game.core.session import Session
from game.play import tui
from game.story import loader

VAULT = ROOT / "examples" / "night-vault"
WIN = "1\nthermos\nkeycard\nlift\nswipe\ntake\n"  # the quiet way to the victory
LOSE = "knock\n"


def test_the_session_decides_status_and_menu():
    story = loader.load_story(VAULT)
    session = Session(story)
    assert session.status is Status.CHOOSING and session.ending_menu() == ()
    for answer in WIN.split():
        events = session.handle(answer)
    shown = events[-1]
    assert isinstance(shown, SceneShown) and shown.status is Status.ENDED
    assert shown.menu == ("Restart from the beginning", "Quit") and "choices made" in shown.summary
    assert session.handle("retry")[0].kind == "hint"  # nothing to retry after a victory
    (quit_event,) = session.handle("2")
    assert isinstance(quit_event, Quit) and session.status is Status.OVER

    lost = Session(story)
    (shown,) = lost.handle("knock")
    assert shown.menu == ("Retry from the last checkpoint", "Restart from the beginning", "Quit")
    assert lost.handle("1")[-1].view.scene.id == "alley"


def test_plain_offers_restart_or_quit_after_a_victory_and_restarts():
    result = run_game("play", "--plain", str(VAULT), input=WIN + "1\n")
    out = result.stdout
    assert result.returncode == 0
    tail = out[out.index("MISSION ACCOMPLISHED"):]
    assert "1. Restart from the beginning\n2. Quit" in tail and "Retry" not in tail
    assert "From the beginning." in tail and tail.rstrip().endswith(">")


def test_json_reports_the_status_and_the_same_menu():
    out = [json.loads(line) for line in run_game("--json", str(VAULT), input=WIN + "2\n").stdout.splitlines()]
    assert out[0]["protocol"] == 2 and out[0]["status"] == "choosing"
    victory = out[-2]
    assert victory["status"] == "ended" and victory["ending"]["kind"] == "victory"
    assert [c["label"] for c in victory["choices"]] == ["Restart from the beginning", "Quit"]
    summary = out[-1].pop("summary")
    assert out[-1] == {"type": "quit", "protocol": 2, "status": "over"}
    assert victory["summary"] == f"{summary} Endings found: 1 of 2 ('dead-reckoning endings' lists them)."
    failed = [json.loads(line) for line in run_game("--json", str(VAULT), input=LOSE).stdout.splitlines()][-1]
    assert failed["status"] == "ended" and len(failed["choices"]) == 3


def test_the_terminal_ui_shows_the_same_menu():
    story = loader.load_story(VAULT)
    session = Session(story)
    with create_pipe_input() as inp:
        ui = tui.TerminalUI(session, input=inp, output=DummyOutput())
        ui.start()
        inp.send_text("\r".join(WIN.split()) + "\r" + "\x04")
        asyncio.run(asyncio.wait_for(ui.app.run_async(), 10))
    labels = ["".join(text for _, text in line) for line in ui.choice_lines(80)]
    assert labels == ["  1. Restart from the beginning", "  2. Quit"]


def test_status_names_items_counters_and_only_the_flags_given_a_display_name(tmp_path):
    from conftest import write_story

    folder = write_story(tmp_path, """
    scenes:
      start:
        title: Start
        text: Hello.
        effects: {set: [waved, counted_tiles], give: torch, add: {nerve: 2}}
        choices:
          - {label: Go, goto: end, if: "waved and counted_tiles"}
      end:
        title: End
        text: Bye.
        ending: {kind: victory, title: Done}
    """, manifest_extra="names:\n  waved: you waved\n  torch: a torch\n")
    lines = Session(loader.load_story(folder)).status_lines()
    assert lines[0] == "You carry: a torch."
    assert lines[1] == "Standing: nerve: 2."
    assert lines[2] == "Done so far: you waved."  # counted_tiles is bookkeeping
