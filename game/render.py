"""Views -> plain lines of text. Pure; every front end's words come from here."""

from __future__ import annotations

import re
import textwrap

from game import engine
from game import model as m

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Neutralise control characters so no text can drive the terminal."""
    return _UNSAFE.sub("\ufffd", text)


def header(scene: m.Scene) -> str:
    parts = [p for p in (scene.chapter, scene.location) if p]
    if scene.pov:
        parts.append(f"as {scene.pov}")
    return " | ".join(parts)


def option_line(option: engine.Option) -> str:
    if option.enabled:
        return f"{option.number}. {option.label}"
    return f"{option.number}. {option.label} (unavailable: {option.reason})"


def ending_line(ending: m.Ending) -> str:
    word = "MISSION ACCOMPLISHED" if ending.kind == m.VICTORY else "MISSION FAILED"
    return f"*** {word}: {ending.title} ***"


def scene_lines(view: engine.View, width: int | None = None) -> list[str]:
    """The scene as lines: header, title, paragraphs, numbered options.
    Paragraphs are wrapped to `width` when given."""
    lines: list[str] = []
    head = header(view.scene)
    if head:
        lines.append(f"[{head}]")
    lines.append(f"== {view.scene.title} ==")
    for paragraph in view.paragraphs:
        lines.append("")
        lines.extend(textwrap.wrap(paragraph, width) if width else [paragraph])
    lines.append("")
    if view.ending:
        lines.append(ending_line(view.ending))
    else:
        lines.extend(option_line(o) for o in view.options)
    return [safe(line) for line in lines]


def event_lines(event, summary: str, menu, width: int | None = None) -> list[str]:
    """Any session event as plain lines (plain mode, transcripts)."""
    from game.session import Message, Quit, SceneShown

    if isinstance(event, Quit):
        return ["Goodbye."]
    if isinstance(event, Message):
        return [safe(line) for line in event.lines]
    if isinstance(event, SceneShown):
        lines = [""] + scene_lines(event.view, width)
        if event.view.ending:
            lines += [summary] + [f"{i}. {label}" for i, label in enumerate(menu, 1)]
        return lines
    return []
