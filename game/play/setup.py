"""One place that builds a ready session: the story loaded, the save store,
a resumed or loaded game, an author's jump (`--start/--set/--give`), and the
notices shown with the first scene. And the table of front ends, each a
module with `run(session, io) -> int`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from game.core import engine
from game.core.codec import SaveError
from game.core.errors import did_you_mean
from game.core.kinds import KIND_WORDS
from game.core.session import Session
from game.core.state import State

FRONT_ENDS = {
    "tui": "game.play.tui",  # full screen, prompt_toolkit
    "plain": "game.play.plain",  # plain lines: screen readers, pipes, scripts
    "json": "game.play.jsonmode",  # JSON lines for programs
}
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


def front_end(name: str):
    """The `run(session, io)` of a front end (imported only when chosen)."""
    return importlib.import_module(FRONT_ENDS[name]).run


class SetupError(Exception):
    """A run that cannot start, with the message and exit status to give."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


@dataclass
class Launch:
    """What the command line asked for."""

    story_dir: str
    use_cache: bool = True
    seed: int = 0
    start: str | None = None
    set: list[str] = field(default_factory=list)
    give: list[str] = field(default_factory=list)
    load: str | None = None
    resume: bool = False
    save_dir: str | None = None


def prepare(story, launch: Launch) -> Session:
    """A session ready to play `story` as `launch` asks. Raises SetupError."""
    from game import dirs
    from game.saves.store import AUTOSAVE, DEBUG_RUN, SaveStore
    from game.story import loader

    jumping = bool(launch.start or launch.set or launch.give)
    loading = launch.resume or launch.load is not None
    store = SaveStore(dirs.save_dir(launch.save_dir), story, fresh_run=not loading,
                      autosave_slot=DEBUG_RUN if jumping else AUTOSAVE)
    from game.saves.endings import EndingsBook

    book = None if jumping else EndingsBook(dirs.data_dir(), story)  # an author's jump finds nothing
    session = Session(story, seed=launch.seed, store=store, endings=book,
                      reloader=lambda: loader.load_all(launch.story_dir, use_cache=launch.use_cache))
    notices: list[str] = []
    if jumping:
        session.state, session.opening = jump(story, launch), None
        notices.append(f"An author's run: it saves as '{DEBUG_RUN}' and leaves your autosave alone.")
    try:
        store.claim(write=False)
        if loading:
            name, said, loaded = (launch.load, [], None) if launch.load is not None else store.to_continue()
            notices += said
            if name is None:
                store.fresh_run = True  # nothing to continue: this is a new run, and the last one is kept
                if not said:
                    notices.append("There is no saved game to continue yet: a new run begins.")
            else:
                session.state, notes = loaded if loaded is not None else store.load(name)
                session.opening = None
                notices += [f"Resuming '{name}' (turn {session.state.turn}).", *notes]
        else:
            last = store.latest()
            if last is not None and last.name == AUTOSAVE and not jumping:
                notices.append(f"Your last run is saved (turn {last.turn}, {last.title}). Type "
                               "'load autosave' to go back to it; a new run keeps it as 'previous-run'.")
    except SaveError as exc:
        raise SetupError(f"dead-reckoning: {exc}") from None
    if book is not None and (store.fresh_run or not loading):
        book.begin_run()
    session.notices = tuple(notices)
    return session


def jump(story, launch: Launch) -> State:
    """The starting state that --start/--set/--give ask for (SetupError with
    status 2 when they name what the story does not have)."""
    def fail(message: str, hint: str | None = None) -> SetupError:
        return SetupError(f"dead-reckoning play: {message}" + (f" ({hint})" if hint else ""), 2)

    scene = launch.start or story.start
    if scene not in story.scenes:
        raise fail(f"there is no scene '{scene}'", did_you_mean(scene, story.scenes))
    symbols = story.symbols
    flags: dict[str, bool] = {}
    counters: dict[str, int] = {}
    for setting in launch.set:
        name, sep, value = setting.partition("=")
        name, value = name.strip(), value.strip().lower()
        if not sep or not name:
            raise fail(f"--set takes NAME=VALUE, not '{setting}'")
        kind = symbols.kind_of(name)
        if kind is None:
            settable = symbols.names("flag") + symbols.names("counter")
            raise fail(f"the story has no flag or counter '{name}'", did_you_mean(name, settable))
        if kind == "item":
            raise fail(f"'{name}' is an item: hold it with --give {name}")
        if kind == "flag" and value in TRUE_WORDS + FALSE_WORDS:
            flags[name] = value in TRUE_WORDS
        elif kind == "counter" and value.lstrip("-").isdigit() and len(value) < 12:
            counters[name] = int(value)
        else:
            wanted = "true or false" if kind == "flag" else "a whole number"
            raise fail(f"'{name}' is {KIND_WORDS[kind]}: set it to {wanted}, not '{value}'")
    for item in launch.give:
        if symbols.kind_of(item) != "item":
            raise fail(f"the story has no item '{item}'", did_you_mean(item, symbols.names("item")))
    return engine.start_at(story, scene, seed=launch.seed, flags=flags, items=tuple(launch.give), counters=counters)
