"""--json: the machine interface. One JSON object per line on stdout: one
when the story starts, then exactly one for each line read from stdin.
See docs/json-mode.md."""

from __future__ import annotations

import json
from typing import TextIO

from game import engine
from game.errors import Diagnostic
from game.plain import read_line
from game.session import ENDING_MENU, Message, Quit, SceneShown, Session
from game.transcript import Transcript

PROTOCOL = 1


def scene_object(session: Session, view: engine.View, messages: list[str]) -> dict:
    scene = view.scene
    state = session.state
    if view.ending:
        choices = [{"number": i, "label": label, "enabled": True, "reason": None}
                   for i, label in enumerate(ENDING_MENU, 1)]
    else:
        choices = [{"number": o.number, "label": o.label, "enabled": o.enabled, "reason": o.reason}
                   for o in view.options]
    return {
        "type": "scene",
        "protocol": PROTOCOL,
        "scene": scene.id,
        "chapter": scene.chapter,
        "location": scene.location,
        "pov": scene.pov or None,
        "title": scene.title,
        "text": list(view.paragraphs),
        "choices": choices,
        "ending": {"kind": view.ending.kind, "title": view.ending.title} if view.ending else None,
        "messages": messages,
        "state": {
            "turn": state.turn,
            "items": list(state.items),
            "flags": sorted(state.flags),
            "counters": dict(sorted(state.counters.items())),
            "scenes_seen": len(state.visits),
            "checkpoint": state.checkpoint.scene if state.checkpoint else None,
        },
    }


def response(session: Session, events) -> dict:
    """Exactly one object for the events one input produced."""
    info = [line for e in events if isinstance(e, Message) and e.kind == "info" for line in e.lines]
    hints = [line for e in events if isinstance(e, Message) and e.kind != "info" for line in e.lines]
    scenes = [e for e in events if isinstance(e, SceneShown)]
    if any(isinstance(e, Quit) for e in events):
        return {"type": "quit", "protocol": PROTOCOL, "summary": session.summary()}
    if scenes:
        return scene_object(session, scenes[-1].view, info + hints)
    if hints:
        return {"type": "error", "protocol": PROTOCOL, "message": " ".join(hints)}
    return {"type": "message", "protocol": PROTOCOL, "lines": info}


def diagnostics_object(diags: list[Diagnostic]) -> dict:
    return {"type": "error", "protocol": PROTOCOL, "message": "the story has errors",
            "errors": [{"file": d.file, "line": d.line, "column": d.col, "severity": d.severity,
                        "message": d.message, "hint": d.hint} for d in diags]}


def run(session: Session, inp: TextIO, out: TextIO, transcript: Transcript | None = None) -> int:
    def emit(obj: dict) -> None:
        text = json.dumps(obj, ensure_ascii=False)
        out.write(text + "\n")
        out.flush()
        if transcript:
            transcript.shown([text])

    emit(response(session, session.start()))
    while True:
        line = read_line(inp)
        if line is None:
            return 0
        if transcript:
            transcript.typed(line)
        obj = response(session, session.handle(line))
        emit(obj)
        if obj["type"] == "quit":
            return 0
