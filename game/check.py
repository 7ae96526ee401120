"""Story-wide rules: the errors that stop a story loading, and the warnings
`dead-reckoning check` adds (reachability, dead ends, unused flags,
conditions that can never hold)."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Iterator

from game import model as m
from game.errors import ERROR, WARNING, Diagnostic, did_you_mean

BUILTIN_VARS = ("turn", "visits")
KINDS = {"flag": "a flag", "item": "an item", "counter": "a counter"}


@dataclass(frozen=True, slots=True)
class Use:
    kind: str  # flag / item / counter
    name: str
    op: str  # read / write / touch (clear, take)
    where: m.Where


def _diag(where: m.Where, message: str, severity: str = ERROR, hint: str | None = None) -> Diagnostic:
    return Diagnostic(where.file, where.line, where.col, message, severity, hint)


# ------------------------------------------------------------------ walking


def conditions(scene: m.Scene) -> Iterator[tuple[m.Condition, m.Choice | None]]:
    """Every condition in a scene, with the choice it guards (None for text)."""
    for choice in scene.targets():
        if choice.cond is not None:
            yield choice.cond, choice
    yield from ((c, None) for c in _text_conditions(scene.text))


def _text_conditions(blocks) -> Iterator[m.Condition]:
    for block in blocks:
        if isinstance(block, m.When):
            yield block.cond
            yield from _text_conditions(block.then)
            yield from _text_conditions(block.otherwise)
        elif isinstance(block, m.Vary):
            for option in block.options:
                yield from _text_conditions(option)


def atoms(cond: m.Condition) -> Iterator[m.Atom]:
    if isinstance(cond, (m.All, m.Any)):
        for term in cond.terms:
            yield from atoms(term)
    elif isinstance(cond, m.Not):
        yield from atoms(cond.term)
    else:
        yield cond


def variables(blocks) -> Iterator[m.Var]:
    for block in blocks:
        if isinstance(block, m.Para):
            yield from (p for p in block.parts if isinstance(p, m.Var))
        elif isinstance(block, m.When):
            yield from variables(block.then)
            yield from variables(block.otherwise)
        elif isinstance(block, m.Vary):
            for option in block.options:
                yield from variables(option)


def _effect_uses(effects: m.Effects, where: m.Where) -> Iterator[Use]:
    at = effects.place
    yield from (Use("flag", n, "write", at("set", n, where)) for n in effects.set)
    yield from (Use("flag", n, "touch", at("clear", n, where)) for n in effects.clear)
    yield from (Use("item", n, "write", at("give", n, where)) for n in effects.give)
    yield from (Use("item", n, "touch", at("take", n, where)) for n in effects.take)
    yield from (Use("counter", n, "write", at("add", n, where)) for n, _ in effects.add)


def uses(story: m.Story, initial_where: m.Where) -> Iterator[Use]:
    init = story.initial
    none = m.NO_EFFECTS
    yield from (Use("flag", n, "write", initial_where) for n in sorted(init.flags))
    yield from (Use("item", n, "write", initial_where) for n in init.items)
    yield from (Use("counter", n, "write", initial_where) for n in init.counters)
    for scene in story.scenes.values():
        if scene.effects is not none:
            yield from _effect_uses(scene.effects, scene.where)
        for choice in scene.targets():
            if choice.effects is not none:
                yield from _effect_uses(choice.effects, choice.where)
        for cond, _ in conditions(scene):
            for atom in atoms(cond):
                if isinstance(atom, m.Flag):
                    yield Use("flag", atom.flag, "read", atom.where)
                elif isinstance(atom, m.Has):
                    yield Use("item", atom.item, "read", atom.where)
                elif isinstance(atom, m.Counter):
                    yield Use("counter", atom.counter, "read", atom.where)
        for var in variables(scene.text):
            if var.name not in BUILTIN_VARS:
                yield Use("counter", var.name, "read", var.where)


def _index(story: m.Story, initial_where: m.Where) -> tuple[list, list[Use]]:
    """Every condition (scene, condition, choice) and every use of a name,
    walked once per story and kept in its memo for errors and warnings."""
    cached = story.memo.get("check-index")
    if cached is None:
        conds = [(scene, cond, choice) for scene in story.scenes.values() for cond, choice in conditions(scene)]
        cached = (conds, list(uses(story, initial_where)))
        story.memo["check-index"] = cached
    return cached


# ------------------------------------------------------------------- errors


def errors(story: m.Story, start_pos: tuple[str, int, int], initial_where: m.Where,
           known: set[str] | None) -> list[Diagnostic]:
    """Problems that make a story unplayable: missing scenes, names that are
    read but never set, a name used as two kinds of thing. `known` is every
    scene id written down (built or broken), or None when some file could not
    be read, in which case references to scenes are not judged."""
    out: list[Diagnostic] = []
    ids = story.scenes.keys()
    missing = (lambda sid: False) if known is None else (lambda sid: sid not in known)
    every_scene_built = known is not None and len(known) == len(story.scenes)
    if every_scene_built and story.scenes and not any(s.ending for s in story.scenes.values()):
        w = story.where
        out.append(Diagnostic(w.file, w.line, w.col, "the story has no ending: no scene has 'ending:', so "
                              "every run would go on for ever"))
    if missing(story.start):
        file, line, col = start_pos
        out.append(Diagnostic(file, line, col, f"start scene '{story.start}' does not exist",
                              hint=did_you_mean(story.start, ids)))
    for scene in story.scenes.values():
        for choice in scene.targets():
            if missing(choice.goto):
                out.append(_diag(choice.goto_where or choice.where, f"unknown scene '{choice.goto}'",
                                 hint=did_you_mean(choice.goto, ids)))
    conds, all_uses = _index(story, initial_where)
    for _, cond, _ in conds:
        for atom in atoms(cond):
            if isinstance(atom, m.Visited) and missing(atom.scene):
                out.append(_diag(atom.where, f"unknown scene '{atom.scene}' in 'visited'",
                                 hint=did_you_mean(atom.scene, ids)))

    kind_of: dict[str, Use] = {}
    written: dict[str, set[str]] = defaultdict(set)
    for use in all_uses:
        first = kind_of.setdefault(use.name, use)
        if first.kind != use.kind:
            out.append(_diag(use.where, f"'{use.name}' is used here as {KINDS[use.kind]}, but it is "
                             f"{KINDS[first.kind]} ({first.where.file}:{first.where.line})"))
        if use.op == "write":
            written[use.kind].add(use.name)
    for use in all_uses:
        if known is None:  # an unreadable file may set anything: judging would only echo its error
            break
        if use.op == "read" and use.name not in written[use.kind] and kind_of[use.name].kind == use.kind:
            verb = {"flag": "sets", "item": "gives", "counter": "sets or adds to"}[use.kind]
            hint = did_you_mean(use.name, written[use.kind])
            if use.kind == "counter" and not hint:
                hint = "give it a starting value under initial: counters:"
            out.append(_diag(use.where, f"{use.kind} '{use.name}' is never set: nothing {verb} it", hint=hint))
    return out


# ----------------------------------------------------------------- warnings


def warnings(story: m.Story) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    scenes = story.scenes
    successors = {sid: [c.goto for c in scene.targets()] for sid, scene in scenes.items()}
    reachable = _reach(story.start, successors.__getitem__)
    predecessors: dict[str, list[str]] = defaultdict(list)
    for sid, targets in successors.items():
        for target in targets:
            predecessors[target].append(sid)
    endings = [s.id for s in scenes.values() if s.ending]
    can_end = _reach_many(endings, lambda s: predecessors.get(s, ()))

    for scene in scenes.values():
        if scene.id not in reachable:
            out.append(_diag(scene.where, f"scene '{scene.id}' is unreachable from the start", WARNING))
        if not scene.ending and not successors[scene.id]:
            out.append(_diag(scene.where, f"scene '{scene.id}' has no choices and is not an ending: "
                             "a player would be stuck", WARNING))
        elif scene.id in reachable and scene.id not in can_end:
            out.append(_diag(scene.where, f"no ending can be reached from scene '{scene.id}'", WARNING))
    conds, all_uses = _index(story, story.where)
    for scene, cond, choice in conds:
        if satisfiable(cond) is False:
            what = f"choice '{choice.label}'" if choice else "conditional text"
            where = _first_where(cond, scene.where)
            out.append(_diag(where, f"the condition of {what} can never hold", WARNING))

    reads = {(u.kind, u.name) for u in all_uses if u.op == "read"}
    reported = set()
    for use in all_uses:
        if use.kind == "flag" and use.op == "write" and ("flag", use.name) not in reads and use.name not in reported:
            reported.add(use.name)
            out.append(_diag(use.where, f"flag '{use.name}' is set but never read", WARNING))
    return out


def _first_where(cond: m.Condition, default: m.Where) -> m.Where:
    return next((a.where for a in atoms(cond)), default)


def _reach(start: str, successors) -> set[str]:
    return _reach_many([start], successors)


def _reach_many(starts, successors) -> set[str]:
    seen = set(starts)
    queue = deque(seen)
    while queue:
        for nxt in successors(queue.popleft()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# ------------------------------------------------------------ satisfiability

_DNF_LIMIT = 256


def satisfiable(cond: m.Condition) -> bool | None:
    """False when the condition can never hold whatever the state; True when
    some state satisfies it; None when it is too large to decide cheaply."""
    terms = _dnf(cond, True)
    if terms is None:
        return None
    return any(_consistent(term) for term in terms)


def _dnf(cond, positive: bool):
    """Disjunctive normal form: a list of conjunctions (tuples of literals)."""
    if isinstance(cond, m.Not):
        return _dnf(cond.term, not positive)
    if isinstance(cond, (m.All, m.Any)):
        conjunctive = isinstance(cond, m.All) == positive
        parts = [_dnf(t, positive) for t in cond.terms]
        if any(p is None for p in parts):
            return None
        if not conjunctive:
            out = [term for p in parts for term in p]
            return out if len(out) <= _DNF_LIMIT else None
        out = [()]
        for p in parts:
            out = [a + b for a in out for b in p]
            if len(out) > _DNF_LIMIT:
                return None
        return out
    if isinstance(cond, m.Counter):
        if positive:
            return [(("counter", cond.counter, cond.low, cond.high),)]
        out = []
        if cond.low is not None:
            out.append((("counter", cond.counter, None, cond.low - 1),))
        if cond.high is not None:
            out.append((("counter", cond.counter, cond.high + 1, None),))
        return out  # an unbounded range negated can never hold: []
    name = getattr(cond, "flag", None) or getattr(cond, "item", None) or getattr(cond, "scene", None)
    return [((type(cond).__name__, name, positive),)]


def _consistent(term) -> bool:
    truth: dict[tuple[str, str], bool] = {}
    ranges: dict[str, tuple[float, float]] = {}
    for lit in term:
        if lit[0] == "counter":
            _, name, low, high = lit
            lo, hi = ranges.get(name, (float("-inf"), float("inf")))
            lo = max(lo, low if low is not None else float("-inf"))
            hi = min(hi, high if high is not None else float("inf"))
            if lo > hi:
                return False
            ranges[name] = (lo, hi)
        else:
            kind, name, value = lit
            if truth.setdefault((kind, name), value) != value:
                return False
    return True


# -------------------------------------------------------------------- stats


def stats(story: m.Story) -> dict[str, int]:
    scenes = story.scenes.values()
    return {
        "scenes": len(story.scenes),
        "choices": sum(len(s.targets()) for s in scenes),
        "endings": sum(1 for s in scenes if s.ending),
        "words": sum(words(s.text) for s in scenes),
    }


def words(blocks) -> int:
    total = 0
    for block in blocks:
        if isinstance(block, m.Para):
            total += sum(len(p.split()) if isinstance(p, str) else 1 for p in block.parts)
        elif isinstance(block, m.When):
            total += words(block.then) + words(block.otherwise)
        elif isinstance(block, m.Vary):
            total += sum(words(option) for option in block.options)
    return total
