"""One player's run: input lines in, events out. No terminal, no files.

Front ends (plain, JSON lines, prompt_toolkit) feed it lines and show the
events; they differ only in how they show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from game import commands, engine
from game import model as m
from game.errors import Impossible
from game.state import State

ENDING_MENU = ("Retry from the last checkpoint", "Restart from the beginning", "Quit")
ENDING_COMMANDS = ("retry", "restart", "quit")


@dataclass(frozen=True, slots=True)
class SceneShown:
    view: engine.View


@dataclass(frozen=True, slots=True)
class Message:
    lines: tuple[str, ...]
    kind: str = "info"  # info / hint / error


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Event = SceneShown | Message | Quit


class Session:
    """`store` (a saves.SaveStore, or None for no saving) is where save,
    load and autosave go; the session itself touches no files."""

    def __init__(self, story: m.Story, state: State | None = None, *, seed: int = 0, store=None, reloader=None):
        self.story = story
        self.state = state if state is not None else engine.new_game(story, seed)
        self.store = store
        self.reloader = reloader  # () -> (Story | None, diagnostics): re-reads the files
        self.notices: list[str] = []  # shown with the first scene

    # -- what the screen shows -------------------------------------------
    def view(self) -> engine.View:
        """The whole screen, text rendered: for showing a scene."""
        return engine.view(self.story, self.state)

    def scene(self) -> m.Scene:
        """The current scene, without rendering anything (headers, toolbars)."""
        return self.story.scenes[self.state.scene]

    def options(self) -> tuple[engine.Option, ...]:
        return engine.options(self.story, self.state)

    def labels(self) -> list[str]:
        """What each number means right now (the ending menu at an ending)."""
        if self.scene().ending:
            return list(ENDING_MENU)
        return [o.label for o in self.options()]

    def summary(self) -> str:
        scenes = len(self.state.visits)
        return (f"{scenes} scene{'s' * (scenes != 1)} seen, "
                f"{self.state.turn} choice{'s' * (self.state.turn != 1)} made.")

    def status_lines(self) -> tuple[str, ...]:
        inv = engine.inventory(self.story, self.state)
        lines = ["You carry: " + (", ".join(inv["items"]) or "nothing of note") + "."]
        if inv["counters"]:
            lines.append("Standing: " + "; ".join(inv["counters"]) + ".")
        if inv["flags"]:
            lines.append("Done so far: " + "; ".join(inv["flags"]) + ".")
        lines.append(f"Turn {self.state.turn}.")
        return tuple(lines)

    # -- acting --------------------------------------------------------------
    def start(self) -> list[Event]:
        events: list[Event] = [Message(tuple(self.notices))] if self.notices else []
        return events + [SceneShown(self.view())]

    def handle(self, line: str) -> list[Event]:
        before = self.state
        events = self._handle(line)
        if self.state is not before and self.store is not None:
            events += self._autosave()
        return events

    def _autosave(self) -> list[Event]:
        from game.savefile import SaveError

        try:
            self.store.autosave(self.state)
        except SaveError as exc:
            return [Message((f"Autosave failed: {exc}. Your game goes on; try 'save NAME'.",), "error")]
        return []

    def _handle(self, line: str) -> list[Event]:
        labels = self.labels()
        action = commands.parse(line, labels)
        if isinstance(action, commands.Hint):
            return [Message((action.message,), "hint")]
        if isinstance(action, commands.Pick) and self.scene().ending:
            if not 1 <= action.number <= len(ENDING_MENU):
                return [Message((f"Choose 1 to {len(ENDING_MENU)}.",), "hint")]
            action = commands.Command(ENDING_COMMANDS[action.number - 1])
        try:
            if isinstance(action, commands.Pick):
                self.state = engine.choose(self.story, self.state, action.number)
                return [SceneShown(self.view())]
            return self.command(action)
        except Impossible as refused:
            return [Message((str(refused),), "hint")]

    def command(self, action: commands.Command) -> list[Event]:
        name = action.name
        if name == "look":
            return [SceneShown(self.view())]
        if name == "status":
            return [Message(self.status_lines())]
        if name == "help":
            return [Message(tuple(commands.help_lines()))]
        if name == "quit":
            return [Quit()]
        if name == "undo":
            self.state = engine.undo(self.state)
            return [Message(("You take it back.",)), SceneShown(self.view())]
        if name == "retry":
            self.state = engine.retry(self.story, self.state)
            return [Message(("Back to the last checkpoint.",)), SceneShown(self.view())]
        if name == "restart":
            self.state = engine.restart(self.story, self.state)
            return [Message(("From the beginning.",)), SceneShown(self.view())]
        if name == "reload":
            return self.reload()
        return self.save_command(action)

    def reload(self) -> list[Event]:
        """Re-read the story; keep the player's place. A broken edit leaves
        the old story running and says what is wrong."""
        if self.reloader is None:
            return [Message(("Reloading is not available here.",), "hint")]
        from game import savefile
        from game.errors import ERROR

        story, diagnostics = self.reloader()
        if story is None:
            errors = [d.format() for d in diagnostics if d.severity == ERROR]
            shown = errors[:20] + ([f"... and {len(errors) - 20} more"] if len(errors) > 20 else [])
            return [Message(("The edited story has errors; still playing the version before them:", *shown),
                            "error")]
        if story.fingerprint == self.story.fingerprint:
            return [Message(("No story file has changed.",))]
        try:
            data = savefile.encode(self.story, self.state, "")
            state, notes = savefile.decode(story, data)
        except savefile.SaveError as exc:
            return [Message((f"Your place cannot be carried into the edited story: {exc}. "
                             "Still playing the version before the edit.",), "error")]
        self.story, self.state = story, state
        if self.store is not None:
            self.store.story = story
        kept = [n for n in notes if "earlier version" not in n]
        return [Message(("Story reloaded; your place is kept.", *kept)), SceneShown(self.view())]

    def save_command(self, action: commands.Command) -> list[Event]:
        if self.store is None:
            return [Message(("Saving is switched off for this game.",), "hint")]
        from game import saves
        from game.savefile import SaveError

        name = (action.arg or "").strip()
        try:
            if action.name == "saves":
                return [Message(("Saved games (newest first):", *saves.describe(self.store.slots())))]
            if action.name == "save":
                name = name or saves.QUICKSAVE
                self.store.save(name, self.state)
                return [Message((f"Saved as '{name}'. Type 'load {name}' to come back here.",))]
            name = name or saves.QUICKSAVE
            state, notes = self.store.load(name)
        except SaveError as exc:
            text = str(exc)
            return [Message((text if text.endswith(".") else text + ".",), "error")]
        self.state = state
        return [Message((f"Loaded '{name}' (turn {state.turn}).", *notes)), SceneShown(self.view())]
