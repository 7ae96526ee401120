"""One player's run: input lines in, events out. No terminal, no files.

The session decides the run's status (choosing, ended, over) and the ending
policy (what the ending menu offers after a victory or a failure); front
ends (plain, JSON lines, prompt_toolkit) feed it lines and present the
events it returns.
"""

from __future__ import annotations

from game.core import codec, commands, engine
from game.core import model as m
from game.core.errors import ERROR, Impossible
from game.core.events import FAILURE_MENU, VICTORY_MENU, Message, Quit, SceneShown, Status
from game.core.state import State

QUICKSAVE = "quicksave"


BEFORE_LOAD = "before-load"  # the slot that keeps the run a load replaced


class Session:
    """`store` (a saves store, or None for no saving) is where save, load
    and autosave go: anything with `save(name, state)`, `autosave(state)`,
    `load(name) -> (state, notes)`, `describe() -> lines` and a `story`
    attribute. The session itself touches no files."""

    def __init__(self, story: m.Story, state: State | None = None, *, seed: int = 0, store=None, reloader=None,
                 notices: tuple[str, ...] = (), endings=None):
        self.story = story
        self.opening: engine.Step | None = None  # how a new run began (the start scene's outcome reply);
        # whoever puts another state in place of the new run clears it
        if state is None:
            state, self.opening = engine.opening(story, seed)
        self.state = state
        self.store = store
        self.reloader = reloader  # () -> (Story | None, diagnostics): re-reads the files
        self.notices: tuple[str, ...] = tuple(notices)  # shown with the first scene
        self.over = False
        self.broken_edit = False  # the last reload found errors: the files differ from what is played
        self.made = None  # choices made in this run, retries included (None: the state's turn, as loaded)
        self.endings = endings  # anything with `reached(scene_id) -> line`: endings found across runs, or None
        self.loaded: State | None = None  # the state the last 'load' put in place, while nothing has been played

    # -- what the screen shows -------------------------------------------
    def view(self) -> engine.View:
        """The whole screen, text rendered: for showing a scene."""
        return engine.view(self.story, self.state)

    def scene(self) -> m.Scene:
        """The current scene, without rendering anything (headers, toolbars)."""
        return self.story.scenes[self.state.scene]

    def options(self) -> tuple[engine.Option, ...]:
        return engine.options(self.story, self.state)

    @property
    def status(self) -> Status:
        if self.over:
            return Status.OVER
        return Status.ENDED if self.scene().ending else Status.CHOOSING

    def ending_menu(self) -> tuple[tuple[str, str], ...]:
        """(label, command) pairs on offer at the current ending."""
        ending = self.scene().ending
        if ending is None:
            return ()
        return VICTORY_MENU if ending.kind == m.VICTORY else FAILURE_MENU

    def labels(self) -> list[str]:
        """What each number means right now (the ending menu at an ending)."""
        if self.scene().ending:
            return [label for label, _ in self.ending_menu()]
        return [o.label for o in self.options()]

    def shown(self, step: engine.Step | None = None) -> SceneShown:
        """The current scene as an event, with the status and ending menu,
        and the reply of the step that led here."""
        view = self.view()
        status = self.status
        reply = engine.reply(self.story, self.state, step) if step is not None else ()
        stayed = step is not None and step.stayed
        if status is Status.ENDED:
            summary = self.summary()
            if step is not None and self.endings is not None:  # reached by a choice, not re-shown: a find counts
                summary += " " + self.endings.reached(self.state.scene)
            return SceneShown(view, status, tuple(self.labels()), summary, reply, stayed)
        return SceneShown(view, status, reply=reply, stayed=stayed)

    def summary(self) -> str:
        """What the run came to: the different scenes seen and every choice
        made on the way, counting those before a retry (a retry keeps the
        scenes seen, so the choices must keep counting too)."""
        scenes = len(self.state.visits)
        made = self._made()
        return f"{scenes} scene{'s' * (scenes != 1)} seen, {made} choice{'s' * (made != 1)} made."

    def _made(self) -> int:
        return self.state.turn if self.made is None else self.made

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
    def start(self) -> list:
        events: list = [Message(self.notices)] if self.notices else []
        return events + [self.shown(self.opening)]

    def handle(self, line: str) -> list:
        before = self.state
        events = self._handle(line)
        if self.state is not before and self.store is not None:
            events += self._autosave()
        return events

    def _autosave(self) -> list:
        try:
            self.store.autosave(self.state)
        except codec.SaveError as exc:
            return [Message((f"Autosave failed: {exc}. Your game goes on; try 'save NAME'.",), "error")]
        return []

    def parse(self, line: str) -> commands.Action:
        """What a line means here: a choice, a command, or a hint."""
        return commands.parse(line, self.labels(), [command for _, command in self.ending_menu()])

    def _handle(self, line: str) -> list:
        action = self.parse(line)
        if isinstance(action, commands.Hint):
            return [Message((action.message,), "hint")]
        if isinstance(action, commands.Pick) and self.scene().ending:
            menu = self.ending_menu()
            if not 1 <= action.number <= len(menu):
                return [Message((f"Choose 1 to {len(menu)}.",), "hint")]
            action = commands.Command(menu[action.number - 1][1])
        try:
            if isinstance(action, commands.Pick):
                made = self._made()
                self.state, step = engine.choose_step(self.story, self.state, action.number)
                self.made = made + 1
                return [self.shown(step)]
            return self.command(action)
        except Impossible as refused:
            return [Message((str(refused),), "hint")]

    def command(self, action: commands.Command) -> list:
        name = action.name
        if name == "look":
            return [self.shown()]
        if name == "status":
            return [Message(self.status_lines())]
        if name == "help":
            return [Message(tuple(commands.help_lines()))]
        if name == "quit":
            self.over = True
            return [Quit(self.summary())]
        if name == "undo":
            made = self._made()
            self.state = engine.undo(self.state)
            self.made = max(made - 1, 0)
            return [Message(("You take it back.",)), self.shown()]
        if name == "retry":
            ending = self.scene().ending
            if ending is not None and ending.kind == m.VICTORY:
                return [Message(("The mission is accomplished: there is nothing to retry. Type 'restart' to play "
                                 "again.",), "hint")]
            self.state = engine.retry(self.story, self.state)
            return [Message(("Back to the last checkpoint.",)), self.shown()]
        if name == "restart":
            self.state = engine.restart(self.story, self.state)
            self.made = 0
            if self.endings is not None:
                self.endings.begin_run()
            return [Message(("From the beginning.",)), self.shown()]
        if name == "reload":
            return self.reload()
        return self.save_command(action)

    def reload(self) -> list:
        """Re-read the story; keep the player's place. A broken edit leaves
        the old story running and says what is wrong."""
        if self.reloader is None:
            return [Message(("Reloading is not available here.",), "hint")]
        story, diagnostics = self.reloader()
        was_broken, self.broken_edit = self.broken_edit, story is None
        if story is None:
            errors = [d.format() for d in diagnostics if d.severity == ERROR]
            shown = errors[:20] + ([f"... and {len(errors) - 20} more"] if len(errors) > 20 else [])
            return [Message(("The edited story has errors; still playing the version before them:", *shown),
                            "error")]
        if story.fingerprint == self.story.fingerprint:
            if was_broken:
                return [Message(("The story's errors are fixed: the files are as they were before them, which is "
                                 "what you are playing.",))]
            return [Message(("No story file has changed.",))]
        try:
            state, notes = codec.carry(self.story, self.state, story)
        except codec.SaveError as exc:
            return [Message((f"Your place cannot be carried into the edited story: {exc}. "
                             "Still playing the version before the edit.",), "error")]
        self.story, self.state = story, state
        if self.store is not None:
            self.store.story = story
        kept = [n for n in notes if "earlier version" not in n]
        return [Message(("Story reloaded; your place is kept.", *kept)), self.shown()]

    def save_command(self, action: commands.Command) -> list:
        if self.store is None:
            return [Message(("Saving is switched off for this game.",), "hint")]
        name = (action.arg or "").strip()
        try:
            if action.name == "saves":
                return [Message(("Saved games (newest first):", *self.store.describe()))]
            if action.name == "save":
                name = name or QUICKSAVE
                self.store.save(name, self.state)
                return [Message((f"Saved as '{name}'. Type 'load {name}' to come back here.",))]
            name = name or QUICKSAVE
            state, notes = self.store.load(name)
        except codec.SaveError as exc:
            text = str(exc)
            return [Message((text if text.endswith(".") else text + ".",), "error")]
        kept = []
        if self.state is self.loaded:  # nothing played since the last load: 'before-load' still holds the run
            kept = [f"The run you left before loading is still kept as '{BEFORE_LOAD}'."] \
                if name != BEFORE_LOAD else []
        else:  # the run this load replaces stays one 'load before-load' away (loading that swaps them)
            try:
                self.store.save(BEFORE_LOAD, self.state)
                kept = [f"The run you left is kept as '{BEFORE_LOAD}'."]
            except codec.SaveError as exc:
                kept = [f"The run you left could not be kept ({exc})."]
        self.state, self.made, self.loaded = state, None, state
        return [Message((f"Loaded '{name}' (turn {state.turn}).", *kept, *notes)), self.shown()]
