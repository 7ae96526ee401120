"""Walk a story along a list of answers, as a player types them, and
measure every screen on the way: the words it shows, the choices it offers,
and whether it repeats the screen before it. `stats --walkthrough` prints
the table per chapter; the bundled story's tests hold its film path to its
targets with the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

from game.core import commands, engine
from game.core.errors import Impossible
from game.core import model as m
from game.core.state import State


@dataclass(frozen=True, slots=True)
class Screen:
    scene: str
    chapter: str
    paragraphs: tuple[str, ...]  # what the player reads on this screen
    offered: int  # choices that can be taken here (0 at an ending)
    repeats: tuple[str, ...]  # paragraphs also shown on the screen before

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


class WalkError(ValueError):
    """An answer that is not a choice on offer where it is typed."""

    def __init__(self, index: int, message: str):
        super().__init__(message)
        self.index = index  # which answer, from 0


def walk(story: m.Story, answers: list[str], state: State | None = None) -> list[Screen]:
    state = state if state is not None else engine.new_game(story)
    screens = [_screen(story, state, engine.view(story, state).paragraphs, ())]
    for n, answer in enumerate(answers):
        opts = engine.options(story, state)
        action = commands.parse(answer, [o.label for o in opts])
        if not isinstance(action, commands.Pick):
            raise WalkError(n, f"{answer!r} in scene '{state.scene}': "
                               f"{getattr(action, 'message', 'a command word, not a choice').split('. Type')[0]}")
        try:
            state, step = engine.choose_step(story, state, action.number)
        except Impossible as exc:
            raise WalkError(n, f"{answer!r} in scene '{state.scene}': {exc}") from None
        shown = engine.reply(story, state, step)
        if not step.stayed:
            shown += engine.view(story, state).paragraphs
        screens.append(_screen(story, state, shown, screens[-1].paragraphs))
    return screens


def _screen(story: m.Story, state: State, paragraphs: tuple[str, ...], before: tuple[str, ...]) -> Screen:
    scene = story.scenes[state.scene]
    offered = 0 if scene.ending else sum(1 for o in engine.options(story, state) if o.enabled)
    repeats = tuple(p for p in paragraphs if p in before)
    return Screen(scene.id, scene.chapter or "", tuple(paragraphs), offered, repeats)


def by_chapter(screens: list[Screen]) -> dict[str, list[Screen]]:
    out: dict[str, list[Screen]] = {}
    for screen in screens:
        out.setdefault(screen.chapter, []).append(screen)
    return out


def table(screens: list[Screen]) -> list[tuple[str, int, int, int, int]]:
    """(chapter, screens, words, single-choice screens, repeating screens) per chapter."""
    return [(chapter, len(group), sum(s.words for s in group),
             sum(1 for s in group if s.offered == 1), sum(1 for s in group if s.repeats))
            for chapter, group in by_chapter(screens).items()]
