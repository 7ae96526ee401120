"""The terminal player: a full-screen prompt_toolkit interface.

Layout, top to bottom: the story pane (the run so far, word-wrapped to the
width at every render, so resizing re-wraps it; PgUp/PgDn scroll), a rule
that says when there is more above or below, the choices of the current
scene, a one-line hint, the input line (completion of choice labels and
commands, history), and a toolbar with chapter, location and turn.

All game logic is in `Session`; this module only shows its events.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from prompt_toolkit.application import Application
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from prompt_toolkit.key_binding.defaults import load_key_bindings
from prompt_toolkit.layout import (ConditionalContainer, Float, FloatContainer, HSplit, Layout,
                                   Window)
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl, UIContent, UIControl
from prompt_toolkit.layout.menus import CompletionsMenu
from prompt_toolkit.layout.processors import BeforeInput, Processor, Transformation
from prompt_toolkit.output.color_depth import ColorDepth
from prompt_toolkit.styles import Style

from game.core import commands, render
from game.core.events import Message, Quit, SceneShown
from game.core.sanitize import safe
from game.core.session import Session
from game.play.io import RunIO
from game.play.transcript import Transcript

MAX_LOG = 200  # entries kept in the story pane
MAX_WIDTH = 100  # columns of prose; wider lines are hard to read
MAX_INPUT = 1000  # characters accepted on the input line
HISTORY_BYTES = 256 * 1024  # a history file past this is trimmed on start

COLOURS = {
    "chapter": "ansicyan",
    "title": "bold",
    "text": "",
    "number": "bold ansiyellow",
    "choice": "",
    "disabled": "ansibrightblack italic",
    "echo": "ansibrightblack",
    "reply": "italic",
    "system": "ansigreen",
    "hint": "ansiyellow",
    "error": "ansired",
    "victory": "bold ansigreen",
    "failure": "bold ansired",
    "rule": "ansibrightblack",
    "prompt": "bold",
    "toolbar": "reverse",
}
PLAIN_STYLE = {"title": "bold", "number": "bold", "disabled": "italic", "victory": "bold",
               "failure": "bold", "prompt": "bold", "toolbar": "reverse"}

Line = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Entry:
    number: int
    kind: str  # scene / message / echo
    payload: object


def colour_wanted(no_color_flag: bool) -> bool:
    return not no_color_flag and not os.environ.get("NO_COLOR")


def _wrap(text: str, width: int, style: str, indent: str = "", first: Line | None = None) -> list[Line]:
    """Word-wrap text into styled lines; `first` is a prefix for line one."""
    prefix_len = sum(len(t) for _, t in first) if first else 0
    pieces = textwrap.wrap(safe(text), max(width - prefix_len, 8), subsequent_indent=indent) or [""]
    lines = [[(style, piece)] for piece in pieces]
    if first:
        lines[0] = first + lines[0]
    return lines


class SafeInput(Processor):
    """What the player types or pastes is shown through the one sanitiser:
    a bidi control or escape in the input line shows as U+FFFD (one
    character for one, so the cursor stays where it is)."""

    def apply_transformation(self, ti):
        return Transformation([(style, safe(text), *rest) for style, text, *rest in ti.fragments])


class LabelCompleter(Completer):
    """Completes choice labels (by any part of them) and command names."""

    def __init__(self, session: Session):
        self.session = session

    def get_completions(self, document: Document, complete_event: CompleteEvent):
        typed = document.text_before_cursor.lstrip()
        if not typed or typed.isdigit():
            return
        lowered = typed.lower()
        for number, label in enumerate(self.session.labels(), 1):
            if lowered in label.lower() and label.lower() != lowered:
                yield Completion(label, start_position=-len(document.text_before_cursor),
                                 display=f"{number}. {label}")
        if " " not in typed:
            for name in commands.COMMANDS:
                if name.startswith(lowered) and name != lowered:
                    yield Completion(name, start_position=-len(document.text_before_cursor),
                                     display_meta=commands.COMMANDS[name][2])


class StoryControl(UIControl):
    """The story pane: renders only the visible slice of the wrapped log."""

    def __init__(self, ui: TerminalUI):
        self.ui = ui

    def is_focusable(self) -> bool:
        return False

    def create_content(self, width: int, height: int) -> UIContent:
        lines, starts = self.ui.wrapped_log(width)
        top = self.ui.resolve_top(len(lines), height, starts)
        visible = lines[top: top + height]
        return UIContent(get_line=lambda i: visible[i], line_count=len(visible), show_cursor=False)


class ChoicesControl(UIControl):
    def __init__(self, ui: TerminalUI):
        self.ui = ui

    def is_focusable(self) -> bool:
        return False

    def preferred_height(self, width, max_available_height, wrap_lines, get_line_prefix):
        return len(self.ui.choice_lines(width))

    def create_content(self, width: int, height: int) -> UIContent:
        lines = self.ui.choice_lines(width)
        return UIContent(get_line=lambda i: lines[i], line_count=len(lines), show_cursor=False)


class TerminalUI:
    def __init__(self, session: Session, *, input=None, output=None, color: bool = True,
                 history_path: Path | None = None, transcript: Transcript | None = None, watcher=None):
        self.session = session
        self.watcher = watcher
        self.transcript = transcript
        self.log: list[Entry] = []
        self.count = 0
        self.pin: tuple = ("bottom",)
        self.last = (0, 0, 0)  # top, height, total of the last render
        self.hint = ""
        self._cache_width = -1
        self._cache: dict[int, list[Line]] = {}

        self.buffer = Buffer(multiline=False, completer=LabelCompleter(session), complete_while_typing=True,
                             history=_history(history_path), accept_handler=self._accept)
        self.buffer.on_text_changed += self._typing
        self.app: Application = Application(
            layout=self._layout(), key_bindings=merge_key_bindings([load_key_bindings(), self._keys()]),
            style=Style.from_dict(COLOURS if color else PLAIN_STYLE), full_screen=True,
            input=input, output=output, color_depth=None if color else ColorDepth.DEPTH_1_BIT)

    # -- layout -----------------------------------------------------------
    def _layout(self) -> Layout:
        story = Window(StoryControl(self), wrap_lines=False)
        rule = Window(FormattedTextControl(self._rule), height=1, char="─", style="class:rule")
        choices = Window(ChoicesControl(self), dont_extend_height=True)
        hint = ConditionalContainer(Window(FormattedTextControl(lambda: [("class:hint", self.hint)]), height=1),
                                    filter=Condition(lambda: bool(self.hint)))
        self.input_window = Window(BufferControl(self.buffer, input_processors=[SafeInput(), BeforeInput("> ", "class:prompt")]),
                                   height=1)
        toolbar = Window(FormattedTextControl(self._toolbar), height=1, style="class:toolbar")
        body = HSplit([story, rule, choices, hint, self.input_window, toolbar])
        return Layout(FloatContainer(body, floats=[Float(xcursor=True, ycursor=True,
                                                         content=CompletionsMenu(max_height=8))]),
                      focused_element=self.input_window)

    def _keys(self) -> KeyBindings:
        keys = KeyBindings()
        empty = Condition(lambda: not self.buffer.text)

        @keys.add("c-c")
        def _clear(event) -> None:
            self.buffer.reset()
            self.hint = ""

        @keys.add("c-d", filter=empty)
        def _leave(event) -> None:
            event.app.exit(result=0)

        @keys.add("pageup")
        def _up(event) -> None:
            top, height, _ = self.last
            self.pin = ("line", max(0, top - max(height - 2, 1)))

        @keys.add("pagedown")
        def _down(event) -> None:
            top, height, total = self.last
            new = top + max(height - 2, 1)
            self.pin = ("bottom",) if new >= total - height else ("line", new)

        @keys.add("c-z")
        def _suspend(event) -> None:
            if hasattr(os, "kill") and os.name == "posix":
                event.app.suspend_to_background()

        return keys

    def _rule(self):
        top, height, total = self.last
        marks = []
        if top > 0:
            marks.append("▲ more above (PgUp)")
        if top + height < total:
            marks.append("▼ more below (PgDn)")
        return [("class:rule", f"── {' · '.join(marks)} " if marks else "")]

    def _toolbar(self):
        scene = self.session.scene()
        parts = [p for p in (scene.chapter, scene.location) if p]
        if scene.pov:
            parts.append(f"as {scene.pov}")
        parts.append(f"Turn {self.session.state.turn}")
        width = self.app.output.get_size().columns
        left = " " + " · ".join(safe(p) for p in parts) + " "
        right = " help · PgUp/PgDn · Ctrl-D quits "
        if len(left) + len(right) > width:  # keep the turn visible: drop the rest, most general first
            right = ""
            for keep in range(len(parts) - 1, 0, -1):
                if len(left) <= width:
                    break
                left = " " + " · ".join(safe(p) for p in parts[-keep:]) + " "
        return [("class:toolbar", left + " " * max(width - len(left) - len(right), 0) + right)]

    # -- the story pane ------------------------------------------------------
    def wrapped_log(self, width: int) -> tuple[list[Line], dict[int, int]]:
        width = max(min(width - 1, MAX_WIDTH), 10)
        if width != self._cache_width:
            self._cache_width, self._cache = width, {}
        lines: list[Line] = []
        starts: dict[int, int] = {}
        for entry in self.log:
            if entry.number not in self._cache:
                self._cache[entry.number] = self._entry_lines(entry, width)
            starts[entry.number] = len(lines)
            lines.extend(self._cache[entry.number])
        return lines, starts

    def _entry_lines(self, entry: Entry, width: int) -> list[Line]:
        if entry.kind == "echo":
            return [[]] + _wrap(f"> {entry.payload}", width, "class:echo")
        if entry.kind == "message":
            lines, kind = entry.payload
            style = "class:error" if kind == "error" else "class:system"
            out: list[Line] = []
            for line in lines:
                out += _wrap(line, width, style, indent="  ")
            return out
        view, summary = entry.payload.view, entry.payload.summary
        scene = view.scene
        out = [[]]
        for paragraph in entry.payload.reply:  # the answer to the choice just taken
            out += _wrap(paragraph, width, "class:reply")
            out.append([])
        if entry.payload.stayed:  # still in the same scene: its choices are below
            return out[:-1]
        head = render.header(scene)
        if head:
            out += _wrap(head, width, "class:chapter")
        out += _wrap(scene.title, width, "class:title")
        for paragraph in view.paragraphs:
            out.append([])
            out += _wrap(paragraph, width, "class:text")
        if view.ending:
            out.append([])
            out += _wrap(render.ending_line(view.ending), width, f"class:{view.ending.kind}")
            out += _wrap(summary, width, "class:system")
        return out

    def resolve_top(self, total: int, height: int, starts: dict[int, int]) -> int:
        most = max(total - height, 0)
        if self.pin[0] == "entry":
            top = starts.get(self.pin[1], most)
        elif self.pin[0] == "line":
            top = self.pin[1]
        else:
            top = most
        top = min(max(top, 0), most)
        self.last = (top, height, total)
        return top

    def choice_lines(self, width: int) -> list[Line]:
        width = max(min(width - 1, MAX_WIDTH), 10)
        out: list[Line] = []
        if self.session.scene().ending:
            items = [(i, label, None) for i, label in enumerate(self.session.labels(), 1)]
        else:
            items = [(o.number, o.label, None if o.enabled else o.reason) for o in self.session.options()]
        for number, label, reason in items:
            first = [("class:number", f"{number:>2}. ")]
            if reason is None:
                out += _wrap(label, width, "class:choice", "    ", first)
            else:
                out += _wrap(f"{label} ({reason})", width, "class:disabled", "    ", first)
        return out

    # -- events ----------------------------------------------------------------
    def _add(self, kind: str, payload) -> int:
        self.count += 1
        self.log.append(Entry(self.count, kind, payload))
        del self.log[:-MAX_LOG]
        return self.count

    def show(self, events) -> None:
        for event in events:
            if self.transcript:
                self.transcript.shown(render.event_lines(event))
            if isinstance(event, Quit):
                self.app.exit(result=0)
            elif isinstance(event, Message) and event.kind == "hint":
                self.hint = safe(" ".join(event.lines))
            elif isinstance(event, Message):
                self._add("message", (event.lines, event.kind))
            elif isinstance(event, SceneShown):
                self._add("scene", event)

    def _typing(self, _buffer) -> None:
        self.hint = ""

    def _accept(self, buffer: Buffer) -> bool:
        text = buffer.text[:MAX_INPUT]
        if self.transcript:
            self.transcript.typed(text)
        events = self.session.handle(text)
        if all(isinstance(e, Message) and e.kind == "hint" for e in events):  # errors stay in the log
            self.show(events)
            return False
        echo = self._add("echo", safe(" ".join(text.split())))
        self.show(events)
        self.pin = ("entry", echo) if any(isinstance(e, SceneShown) for e in events) else ("bottom",)
        return False

    def start(self) -> None:
        self.show(self.session.start())
        self.pin = ("entry", self.count)

    async def _watch(self) -> None:
        import asyncio

        while True:
            await asyncio.sleep(0.5)
            if self.watcher.changed():
                self.show(self.session.reload())
                self.pin = ("bottom",)
                self.app.invalidate()

    def _pre_run(self) -> None:
        if self.watcher is not None:
            self.app.create_background_task(self._watch())
        import asyncio
        import signal

        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGHUP"):  # leave cleanly: the terminal is restored on the way out
            if hasattr(signal, name):
                try:
                    loop.add_signal_handler(getattr(signal, name),
                                            lambda n=getattr(signal, name): self.app.exit(result=128 + n))
                except (NotImplementedError, RuntimeError, ValueError):
                    pass

    def run(self) -> int:
        self.start()
        return self.app.run(pre_run=self._pre_run) or 0


def _history(path: Path | None) -> History:
    """Command history persisted per story; in memory if the file is unusable."""
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > HISTORY_BYTES:
            keep = path.read_bytes()[-HISTORY_BYTES // 2:]
            path.write_bytes(keep[keep.find(b"\n# ") + 1:] if b"\n# " in keep else b"")
        return _QuietFileHistory(str(path))
    except OSError:
        return InMemoryHistory()


class _QuietFileHistory(FileHistory):
    """A history file whose failures (disk full, read-only) never stop play."""

    def load_history_strings(self):
        try:
            yield from super().load_history_strings()
        except (OSError, UnicodeDecodeError):
            return

    def store_string(self, string: str) -> None:
        try:
            super().store_string(string)
        except OSError:
            pass


def run(session: Session, io: RunIO) -> int:
    ui = TerminalUI(session, color=io.color, history_path=io.history_path, transcript=io.transcript,
                    watcher=io.watcher)
    result = ui.run()
    print(f"{safe(session.story.title)}: {session.summary()} Until next time.")
    return result
