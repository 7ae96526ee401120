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


def edges(scene: m.Scene):
    """(target scene, label or None) for every arrow out of a scene: gotos
    (labelled with their condition), random outcomes (with their chance),
    subroutine calls; a `return` goes back to its caller, drawn nowhere."""
    for choice in scene.targets():
        cond = describe(choice.cond) if choice.cond is not None else None
        if choice.call:
            yield choice.call, "call" + (f": {cond}" if cond else "")
            continue
        if choice.outcomes:
            total = sum(o.weight for o in choice.outcomes)
            for o in choice.outcomes:
                target = o.goto or choice.goto
                if target:
                    chance = f"{o.weight}/{total}"
                    yield target, f"{cond}, {chance}" if cond else chance
            continue
        if choice.goto:
            yield choice.goto, cond


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
    found = numbered or [s for s in scenes if wanted in s.chapter.lower()]
    if not found and wanted.isdigit():  # the Nth chapter, when names carry no numbers
        names = chapters(story)
        if 1 <= int(wanted) <= len(names):
            found = [s for s in scenes if s.chapter == names[int(wanted) - 1]]
    return found


def chapters(story: m.Story) -> list[str]:
    return list(dict.fromkeys(s.chapter for s in story.scenes.values()))


def _by_chapter(scenes: list[m.Scene]) -> dict[str, list[m.Scene]]:
    groups: dict[str, list[m.Scene]] = {}
    for scene in scenes:
        groups.setdefault(scene.chapter, []).append(scene)
    return groups


def _node_id(scene_id: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", scene_id)


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def mermaid(story: m.Story, chapter: str | None = None) -> str:
    scenes = select(story, chapter)
    inside = {s.id for s in scenes}
    lines = ["flowchart TD"]
    for index, (name, members) in enumerate(_by_chapter(scenes).items()):
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
        for goto, label in edges(scene):
            target = _node_id(goto)
            if goto not in inside and goto not in outside:
                outside.add(goto)
                other = story.scenes[goto]
                lines.append(f'  {target}>"{_mermaid_text(other.title)} ({_mermaid_text(other.chapter)})"]')
            if label is not None:
                lines.append(f'  {_node_id(scene.id)} -->|"{_mermaid_text(label)}"| {target}')
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
    for index, (name, members) in enumerate(_by_chapter(scenes).items()):
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
        for goto, text in edges(scene):
            if goto not in inside and goto not in outside:
                outside.add(goto)
                other = story.scenes[goto]
                lines.append(f'  "{_dot_text(goto)}" [label="{_dot_text(other.title)} '
                             f'({_dot_text(other.chapter)})", style=dashed];')
            label = f' [label="{_dot_text(text)}", style=dashed]' if text else ""
            lines.append(f'  "{_dot_text(scene.id)}" -> "{_dot_text(goto)}"{label};')
    lines.append("}")
    return "\n".join(lines) + "\n"
