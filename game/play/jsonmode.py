"""--json: the machine interface. One JSON object per line on stdout: one
when the story starts, then exactly one for each line read from stdin.
See docs/json-mode.md.

Every string passes the one output sanitiser (`sanitize.safe_data`), and
the text is written with ASCII escapes, so no story, save or typed input
can put a control character, a bidirectional override or a line separator
(U+2028/U+2029) into the stream.
"""

from __future__ import annotations

import json

from game.core.errors import Diagnostic
from game.core.events import Message, Quit, SceneShown, Status
from game.core.sanitize import safe_data
from game.core.session import Session
from game.play.io import RunIO, read_line

PROTOCOL = 2


def scene_object(session: Session, shown: SceneShown, messages: list[str]) -> dict:
    view = shown.view
    scene = view.scene
    state = session.state
    if shown.status is Status.ENDED:
        choices = [{"number": i, "label": label, "enabled": True, "reason": None}
                   for i, label in enumerate(shown.menu, 1)]
    else:
        choices = [{"number": o.number, "label": o.label, "enabled": o.enabled, "reason": o.reason,
                    "tags": list(o.choice.tags)} for o in view.options]
    return {
        "type": "scene",
        "protocol": PROTOCOL,
        "status": shown.status.value,
        "scene": scene.id,
        "chapter": scene.chapter,
        "location": scene.location,
        "pov": scene.pov or None,
        "title": scene.title,
        "text": list(view.paragraphs),
        "reply": list(shown.reply),
        "stayed": shown.stayed,
        "tags": list(scene.tags),
        "choices": choices,
        "ending": {"kind": view.ending.kind, "title": view.ending.title} if view.ending else None,
        "summary": shown.summary or None,
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
    quits = [e for e in events if isinstance(e, Quit)]
    if quits:
        return {"type": "quit", "protocol": PROTOCOL, "status": Status.OVER.value, "summary": quits[-1].summary}
    if scenes:
        return scene_object(session, scenes[-1], info + hints)
    if hints:
        return {"type": "error", "protocol": PROTOCOL, "message": " ".join(hints)}
    return {"type": "message", "protocol": PROTOCOL, "lines": info}


def diagnostics_object(diags: list[Diagnostic]) -> dict:
    return {"type": "error", "protocol": PROTOCOL, "message": "the story has errors",
            "errors": [{"file": d.file, "line": d.line, "column": d.col, "severity": d.severity,
                        "message": d.message, "hint": d.hint} for d in diags]}


def dumps(obj: dict) -> str:
    """One line of the stream: sanitised, ASCII-escaped JSON."""
    return json.dumps(safe_data(obj), ensure_ascii=True)


def run(session: Session, io: RunIO) -> int:
    out, transcript = io.out, io.transcript

    def emit(obj: dict) -> None:
        text = dumps(obj)
        out.write(text + "\n")
        out.flush()
        if transcript:
            transcript.shown([text])

    emit(response(session, session.start()))
    while True:
        line = read_line(io.inp)
        if line is None:
            return 0
        if transcript:
            transcript.typed(line)
        obj = response(session, session.handle(line))
        emit(obj)
        if obj["type"] == "quit":
            return 0
