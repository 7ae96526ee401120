"""The story as a map: Mermaid (renders on code hosts) or Graphviz DOT.
Scenes are nodes grouped by chapter; endings and checkpoints are marked;
choices with conditions are labelled with them."""

from __future__ import annotations

import re

from game.core import model as m


def describe(cond) -> str:
    """A condition in a few words: `has key`, `trust ≥ 2`, `not x` (each
    condition kind describes itself)."""
    return cond.describe()


def select(story: m.Story, chapter: str | None) -> list[m.Scene]:
    """Scenes of one chapter (matched by name, number or any part of it), or all."""
    scenes = list(story.scenes.values())
    if not chapter:
        return scenes
    wanted = chapter.strip().lower()
    exact = [s for s in scenes if s.chapter.lower() == wanted]
    if exact:
        return exact
    numbered = [s for s in scenes if re.match(rf"^{re.escape(wanted)}\b", s.chapter.lower())]
    return numbered or [s for s in scenes if wanted in s.chapter.lower()]


def chapters(story: m.Story) -> list[str]:
    return list(dict.fromkeys(s.chapter for s in story.scenes.values()))


def _node_id(scene_id: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", scene_id)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def mermaid(story: m.Story, chapter: str | None = None) -> str:
    scenes = select(story, chapter)
    inside = {s.id for s in scenes}
    lines = ["flowchart TD"]
    groups: dict[str, list[m.Scene]] = {}
    for scene in scenes:
        groups.setdefault(scene.chapter, []).append(scene)
    for index, (name, members) in enumerate(groups.items()):
        lines.append(f'  subgraph c{index}["{_mermaid_text(name or "(no chapter)")}"]')
        for scene in members:
            title = _mermaid_text(scene.title)
            if scene.ending:
                lines.append(f'    {_node_id(scene.id)}(["{title}<br/>{scene.ending.kind}: '
                             f'{_mermaid_text(scene.ending.title)}"])')
            elif scene.checkpoint:
                lines.append(f'    {_node_id(scene.id)}[["{title}"]]')
            else:
                lines.append(f'    {_node_id(scene.id)}["{title}"]')
        lines.append("  end")
    outside = set()
    for scene in scenes:
        for choice in scene.targets():
            target = _node_id(choice.goto)
            if choice.goto not in inside and choice.goto not in outside:
                outside.add(choice.goto)
                other = story.scenes[choice.goto]
                lines.append(f'  {target}>"{_mermaid_text(other.title)} ({_mermaid_text(other.chapter)})"]')
            if choice.cond is not None:
                lines.append(f'  {_node_id(scene.id)} -->|"{_mermaid_text(describe(choice.cond))}"| {target}')
            else:
                lines.append(f"  {_node_id(scene.id)} --> {target}")
    victories = [_node_id(s.id) for s in scenes if s.ending and s.ending.kind == m.VICTORY]
    failures = [_node_id(s.id) for s in scenes if s.ending and s.ending.kind == m.FAILURE]
    checkpoints = [_node_id(s.id) for s in scenes if s.checkpoint]
    lines += ["  classDef victory fill:#c8f0c8,stroke:#2a7a2a", "  classDef failure fill:#f6cccc,stroke:#9a2a2a",
              "  classDef checkpoint stroke-width:3px"]
    for name, members in (("victory", victories), ("failure", failures), ("checkpoint", checkpoints)):
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def dot(story: m.Story, chapter: str | None = None) -> str:
    scenes = select(story, chapter)
    inside = {s.id for s in scenes}
    lines = [f'digraph "{_dot_text(story.id)}" {{', "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    groups: dict[str, list[m.Scene]] = {}
    for scene in scenes:
        groups.setdefault(scene.chapter, []).append(scene)
    for index, (name, members) in enumerate(groups.items()):
        lines.append(f'  subgraph cluster_{index} {{\n    label="{_dot_text(name)}";')
        for scene in members:
            attrs = [f'label="{_dot_text(scene.title)}"']
            if scene.ending:
                colour = "palegreen" if scene.ending.kind == m.VICTORY else "mistyrose"
                attrs += ["shape=doubleoctagon", "style=filled", f"fillcolor={colour}",
                          f'tooltip="{scene.ending.kind}: {_dot_text(scene.ending.title)}"']
            if scene.checkpoint:
                attrs.append("peripheries=2")
            lines.append(f'    "{_dot_text(scene.id)}" [{", ".join(attrs)}];')
        lines.append("  }")
    outside = set()
    for scene in scenes:
        for choice in scene.targets():
            if choice.goto not in inside and choice.goto not in outside:
                outside.add(choice.goto)
                other = story.scenes[choice.goto]
                lines.append(f'  "{_dot_text(choice.goto)}" [label="{_dot_text(other.title)} '
                             f'({_dot_text(other.chapter)})", style=dashed];')
            label = f' [label="{_dot_text(describe(choice.cond))}", style=dashed]' if choice.cond else ""
            lines.append(f'  "{_dot_text(scene.id)}" -> "{_dot_text(choice.goto)}"{label};')
    lines.append("}")
    return "\n".join(lines) + "\n"
