"""What the player typed -> an action: pick a choice, run a command, or a hint.

Shared by every front end. Pure: takes the text and the labels on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True, slots=True)
class Pick:
    number: int


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    arg: str | None = None


@dataclass(frozen=True, slots=True)
class Hint:
    message: str


Action = Pick | Command | Hint

# name -> (aliases, takes an argument, help line)
COMMANDS: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "look": (("l",), False, "show the scene again"),
    "status": (("inventory", "inv", "i"), False, "what you hold and who trusts you"),
    "undo": (("u", "back"), False, "take back your last choice"),
    "retry": ((), False, "go back to the last checkpoint"),
    "restart": ((), False, "start the story again"),
    "save": ((), True, "save [slot]: save your progress"),
    "load": ((), True, "load [slot]: load a saved game"),
    "saves": ((), False, "list saved games"),
    "reload": ((), False, "re-read the story files, keeping your place (for authors)"),
    "help": (("h", "?"), False, "this list"),
    "quit": (("q", "exit"), False, "leave the game"),
}
ALIASES = {alias: name for name, (aliases, _, _) in COMMANDS.items() for alias in (name, *aliases)}


KEYS = [
    "Tab: the next choice that fits what you typed",
    "Space or PgDn: read on at [MORE]; PgUp: back through the story",
    "Ctrl-C: clear the line; Ctrl-D on an empty line: leave (your progress is saved)",
]


def help_lines() -> list[str]:
    lines = ["Type a choice's number, or a few letters of its words. Commands:"]
    for name, (aliases, _, text) in COMMANDS.items():
        also = f" ({', '.join(aliases)})" if aliases else ""
        lines.append(f"  {name}{also}: {text}")
    lines.append("Keys in the full-screen player:")
    lines += [f"  {key}" for key in KEYS]
    return lines


def _starts_with_words(label: str, typed: str) -> bool:
    """Whether a label begins with what was typed, word by word, the last
    typed word perhaps cut short (`l` begins "Leave the Widow")."""
    label_words, typed_words = label.split(), typed.split()
    if len(typed_words) > len(label_words):
        return False
    *whole, last = typed_words
    return label_words[:len(whole)] == whole and label_words[len(whole)].startswith(last)


def first_word_command(label: str) -> str | None:
    """The command a label's first word would run if typed alone (for `check`)."""
    words = label.split()
    first = words[0].lower().strip(".,;:!\"'()") if words else ""
    return ALIASES.get(first)


def matching(text: str, labels: Sequence[str]) -> list[int]:
    """The choices (0-based) that words typed pick out, as `parse` reads them:
    the text inside a label, else every word somewhere in it, in any order.
    Front ends mark these, so what is marked is what Enter takes."""
    lowered = " ".join(text.lower().split())
    if not lowered:
        return []
    matches = [i for i, label in enumerate(labels) if lowered in label.lower()]
    if not matches:
        words = lowered.split()
        matches = [i for i, label in enumerate(labels) if all(w in label.lower() for w in words)]
    return matches


def parse(text: str, labels: Sequence[str], means: Sequence[str | None] = ()) -> Action:
    """Understand one line of input given the labels of the choices shown
    (label i is choice number i + 1). `means` names the command a label
    stands for, if any (an ending's menu): a command word that starts such a
    label is no clash ('retry' and "Retry from the last checkpoint")."""
    text = " ".join(text.split())
    if not text:
        return Hint("Type a number to choose, or 'help'.")
    if text.isdigit():
        return Pick(int(text)) if len(text) < 7 else Hint(f"There is no choice {text[:12]}.")
    lowered = text.lower()
    exact = [i for i, label in enumerate(labels) if label.lower() == lowered]
    if len(exact) == 1:  # a choice's whole label beats a command word ("Back")
        return Pick(exact[0] + 1)
    forced = lowered.startswith("/")  # `/look`: the command, whatever the choices say
    word, _, rest = lowered.lstrip("/").partition(" ")
    name = ALIASES.get(word)
    if name and (not rest or COMMANDS[name][1]):
        clash = [] if forced else [i for i, label in enumerate(labels) if _starts_with_words(label.lower(), lowered)
                                   and (means[i] if i < len(means) else None) != name]
        if clash:  # `back`, or `l`, the start of a choice too: ask, never guess
            i = clash[0]
            return Hint(f"'{text[:40]}' is the command '{name}' and also the start of choice {i + 1}, "
                        f"'{labels[i]}': type '/{name}' for the command, or {i + 1} for the choice.")
        return Command(name, text.lstrip("/").partition(" ")[2] or None)
    matches = matching(lowered, labels)
    if len(matches) == 1:
        return Pick(matches[0] + 1)
    if matches:
        shown = "; ".join(f"{i + 1}. {labels[i]}" for i in matches[:4])
        return Hint(f"'{text}' fits more than one choice: {shown}. Type its number.")
    if name:
        return Hint(f"'{name}' takes no argument here. Type 'help' for commands.")
    return Hint(f"No choice matches '{text[:40]}'. Type a number, or 'help'.")
