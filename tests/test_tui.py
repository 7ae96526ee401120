"""The prompt_toolkit front end, driven through prompt_toolkit's own pipe
input and rendered to DummyOutput: keys in, game state and screen model out."""

from __future__ import annotations

import asyncio
import io

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from conftest import ROOT
from game.story import loader
from game.play import tui
from game.core.session import Session
from game.play.transcript import Transcript

VAULT = ROOT / "examples" / "night-vault"
CTRL_C, CTRL_D, TAB = "\x03", "\x04", "\t"


@pytest.fixture(scope="module")
def story():
    return loader.load_story(VAULT)


def play(story, keys: str, **kw):
    """Run the UI on `keys` until it exits (or fail after 10 s)."""
    session = Session(story)
    with create_pipe_input() as inp:
        ui = tui.TerminalUI(session, input=inp, output=DummyOutput(), **kw)
        ui.start()
        inp.send_text(keys)
        result = asyncio.run(asyncio.wait_for(ui.app.run_async(), 10))
    return ui, session, result


def scenes_in_log(ui):
    return [e.payload.view.scene.id for e in ui.log if e.kind == "scene"]


def test_choose_by_number(story):
    ui, session, result = play(story, "1\r" + CTRL_D)
    assert session.state.scene == "corridor" and result == 0
    assert scenes_in_log(ui) == ["alley", "corridor"]


def test_choose_by_part_of_a_label(story):
    _, session, _ = play(story, "knock\r" + CTRL_D)
    assert session.state.scene == "caught"


def test_tab_completes_a_label_then_enter_chooses_it(story):
    _, session, _ = play(story, "pick" + TAB + "\r" + CTRL_D)
    assert session.state.scene == "corridor"


def test_completer_offers_labels_by_any_part_and_commands(story):
    session = Session(story)
    completer = tui.LabelCompleter(session)
    got = [c.text for c in completer.get_completions(Document("pizza"), CompleteEvent())]
    assert got == ["Knock and pretend to be the pizza delivery"]
    got = [c.text for c in completer.get_completions(Document("sa"), CompleteEvent())]
    assert "save" in got and "saves" in got
    assert list(completer.get_completions(Document("2"), CompleteEvent())) == []


def test_unknown_input_gives_a_hint_without_reprinting_the_scene(story):
    ui, session, _ = play(story, "dance\r" + CTRL_D)
    assert "No choice matches 'dance'" in ui.hint
    assert scenes_in_log(ui) == ["alley"] and session.state.turn == 0


def test_ambiguous_input_lists_the_candidates(story):
    ui, _, _ = play(story, "1\r" + "keycard\r" + CTRL_D)
    assert "fits more than one choice" in ui.hint


def test_ctrl_c_clears_the_line_and_keeps_playing(story):
    _, session, _ = play(story, "knock" + CTRL_C + "1\r" + CTRL_D)
    assert session.state.scene == "corridor"  # "knock" was cleared; "1" was read alone


def test_ctrl_d_on_an_empty_line_leaves_cleanly(story):
    _, session, result = play(story, CTRL_D)
    assert result == 0 and session.state.turn == 0


def test_ctrl_d_with_text_deletes_instead_of_leaving(story):
    buffer = io.StringIO()
    _, session, _ = play(story, "1" + "\x1b[D" + CTRL_D + "\r" + "quit\r", transcript=Transcript(buffer))
    typed = [line for line in buffer.getvalue().splitlines() if line.startswith(">")]
    assert typed == ["> ", "> quit"]  # Ctrl-D deleted the "1"; the game went on to read "quit"
    assert session.state.turn == 0


def test_quit_command(story):
    _, session, result = play(story, "quit\r")
    assert result == 0


def test_commands_show_messages_in_the_story_pane(story):
    ui, _, _ = play(story, "status\r" + "help\r" + CTRL_D)
    messages = [line for e in ui.log if e.kind == "message" for line in e.payload[0]]
    assert "You carry: a roll of lockpicks." in messages
    assert any(line.startswith("  undo") for line in messages)


def test_failure_ending_offers_retry(story):
    ui, session, _ = play(story, "knock\r" + "1\r" + CTRL_D)
    assert session.state.scene == "alley" and session.state.visits["alley"] == 2
    lines = [e.payload[0] for e in ui.log if e.kind == "message"]
    assert ("Back to the last checkpoint.",) in lines


def test_story_pane_rewraps_to_the_width(story):
    ui, _, _ = play(story, "1\r" + CTRL_D)
    narrow, _ = ui.wrapped_log(40)
    wide, _ = ui.wrapped_log(100)
    width = lambda line: sum(len(text) for _, text in line)
    assert max(map(width, narrow)) <= 39
    assert max(map(width, wide)) > 40 and len(narrow) > len(wide)


def test_choices_show_disabled_reasons(story):
    ui, _, _ = play(story, "1\r" + CTRL_D)
    text = ["".join(t for _, t in line) for line in ui.choice_lines(200)]
    assert "  5. Swipe the keycard at the vault (The reader wants a keycard.)" in text
    styles = {style for line in ui.choice_lines(200) for style, _ in line}
    assert "class:disabled" in styles


def test_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert tui.colour_wanted(False) and not tui.colour_wanted(True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not tui.colour_wanted(False)


def test_transcript_records_shown_and_typed(story):
    buffer = io.StringIO()
    play(story, "1\r" + "status\r" + CTRL_D, transcript=Transcript(buffer))
    text = buffer.getvalue()
    assert "== The Alley ==" in text and "> 1" in text and "== The Corridor ==" in text
    assert "> status" in text and "You carry: a roll of lockpicks." in text


def test_history_is_persisted_per_story(story, tmp_path):
    path = tmp_path / "hist" / "night-vault.history"
    play(story, "1\r" + CTRL_D, history_path=path)
    assert "+1" in path.read_text()


def test_watch_reloads_the_story_while_the_app_runs(tmp_path):
    import shutil

    folder = tmp_path / "vault"
    shutil.copytree(VAULT, folder)
    session = Session(loader.load_story(folder), reloader=lambda: loader.load_all(folder))

    async def scenario():
        with create_pipe_input() as inp:
            ui = tui.TerminalUI(session, input=inp, output=DummyOutput(), watcher=loader.Watcher(folder))
            ui.start()
            running = asyncio.ensure_future(ui.app.run_async(pre_run=ui._pre_run))
            await asyncio.sleep(0.3)
            bank = folder / "bank.yaml"
            bank.write_text(bank.read_text().replace("Rain needles the alley", "Snow buries the alley"))
            for _ in range(50):
                await asyncio.sleep(0.1)
                if any(e.kind == "message" and "Story reloaded" in e.payload[0][0] for e in ui.log):
                    break
            inp.send_text(CTRL_D)
            await asyncio.wait_for(running, 10)
            return ui

    ui = asyncio.run(scenario())
    assert any(e.kind == "message" and e.payload[0][0] == "Story reloaded; your place is kept." for e in ui.log)
    assert session.view().paragraphs[0].startswith("Snow buries the alley")
