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
from prompt_toolkit.layout import (ConditionalContainer, HSplit, Layout,
                                   Window)
from prompt_toolkit.layout.controls import BufferControl, FormattedTextControl, UIContent, UIControl
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
    "match": "bold ansiyellow",
    "more": "reverse bold",
    "victory": "bold ansigreen",
    "failure": "bold ansired",
    "rule": "ansibrightblack",
    "prompt": "bold",
    "toolbar": "reverse",
}
PLAIN_STYLE = {"title": "bold", "number": "bold", "match": "bold", "more": "reverse bold", "disabled": "italic",
               "victory": "bold",
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


def toolbar_text(scene, turn: int, width: int) -> str:
    """The status bar: chapter, place, point of view and turn, with the keys on
    the right. When it does not fit, the keys go first, then the point of
    view, then the place; the chapter is shortened last, and the turn stays."""
    right = " help · PgUp/PgDn · Ctrl-D quits "
    tail = f"Turn {turn}"
    middle = [p for p in (scene.location, f"as {scene.pov}" if scene.pov else "") if p]
    chapter = safe(scene.chapter) if scene.chapter else ""

    def line(parts: list[str]) -> str:
        return " " + " · ".join(p for p in parts if p) + " "

    for keys in (right, ""):
        for keep in range(len(middle), -1, -1):
            left = line([chapter, *map(safe, middle[:keep]), tail])
            if len(left) + len(keys) <= width:
                return left + " " * (width - len(left) - len(keys)) + keys
    room = width - len(line(["", tail])) - 3  # what is left for the chapter, with " · "
    short = chapter if len(chapter) <= room else chapter[:max(room - 1, 0)].rstrip() + "…"
    left = line([short, tail]) if room > 1 else line([tail])
    return left[:width].ljust(width)


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
        labels = self.session.labels()
        for i in commands.matching(typed, labels):  # the choices marked in the list, in their order
            if labels[i].lower() != lowered:
                yield Completion(labels[i], start_position=-len(document.text_before_cursor),
                                 display=f"{i + 1}. {labels[i]}")
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


class LinesControl(UIControl):
    """A pane as tall as the wrapped lines it shows (the choices; the hint
    under them, wrapped, never cut): `lines_for(width)` gives them."""

    def __init__(self, lines_for):
        self.lines_for = lines_for

    def is_focusable(self) -> bool:
        return False

    def preferred_height(self, width, max_available_height, wrap_lines, get_line_prefix):
        return len(self.lines_for(width))

    def create_content(self, width: int, height: int) -> UIContent:
        lines = self.lines_for(width)
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
        self.unread = False  # a scene just shown: its end must be seen before its choices
        self.reading = 0  # the log entry of the newest scene
        self.scene_end: int | None = None  # the wrapped line just past that scene, once a render measured it
        self.resume: int | None = None  # where reading stopped when a command's answer was shown below
        self._cache_width = -1
        self._cache: dict[int, list[Line]] = {}

        # No completion pop-up: it was drawn over the choices. The choices that
        # fit what is typed are marked in the list itself, and Tab cycles them.
        self.completer = LabelCompleter(session)
        self.tabbing: tuple[list[str], int] | None = None  # (candidates, index) while Tab cycles
        self.buffer = Buffer(multiline=False, history=_history(history_path), accept_handler=self._accept)
        self.buffer.on_text_changed += self._typing
        self.app: Application = Application(
            layout=self._layout(), key_bindings=merge_key_bindings([load_key_bindings(), self._keys()]),
            style=Style.from_dict(COLOURS if color else PLAIN_STYLE), full_screen=True,
            input=input, output=output, color_depth=None if color else ColorDepth.DEPTH_1_BIT)

    # -- layout -----------------------------------------------------------
    def _layout(self) -> Layout:
        story = Window(StoryControl(self), wrap_lines=False)
        rule = Window(FormattedTextControl(self._rule), height=1, char="─", style="class:rule")
        choices = Window(LinesControl(self.choice_lines), dont_extend_height=True)
        hint = ConditionalContainer(Window(LinesControl(self.hint_lines), dont_extend_height=True),
                                    filter=Condition(lambda: bool(self.hint)))
        self.input_window = Window(BufferControl(self.buffer, input_processors=[SafeInput(), BeforeInput("> ", "class:prompt")]),
                                   height=1)
        toolbar = Window(FormattedTextControl(self._toolbar), height=1, style="class:toolbar")
        body = HSplit([story, rule, choices, hint, self.input_window, toolbar])
        return Layout(body, focused_element=self.input_window)

    def _keys(self) -> KeyBindings:
        keys = KeyBindings()
        empty = Condition(lambda: not self.buffer.text)

        @keys.add("c-c")
        def _clear(event) -> None:
            if not self.buffer.text:
                self.hint = "Ctrl-C clears what you typed; Ctrl-D or 'quit' leaves (your progress is saved)."
                return
            self.buffer.reset()
            self.hint = ""

        @keys.add("c-d", filter=empty)
        def _leave(event) -> None:
            event.app.exit(result=0)

        @keys.add("pageup")
        def _up(event) -> None:
            top, height, total = self.last
            self.pin = ("line", max(0, top - max(height - 2, 1)))
            self.last = (self.pin[1], height, total)

        @keys.add("pagedown")
        def _down(event) -> None:
            self.page_down()

        more = Condition(lambda: self.more)

        @keys.add(" ", filter=more & empty)
        @keys.add("enter", filter=more)
        def _read_on(event) -> None:  # [MORE]: the end of the scene before its choices
            typed = self.buffer.text
            if typed and isinstance(self.session.parse(typed), commands.Command):
                self.buffer.validate_and_handle()  # commands (quit, save, help...) need no reading on
                return
            self.page_down()
            if typed:
                self.hint = ("The scene goes on below: read to its end first (Space or PgDn)." if self.more else
                             "That is the end of the scene: press Enter again to take it.")

        @keys.add("tab")
        def _tab(event) -> None:
            self.tab()

        @keys.add("c-z")
        def _suspend(event) -> None:
            if hasattr(os, "kill") and os.name == "posix":
                event.app.suspend_to_background()

        return keys

    def _rule(self):
        top, height, total = self.last
        if self.more:
            return [("class:more", " [MORE] Space or PgDn to read on "), ("class:rule", " ")]
        marks = []
        if top > 0:
            marks.append("▲ more above (PgUp)")
        if top + height < total:
            marks.append("▼ more below (PgDn)")
        return [("class:rule", f"── {' · '.join(marks)} " if marks else "")]

    @property
    def more(self) -> bool:
        """The newest scene's last line has not been on screen yet: its
        choices wait ([MORE]), whatever was shown below it since."""
        # measured by a render; cleared by _seen when a render (or a page down) puts that line on screen
        return self.unread and self.scene_end is not None

    def page_down(self) -> None:
        top, height, total = self.last
        if self.unread and self.resume is not None:  # back from a command's answer to where reading stopped
            top, self.resume = self.resume, None
        new = top + max(height - 2, 1)
        if new >= total - height:
            self.pin = ("bottom",)
            new = max(total - height, 0)
        else:
            self.pin = ("line", new)
        self.last = (new, height, total)  # keys typed ahead of the next redraw page on from here
        self._seen()

    def _seen(self) -> None:
        top, height, _ = self.last
        if self.scene_end is not None and top < self.scene_end <= top + height:  # the scene's last line is on screen
            self.unread, self.resume = False, None

    def tab(self) -> None:
        """Tab: the next choice (or command) that fits what was typed."""
        typed = self.buffer.text
        if self.tabbing and typed == self.tabbing[0][self.tabbing[1]]:
            candidates, index = self.tabbing
            index = (index + 1) % len(candidates)
        else:
            candidates = [c.text for c in self.completer.get_completions(Document(typed), CompleteEvent())]
            if not candidates:
                return
            index = 0
        self.tabbing = (candidates, index)
        self.buffer.text = candidates[index]
        self.buffer.cursor_position = len(self.buffer.text)

    def _toolbar(self):
        scene = self.session.scene()
        width = self.app.output.get_size().columns
        return [("class:toolbar", toolbar_text(scene, self.session.state.turn, width))]

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
        later = [line for number, line in starts.items() if number > self.reading]
        self.scene_end = min(later, default=total)
        self._seen()
        return top

    def choice_lines(self, width: int) -> list[Line]:
        width = max(min(width - 1, MAX_WIDTH), 10)
        out: list[Line] = []  # shown even at [MORE] (the layout never jumps); taken only once the end is seen
        if self.session.scene().ending:
            items = [(i, label, None) for i, label in enumerate(self.session.labels(), 1)]
        else:
            items = [(o.number, o.label, None if o.enabled else o.reason) for o in self.session.options()]
        typed = " ".join(self.buffer.text.lower().split())
        picked = set() if typed.isdigit() else {items[i][0] for i in commands.matching(typed, [i[1] for i in items])}
        for number, label, reason in items:
            fits = typed == str(number) or number in picked  # marked: what Enter would take
            first = [("class:match" if fits else "class:number", f"{'›' if fits else ' '}{number:>2}. ")]
            if reason is None:
                out += _wrap(label, width, "class:choice", "     ", first)
            else:
                out += _wrap(f"{label} ({reason})", width, "class:disabled", "     ", first)
        return out

    def hint_lines(self, width: int) -> list[Line]:
        if not self.hint:
            return []
        return _wrap(self.hint, max(min(width - 1, MAX_WIDTH), 10), "class:hint", "  ")

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
                self.reading, self.scene_end = self._add("scene", event), None

    def _typing(self, _buffer) -> None:
        self.hint = ""
        if self.tabbing and self.buffer.text not in self.tabbing[0]:
            self.tabbing = None

    def _accept(self, buffer: Buffer) -> bool:
        text = buffer.text[:MAX_INPUT]
        if self.transcript:
            self.transcript.typed(text)
        labels = self.session.labels()
        action = self.session.parse(text)
        events = self.session.handle(text)
        if all(isinstance(e, Message) and e.kind == "hint" for e in events):  # errors stay in the log
            self.show(events)
            return False
        said = " ".join(text.split())
        if isinstance(action, commands.Pick) and 0 < action.number <= len(labels):  # what was chosen, in words
            said = f"{action.number}. {labels[action.number - 1]}"
        echo = self._add("echo", safe(said))
        self.show(events)
        shown = any(isinstance(e, SceneShown) for e in events)
        if shown:
            self.pin, self.unread = ("entry", echo), True
        else:  # help, status, save...: shown at once; an unread scene still waits at [MORE]
            if self.unread and self.resume is None:
                self.resume = self.last[0]
            self.pin = ("bottom",)
        self.tabbing = None
        return False

    def start(self) -> None:
        self.show(self.session.start())
        self.pin = ("entry", self.count)
        self.unread = True

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
