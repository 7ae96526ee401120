"""What a session tells its front end, and the one run status it decides.

The session is the only place that decides what a moment of the run is
(choosing, at an ending, over) and what can be typed there; plain, JSON
lines and the terminal UI only present these events.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from game.core.engine import View


class Status(str, Enum):
    CHOOSING = "choosing"  # a scene with choices: pick one
    ENDED = "ended"  # an ending: the ending menu is on offer
    OVER = "over"  # the player quit: nothing more to show


# The ending menu: after a failure, retry, restart or quit; after a victory
# there is nothing to retry, so restart or quit. (label, command)
FAILURE_MENU = (("Retry from the last checkpoint", "retry"), ("Restart from the beginning", "restart"),
                ("Quit", "quit"))
VICTORY_MENU = (("Restart from the beginning", "restart"), ("Quit", "quit"))


@dataclass(frozen=True, slots=True)
class SceneShown:
    """A scene to show. At an ending, `menu` is what the numbers mean and
    `summary` says what the run came to."""

    view: View
    status: Status
    menu: tuple[str, ...] = ()
    summary: str = ""
    reply: tuple[str, ...] = ()  # the answer to the choice just taken, shown first
    stayed: bool = False  # the choice stayed in its scene: show the reply and the choices, not the scene again


@dataclass(frozen=True, slots=True)
class Message:
    lines: tuple[str, ...]
    kind: str = "info"  # info / hint / error


@dataclass(frozen=True, slots=True)
class Quit:
    summary: str = ""
    status: Status = Status.OVER


Event = SceneShown | Message | Quit
