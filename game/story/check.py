"""Story-wide rules: the errors that stop a story loading, and the warnings
`dead-reckoning check` adds (reachability, dead ends, unused flags,
conditions that can never hold).

Names come from the story's symbol table (built once at load, kept in the
compiled cache) and conditions answer for themselves (`dnf`), so the checker
knows no kind by name and a cold and a cached load report the same places.
"""

from __future__ import annotations

from collections import defaultdict, deque

from game.core import model as m
from game.core.commands import first_word_command
from game.core.conditions import satisfiable
from game.core.errors import ERROR, WARNING, Diagnostic, did_you_mean
from game.core.kinds import KIND_WORDS, NAME_KINDS, READ, WRITE
from game.core.text import Para, words

KINDS = {k: KIND_WORDS[k] for k in NAME_KINDS}
_VERBS = {"flag": "sets", "item": "gives", "counter": "sets or adds to"}


def _diag(where: m.Where, message: str, severity: str = ERROR, hint: str | None = None) -> Diagnostic:
    return Diagnostic(where.file, where.line, where.col, message, severity, hint)


# ------------------------------------------------------------------- errors


def errors(story: m.Story, known: set[str] | None) -> list[Diagnostic]:
    """Problems that make a story unplayable: missing scenes, names that are
    read but never set, a name used as two kinds of thing. `known` is every
    scene id written down (built or broken), or None when some file could not
    be read, in which case references to scenes are not judged."""
    out: list[Diagnostic] = []
    ids = story.scenes.keys()
    every_scene_built = known is not None and len(known) == len(story.scenes)
    if every_scene_built and story.scenes and not any(s.ending for s in story.scenes.values()):
        w = story.where
        out.append(Diagnostic(w.file, w.line, w.col, "the story has no ending: no scene has 'ending:', so "
                              "every run would go on for ever"))
    symbols = story.symbols
    if known is not None:
        for use in symbols.uses:
            if use.kind == "scene" and use.op == READ and use.name not in known:
                if use.via == "start":
                    message = f"start scene '{use.name}' does not exist"
                else:
                    message = f"unknown scene '{use.name}'" + (f" in '{use.via}'" if use.via else "")
                out.append(_diag(use.where, message, hint=did_you_mean(use.name, ids)))

    written: dict[str, set[str]] = defaultdict(set)
    for use in symbols.uses:
        if use.kind not in NAME_KINDS:
            continue
        first = symbols.kind_of(use.name)
        if first != use.kind:
            origin = next(u for u in symbols.get(first, use.name).uses if u.via != "text")
            place = f"({origin.where.file}:{origin.where.line})"
            if use.via == "text":
                out.append(_diag(use.where, f"'{{{use.name}}}' in text shows a counter's value, but '{use.name}' "
                                 f"is {KINDS[first]} {place}", hint=f"write {{name: {use.name}}} for its display name"))
            else:
                out.append(_diag(use.where, f"'{use.name}' is used here as {KINDS[use.kind]}, but it is "
                                 f"{KINDS[first]} {place}",
                                 hint=f"compare it: '{use.name} > 0'" if first == "counter" and use.kind == "flag"
                                 else None))
        if use.op == WRITE:
            written[use.kind].add(use.name)
    if known is None:  # an unreadable file may set anything: judging would only echo its error
        return out
    for use in symbols.uses:  # {name: x} in text: x is any name the story has, or has a display name
        if use.kind == "any" and symbols.kind_of(use.name) is None and use.name not in story.names:
            every = [n for k in NAME_KINDS for n in symbols.names(k)] + list(story.names)
            out.append(_diag(use.where, f"'{{name: {use.name}}}': the story has no flag, item or counter "
                             f"'{use.name}'", hint=did_you_mean(use.name, every)))
    for use in symbols.uses:
        if use.kind in NAME_KINDS and use.op == READ and use.name not in written[use.kind] \
                and symbols.kind_of(use.name) == use.kind:
            hint = did_you_mean(use.name, written[use.kind])
            if use.kind == "counter" and not hint:
                hint = "give it a starting value under initial: counters:"
            out.append(_diag(use.where, f"{use.kind} '{use.name}' is never set: nothing {_VERBS[use.kind]} it",
                             hint=hint))
    return out


# ----------------------------------------------------------------- warnings


def warnings(story: m.Story, *, partial: bool = False) -> list[Diagnostic]:
    """Everything that loads but is likely a mistake. For a story with
    errors (`partial`: the scenes that built), only what does not depend on
    the map, which the errors break."""
    out: list[Diagnostic] = []
    scenes = story.scenes
    successors = m.flow(story)
    if partial or story.start not in scenes:
        reachable = can_end = set(scenes)
    else:
        reachable = reach([story.start], successors.__getitem__)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for sid, targets in successors.items():
        for target in targets:
            predecessors[target].append(sid)
    if not partial and story.start in scenes:
        endings = [s.id for s in scenes.values() if s.ending]
        can_end = reach(endings, lambda s: predecessors.get(s, ()))

    for scene in scenes.values():
        if scene.id not in reachable:
            out.append(_diag(scene.where, f"scene '{scene.id}' is unreachable from the start", WARNING))
        if not scene.ending and not scene.targets() and not partial:
            out.append(_diag(scene.where, f"scene '{scene.id}' has no choices and is not an ending: "
                             "a player would be stuck", WARNING))
        elif scene.id in reachable and scene.id not in can_end:
            out.append(_diag(scene.where, f"no ending can be reached from scene '{scene.id}'", WARNING))
        for cond, choice in scene.conditions():
            if satisfiable(cond) is False:
                what = f"choice '{choice.label}'" if choice else "conditional text"
                out.append(_diag(cond.first_where(scene.where), f"the condition of {what} can never hold", WARNING))

    if not partial:
        out += _subroutine_warnings(story)
    for scene in scenes.values():
        out += _choice_warnings(scene)

    for symbol in story.symbols:
        if symbol.kind == "flag" and not any(u.op == READ for u in symbol.uses) \
                and story.symbols.kind_of(symbol.name) == "flag" and symbol.name not in story.names:
            # a flag given a display name is read by `status`
            first_write = next((u for u in symbol.uses if u.op == WRITE), None)
            if first_write is not None:
                out.append(_diag(first_write.where, f"flag '{symbol.name}' is set but never read", WARNING))
    return out


def _choice_warnings(scene: m.Scene) -> list[Diagnostic]:
    out = []
    for choice in scene.targets():
        command = first_word_command(choice.label)
        if command is not None:
            out.append(_diag(choice.where, f"choice '{choice.label}' starts with a command word: a player who "
                             f"types '{choice.label.split()[0]}' is asked whether they meant '{command}' or the "
                             "choice", WARNING, "begin the label with another word"))
    static = all(type(b) is Para and all(type(p) is str for p in b.parts) for b in scene.text)
    for choice in scene.choices:
        to_self = choice.stays() or (choice.goto == scene.id and not choice.call)
        replies = choice.reply or any(o.reply for o in choice.outcomes)
        if to_self and not replies and static and not choice.once and not choice.effects and not choice.outcomes:
            out.append(_diag(choice.where, f"choice '{choice.label}' comes back to scene '{scene.id}' with nothing "
                             "new to show", WARNING, "give it a 'reply', or text in the scene that changes"))
    always = [c for c in scene.choices if c.cond is None and not c.once and not c.returns and not c.call]
    if scene.fallback is not None and always:
        out.append(_diag(scene.fallback.where, f"the fallback of scene '{scene.id}' can never appear: choice "
                         f"'{always[0].label}' is always on offer", WARNING,
                         "a fallback shows only when no other choice is available"))
    return out


def _subroutine_warnings(story: m.Story) -> list[Diagnostic]:
    """A `return` nothing can reach with a caller, and a `call` whose
    subroutine can never return."""
    scenes = story.scenes

    def inside(start: str) -> set[str]:
        """Scenes reachable from `start` without returning from it."""
        def nxt(sid):
            for c in scenes[sid].targets():
                if not c.returns:
                    yield from (d for d in c.destinations() if d in scenes)
                    if c.call:  # the nested call comes back to its continuation
                        yield c.goto or sid
                    elif c.stays():
                        yield sid
        return reach([start], nxt)

    out = []
    called: set[str] = set()
    for scene in scenes.values():
        for choice in scene.choices:
            if choice.call and choice.call in scenes:
                region = inside(choice.call)
                called |= region
                if not any(c.returns for sid in region for c in scenes[sid].choices):
                    out.append(_diag(choice.call_where or choice.where, f"subroutine '{choice.call}' never returns: "
                                     "no 'return: true' choice can be reached from it", WARNING))
    # scenes a player can walk into without a call: a scene whose only ways
    # out are returns strands them there
    def walk(sid):
        for c in scenes[sid].targets():
            if c.returns:
                continue
            if c.call:
                yield c.goto or sid
            else:
                yield from (d for d in c.destinations() if d in scenes)
    free = reach([story.start], walk) if story.start in scenes else set()
    for sid in sorted(free):
        scene = scenes[sid]
        if scene.choices and all(c.returns for c in scene.choices) and scene.fallback is None:
            out.append(_diag(scene.where, f"scene '{sid}' can be reached without a 'call', and then its only "
                             "way out, 'return', is not on offer: a player would be stuck", WARNING,
                             "reach it only with 'call', or give it a choice that goes on"))
    for scene in scenes.values():
        for choice in scene.choices:
            if choice.returns and scene.id not in called:
                out.append(_diag(choice.where, f"choice '{choice.label}' returns, but no 'call' leads to scene "
                                 f"'{scene.id}': it would never be on offer", WARNING))
    return out


def reach(starts, successors) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in successors(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# -------------------------------------------------------------------- stats


def stats(story: m.Story) -> dict[str, int]:
    scenes = story.scenes.values()
    return {
        "scenes": len(story.scenes),
        "choices": sum(len(s.targets()) for s in scenes),
        "endings": sum(1 for s in scenes if s.ending),
        "words": sum(scene_words(s) for s in scenes),
    }


def scene_words(scene: m.Scene) -> int:
    """Words of a scene: its text, its entry outcomes' replies, and its
    choices' replies (every branch counted)."""
    total = words(scene.text) + sum(words(o.reply) for o in scene.outcomes)
    for choice in scene.targets():
        total += words(choice.reply) + sum(words(o.reply) for o in choice.outcomes)
    return total
