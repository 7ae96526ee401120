"""Views -> plain lines of text. Pure; every front end's words come from here."""

from __future__ import annotations

import textwrap

from game.core import engine
from game.core import model as m
from game.core.events import Message, Quit, SceneShown
from game.core.sanitize import safe


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


def event_lines(event, width: int | None = None) -> list[str]:
    """Any session event as plain lines (plain mode, transcripts)."""
    if isinstance(event, Quit):
        return ["Goodbye."]
    if isinstance(event, Message):
        return [safe(line) for line in event.lines]
    if isinstance(event, SceneShown):
        lines = [""]
        for paragraph in event.reply:
            lines.extend((textwrap.wrap(paragraph, width) if width else [paragraph]) + [""])
        if event.stayed:
            lines += [safe(option_line(o)) for o in event.view.options]
            return [safe(line) for line in lines]
        lines = [safe(line) for line in lines] + scene_lines(event.view, width)
        if event.menu:
            lines += [safe(event.summary)] + [f"{i}. {label}" for i, label in enumerate(event.menu, 1)]
        return lines
    return []
