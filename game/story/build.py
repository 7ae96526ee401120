"""Raw YAML values (with positions) -> model objects, collecting every problem.

This is the loader's schema check; `game/schema/*.schema.json` says the same
for editors, and a test keeps the two in agreement.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from game.core import conditions, effects, kinds, text
from game.core import text as text_kinds
from game.core import model as m
from game.core.errors import Diagnostic, did_you_mean
from game.story.yamlpos import YMap, YSeq

MAX_TEXT = 20_000  # characters in one piece of prose
MAX_SHORT = 1_000  # characters in a title, label, name or reason
MAX_CHOICES = 1_000  # choices in one scene: more is no choice for a player
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")  # \Z: "$" would let a final newline in
ID_RULE = "letters, digits, '_' or '-', starting with a letter or '_', at most 64"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

MANIFEST_KEYS = ("id", "title", "version", "start", "author", "description", "initial", "names", "saves")
SAVES_KEYS = ("renamed", "defaults")
RENAME_KINDS = ("scenes", "flags", "items", "counters")
INITIAL_KEYS = ("flags", "items", "counters")
FILE_KEYS = ("chapter", "location", "pov", "scenes")
SCENE_KEYS = ("title", "chapter", "location", "pov", "text", "choices", "fallback", "ending", "checkpoint", "effects",
              "outcomes", "tags")
CHOICE_KEYS = ("id", "label", "goto", "if", "disabled", "effects", "once", "reply", "outcomes", "call", "return",
               "tags")
FALLBACK_KEYS = ("label", "goto", "effects", "reply", "tags")
OUTCOME_KEYS = ("weight", "goto", "effects", "reply")
ENTRY_OUTCOME_KEYS = ("weight", "effects", "reply")
MAX_OUTCOMES = 100
MAX_TAGS = 32
ENDING_KEYS = ("kind", "title")
EFFECT_KEYS = effects.TABLE.keys()
CONDITION_KEYS = conditions.TABLE.keys()
CONDITION_ALLOWED = conditions.allowed_keys()


class Builder:
    """Builds model objects for one file, appending diagnostics as it goes."""

    def __init__(self, file: str, diagnostics: list[Diagnostic], source: str | None = None):
        self.file = file
        self.diagnostics = diagnostics
        self.source = source  # the file's text, to place a mistake inside a long text
        self._lines: list[str] | None = None

    def place(self, pos, before: str, token: str) -> tuple[int, int]:
        """Where a mistake inside a long text stands in the file: its own line
        and column, even in a block scalar. `before` is the scalar's text up to
        the mistake, as the builder sees it (folded, joined); `token` is the
        text at the mistake. The first word of the token is found in the
        source, counting earlier occurrences; failing that, the scalar's start."""
        probe = (token.split() or [token[:1]])[0][:30]
        if self.source is None or not probe:
            return pos
        if self._lines is None:
            self._lines = self.source.split("\n")
        skip = before.count(probe)
        line, col = pos[0] - 1, pos[1] - 1
        while line < len(self._lines) and line < pos[0] + 2000:
            found = self._lines[line].find(probe, col)
            if found < 0:
                line, col = line + 1, 0
                continue
            if skip == 0:
                return line + 1, found + 1
            skip -= 1
            col = found + len(probe)
        return pos

    # -- reporting -----------------------------------------------------
    def at(self, pos: tuple[int, int]) -> m.Where:
        return m.Where(self.file, pos[0], pos[1])

    def error(self, pos, message: str, hint: str | None = None) -> None:
        """pos: (line, column), or a Where."""
        if isinstance(pos, m.Where):
            pos = (pos.line, pos.col)
        self.diagnostics.append(Diagnostic(self.file, pos[0], pos[1], message, hint=hint))

    # -- shapes ----------------------------------------------------------
    def mapping(self, value, pos, what: str, allowed, required=()) -> YMap | None:
        """`value` as a mapping with only `allowed` keys (None: any key)."""
        if not isinstance(value, YMap):
            self.error(pos, f"{what} must be a mapping (key: value), not {_kind(value)}")
            return None
        if allowed is None:
            allowed = _Anything()
        known = _SETS.get(allowed) if type(allowed) is tuple else None
        if known is not None and known.issuperset(value):  # the usual case: nothing unknown
            unknown = ()
        else:
            unknown = [key for key in value if key not in allowed]
        suggested = set()
        for key in unknown:
            hint = did_you_mean(key, allowed)
            if hint:
                suggested.add(hint.split("'")[1])
            self.error(value.key_where(key), f"unknown key '{key}' in {what}",
                       hint or "allowed: " + ", ".join(allowed))
        for key in required:
            if key not in value and key not in suggested:  # a misspelling is reported once
                self.error(value.pos, f"{what} needs '{key}'")
        return value

    def text(self, value, pos, what: str, *, empty_ok: bool = False, limit: int = MAX_SHORT) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(pos, f"{what} must be text, not {_kind(value)}")
            return None
        text = str(value)
        if len(text) > limit:
            self.error(pos, f"{what} is {len(text):,} characters long; the limit is {limit:,}")
            return None
        if not text.strip() and not empty_ok:
            self.error(pos, f"{what} is empty")
            return None
        return text  # control characters were refused as the YAML was read (yamlpos)

    def field_text(self, mapping: YMap, key: str, what: str) -> str | None:
        """mapping[key] as text, finding its position only if it is wrong."""
        value = mapping[key]
        if type(value) is str and 0 < len(value) <= MAX_SHORT and not value.isspace():
            return value
        return self.text(value, mapping.where(key), what)

    def field_ident(self, mapping: YMap, key: str, what: str) -> str | None:
        value = mapping[key]
        if type(value) is str and ID_RE.match(value):
            return value
        return self.ident(value, mapping.where(key), what)

    def ident(self, value, pos, what: str) -> str | None:
        if not isinstance(value, str) or not ID_RE.match(value):
            shown = value if isinstance(value, str) else _kind(value)
            self.error(pos, f"{what} '{shown}' is not a valid name ({ID_RULE})")
            return None
        return value

    def flag(self, value, pos, what: str) -> bool:
        if not isinstance(value, bool):
            self.error(pos, f"{what} must be true or false, not {_kind(value)}")
            return False
        return value

    def integer(self, value, pos, what: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(pos, f"{what} must be a whole number, not {_kind(value)}")
            return None
        if abs(value) > 10**9:
            self.error(pos, f"{what} must be between -1000000000 and 1000000000")
            return None
        return value

    def names(self, value, pos, what: str, uses: list | None = None) -> tuple[str, ...]:
        """A name or a list of names (each recorded as written, in `uses`)."""
        out = []
        for name, where in self.names_at(value, pos, what):
            out.append(name)
            if uses is not None:
                uses.append(kinds.Use(what, name, kinds.WRITE, self.at(where)))
        return tuple(out)

    def names_at(self, value, pos, what: str) -> list[tuple[str, tuple[int, int]]]:
        """A name or a list of names, each with its own position."""
        pairs = [(v, value.where(i)) for i, v in enumerate(value)] if isinstance(value, YSeq) else [(value, pos)]
        return [(raw, where) for raw, where in pairs if self.ident(raw, where, what)]

    @staticmethod
    def is_list(value) -> bool:
        return isinstance(value, YSeq)

    @staticmethod
    def is_mapping(value) -> bool:
        return isinstance(value, YMap)

    # -- conditions: each kind builds itself (game.core.conditions) --------
    def conditions(self, value: YSeq) -> tuple:
        return tuple(t for t in (self.condition(v, value.where(i)) for i, v in enumerate(value)) if t)

    def condition(self, value, pos):
        if isinstance(value, YSeq):  # a list means all of them
            return conditions.All(self.conditions(value))
        if isinstance(value, str):  # an expression
            return self.expression(value, self.scalar_where_of(value, pos), "if")
        c = self.mapping(value, pos, "condition", CONDITION_ALLOWED)
        if c is None:
            return None
        ops = [k for k in c if k in conditions.TABLE.by_key]
        if len(ops) != 1:
            self.error(c.pos, "a condition needs exactly one of: " + ", ".join(CONDITION_KEYS)
                       + (f" (found {', '.join(ops)})" if ops else ""))
            return None
        kind = conditions.TABLE.by_key[ops[0]]
        for key in c:
            if key not in conditions.TABLE.by_key and key not in kind.extra_keys:
                owner = next(k.key for k in conditions.TABLE.kinds if key in k.extra_keys)
                self.error(c.key_where(key), f"'{key}' only goes with '{owner}'")
                break
        return kind.build(self, c, ops[0])

    # -- effects: each kind builds itself (game.core.effects) ----------------
    def effects(self, value, pos) -> effects.Effects:
        e = self.mapping(value, pos, "effects", EFFECT_KEYS)
        if e is None:
            return effects.NO_EFFECTS
        ops: list = []
        for key in e:
            if key in effects.TABLE.by_key:
                ops.extend(effects.TABLE.by_key[key].build(self, e[key], e.where(key)))
        return effects.Effects.of(ops, self.at(e.pos))

    # -- text: each block kind builds itself (game.core.text) --------------------
    def blocks(self, value, pos, what: str = "text") -> tuple:
        if isinstance(value, YSeq):
            out: list = []
            for i, item in enumerate(value):
                out.extend(self.block(item, value.where(i)))
            return tuple(out)
        return self.block(value, pos, what)

    def block(self, value, pos, what: str = "text") -> tuple:
        if isinstance(value, YMap):
            key = next((k for k in value if k in text.TABLE.by_key), None)
            if key is None:  # no kind's key: report it as the most common kind, conditional text
                self.mapping(value, pos, "conditional text", ("if", "text", "else"), ("if", "text"))
                return ()
            block = text.TABLE.by_key[key].build(self, value, pos, key)
            return (block,) if block is not None else ()
        text_value = self.text(value, pos, what, limit=MAX_TEXT)
        if text_value is None:
            return ()
        if "\n" in text_value:
            paragraphs = [" ".join(line.strip() for line in p.splitlines() if line.strip())
                          for p in _PARAGRAPH_BREAK.split(text_value)]
        else:
            paragraphs = [text_value.strip()]
        out = []
        seen = ""
        for p in paragraphs:
            if p:
                out.append(text.Para(self.template(p, pos, seen)))
                seen += p + " "
        return tuple(out)

    def template(self, text: str, pos, before: str = "") -> tuple:
        """A paragraph's parts: literal text and inline kinds ({trust},
        {name: x}, {if EXPR: a|b}, {cycle: a|b}...). `before` is the text of
        the scalar before this paragraph, to place mistakes exactly."""
        if "{" not in text and "}" not in text:
            return (text,)
        parts, _ = self._parts(text, 0, pos, before, "")
        return parts

    def _at(self, pos, before: str, text: str, i: int):
        return self.place(pos, before + text[:i], text[i:])

    def _parts(self, text: str, i: int, pos, before: str, stop: str) -> tuple[tuple, int]:
        parts: list = []
        buf: list[str] = []
        literal = 0  # '{{' written inside an option, waiting for its '}}'
        while i < len(text):
            c = text[i]
            if text.startswith("{{", i):
                buf.append("{")
                literal += 1
                i += 2
            elif text.startswith("}}", i) and (not stop or literal):
                # at the top level '}}' is always a literal brace; inside an
                # option only after a '{{' (so "{if x: {trust}}" still closes)
                buf.append("}")
                literal = max(literal - 1, 0)
                i += 2
            elif c in stop:
                break
            elif c == "}":
                self.error(self._at(pos, before, text, i), "a '}' in text with no '{' before it",
                           "write }} for a literal brace")
                i += 1
            elif c == "{":
                if buf:
                    parts.append("".join(buf))
                    buf = []
                node, i = self._inline(text, i, pos, before)
                if node is not None:
                    parts.append(node)
            else:
                buf.append(c)
                i += 1
        if buf:
            parts.append("".join(buf))
        return tuple(parts), i

    def _inline(self, text: str, start: int, pos, before: str):
        """The inline kind at text[start] == '{', and the index after it."""
        i = start + 1
        depth = 0
        while i < len(text) and not (depth == 0 and text[i] in ":}|"):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if i >= len(text):
            self.error(self._at(pos, before, text, start), "a '{' in text that is never closed",
                       "close it with '}', or write {{ for a literal brace")
            return None, len(text)
        head = text[start + 1:i].strip()
        where = self.at(self._at(pos, before, text, start))
        if text[i] == "}":
            if not ID_RE.match(head):
                self.error(where, f"'{{{head}}}' in text is not a name",
                           "{counter} shows a number, {name: x} a display name, {if EXPR: a|b} a choice of "
                           "words; write {{ for a literal brace")
                return None, i + 1
            named = start + 1 + len(text[start + 1:i]) - len(text[start + 1:i].lstrip())  # the name itself
            return text_kinds.Var(head, self.at(self._at(pos, before, text, named))), i + 1
        if text[i] == "|":
            self.error(where, f"'{{{head}|' in text: options need a kind first",
                       "write {cycle: a|b}, {sequence: a|b}, {once: a|b}, {shuffle: a|b} or {if EXPR: a|b}")
            return None, self._skip(text, i)
        word = head.split(" ", 1)[0]
        if word == "name":
            end = text.find("}", i)
            if end < 0:
                self.error(where, "a '{' in text that is never closed", "close it with '}'")
                return None, len(text)
            name = text[i + 1: end].strip()
            if not ID_RE.match(name):
                self.error(where, f"'{{name: {name}}}' needs the name of a flag, item or counter")
                return None, (end + 1 if end >= 0 else len(text))
            named = i + 1 + len(text[i + 1:end]) - len(text[i + 1:end].lstrip())
            return text_kinds.NameOf(name, self.at(self._at(pos, before, text, named))), end + 1
        if word == "if":
            source = head[2:]
            offset = start + 1 + text[start + 1:].find("if") + 2
            cond = self.expression(source, lambda o: self.at(self._at(pos, before, text, offset + o)), "if")
            then, i = self._parts(text, self._space(text, i + 1), pos, before, "|}")
            otherwise: tuple = ()
            if i < len(text) and text[i] == "|":
                otherwise, i = self._parts(text, i + 1, pos, before, "|}")
                if i < len(text) and text[i] == "|":
                    self.error(self._at(pos, before, text, i), "an inline 'if' has two options at most: "
                               "{if EXPR: shown|otherwise}")
                    i = self._skip(text, i)
                    return None, i
            if i >= len(text):
                self.error(where, "a '{' in text that is never closed", "close it with '}'")
                return None, i
            return (text_kinds.InlineIf(cond, then, otherwise) if cond is not None else None), i + 1
        if head in text_kinds.InlineVary.keys:
            options = []
            i = self._space(text, i + 1) - 1  # the space after the colon is not part of the first option
            while True:
                option, i = self._parts(text, i + 1, pos, before, "|}")
                options.append(option)
                if i >= len(text):
                    self.error(where, "a '{' in text that is never closed", "close it with '}'")
                    return None, i
                if text[i] == "}":
                    return text_kinds.InlineVary(head, tuple(options)), i + 1
        known = ["name", "if", *text_kinds.InlineVary.keys]
        self.error(where, f"unknown '{{{head}:' in text", did_you_mean(word, known) or
                   "inline text is {name: x}, {if EXPR: a|b}, or " + ", ".join(f"{{{k}: a|b}}" for k in known[2:]))
        return None, self._skip(text, i)

    @staticmethod
    def _space(text: str, i: int) -> int:
        return i + 1 if text[i:i + 1] == " " else i

    @staticmethod
    def _skip(text: str, i: int) -> int:
        end = text.find("}", i)
        return len(text) if end < 0 else end + 1

    def expression(self, source: str, where_of, what: str):
        """A condition from an expression string, or None (reported)."""
        from game.core import expr

        try:
            tree = expr.typed(expr.parse(source, where_of), expr.BOOL, where_of)
        except expr.ExprError as exc:
            w = where_of(exc.offset)
            self.error((w.line, w.col), f"in '{what}': {exc.message}", exc.hint)
            return None
        return conditions.Expression(tree, where_of(0), source.strip())

    def number(self, source: str, where_of, what: str):
        """A number expression, or None (reported)."""
        from game.core import expr

        try:
            return expr.typed(expr.parse(source, where_of), expr.NUM, where_of)
        except expr.ExprError as exc:
            w = where_of(exc.offset)
            self.error((w.line, w.col), f"in {what}: {exc.message}", exc.hint)
            return None

    def scalar_where_of(self, value: str, pos):
        """offset -> Where, for an expression written as one scalar at pos:
        exact when the scalar is on one line (plain or quoted), else found
        in the source by `place`."""
        if self.source is not None and "\n" not in value:
            if self._lines is None:
                self._lines = self.source.split("\n")
            line = self._lines[pos[0] - 1] if 0 < pos[0] <= len(self._lines) else ""
            rest = line[pos[1] - 1:]
            start = 1 if rest[:1] in ("'", '"') else 0
            if rest[start:start + len(value)] == value:
                return lambda offset: self.at((pos[0], pos[1] + start + offset))
        return lambda offset: self.at(self.place(pos, value[:offset], value[offset:] or value[-1:]))

    # -- choices and scenes --------------------------------------------------
    def choice(self, value, pos, scene_id: str, index: int, *, fallback=False) -> m.Choice | None:
        what = "fallback" if fallback else "choice"
        keys = FALLBACK_KEYS if fallback else CHOICE_KEYS
        c = self.mapping(value, pos, what, keys, ("goto",) if fallback else ("label",))
        if c is None:
            return None
        label = self.field_text(c, "label", "label") if "label" in c else "Continue"
        goto = self.field_ident(c, "goto", "target scene") if "goto" in c else None
        if "goto" in c and goto is None:
            return None
        reply = self.blocks(c["reply"], c.where("reply"), "reply") if "reply" in c else ()
        outcomes = self.outcomes(c["outcomes"], c.where("outcomes"), OUTCOME_KEYS) if "outcomes" in c else ()
        call = self.field_ident(c, "call", "called scene") if "call" in c else None
        returns = self.flag(c["return"], c.where("return"), "'return'") if "return" in c else False
        if returns and ("goto" in c or "call" in c or any(o.goto for o in outcomes)):
            self.error(c.key_where("return"), "a 'return' choice goes back to where the subroutine was called "
                       "from: it cannot also have 'goto', 'call' or outcomes that go somewhere")
        if "return" in c and not returns:
            self.error(c.key_where("return"), "'return' is only ever 'return: true'")
        if not fallback and goto is None and not (reply or outcomes or call or returns) and label is not None \
                and not any(k in c for k in ("reply", "outcomes", "call", "return")):
            self.error(c.pos, "choice needs 'goto' (where it leads)",
                       "or 'reply' to answer it in this scene, 'outcomes', 'call' or 'return: true'")
            return None
        cond = self.condition(c["if"], c.where("if")) if "if" in c else None
        disabled = None
        if "disabled" in c:
            disabled = self.text(c["disabled"], c.where("disabled"), "disabled reason")
            if "if" not in c:
                self.error(c.key_where("disabled"), "'disabled' gives the reason a choice is unavailable; "
                           "it needs an 'if' condition")
        done = self.effects(c["effects"], c.where("effects")) if "effects" in c else m.NO_EFFECTS
        once = self.flag(c["once"], c.where("once"), "'once'") if "once" in c else False
        cid = self.ident(c["id"], c.where("id"), "choice id") if "id" in c else None
        key = f"{scene_id}/{cid or ('fallback' if fallback else f'#{index + 1}')}"
        tags = self.tags(c["tags"], c.where("tags")) if "tags" in c else ()
        if label is None:
            return None
        return m.Choice(key, label, goto, cond, disabled, done, once, self.at(c.pos),
                        self.at(c.where("goto")) if "goto" in c else None, reply, outcomes, call, returns, tags,
                        self.at(c.where("call")) if "call" in c else None)

    def outcomes(self, value, pos, keys) -> tuple:
        """A list of weighted random outcomes."""
        if not isinstance(value, YSeq) or not value:
            self.error(pos, "'outcomes' takes a non-empty list of outcomes (weight, goto, effects, reply)")
            return ()
        if len(value) > MAX_OUTCOMES:
            self.error(pos, f"{len(value):,} outcomes; the limit is {MAX_OUTCOMES}")
            return ()
        out = []
        for i, item in enumerate(value):
            o = self.mapping(item, value.where(i), "outcome", keys)
            if o is None:
                continue
            weight = self.integer(o["weight"], o.where("weight"), "'weight'") if "weight" in o else 1
            if weight is not None and not 1 <= weight <= 1_000_000:
                self.error(o.where("weight"), "'weight' is a whole number from 1 to 1000000")
                weight = None
            goto = self.field_ident(o, "goto", "target scene") if "goto" in o else None
            done = self.effects(o["effects"], o.where("effects")) if "effects" in o else m.NO_EFFECTS
            reply = self.blocks(o["reply"], o.where("reply"), "reply") if "reply" in o else ()
            if weight is not None and ("goto" not in o or goto):
                out.append(m.Outcome(weight, goto, done, reply, self.at(o.pos),
                                     self.at(o.where("goto")) if "goto" in o else None))
        return tuple(out)

    def tags(self, value, pos) -> tuple[str, ...]:
        """Free-form tags for hosts (music, pictures, achievements): short texts."""
        items = [(v, value.where(i)) for i, v in enumerate(value)] if isinstance(value, YSeq) else [(value, pos)]
        if len(items) > MAX_TAGS:
            self.error(pos, f"{len(items)} tags; the limit is {MAX_TAGS}")
            return ()
        out = []
        for raw, where in items:
            tag = self.text(raw, where, "tag", limit=200)
            if tag is not None:
                out.append(tag.strip())
        return tuple(out)

    def scene(self, sid: str, value, pos, defaults: dict, id_pos) -> m.Scene | None:
        s = self.mapping(value, pos, f"scene '{sid}'", SCENE_KEYS, ("title", "text"))
        if s is None:
            return None
        title = self.field_text(s, "title", "title") if "title" in s else None
        header = {}
        for key in ("chapter", "location", "pov"):
            raw = s.get(key, defaults.get(key, ""))
            header[key] = self.text(raw, s.where(key), key, empty_ok=True) or "" if key in s else raw
        prose = self.blocks(s["text"], s.where("text")) if "text" in s else ()
        choices: list[m.Choice] = []
        if "choices" in s:
            raw = s["choices"]
            if not isinstance(raw, YSeq):
                self.error(s.where("choices"), f"choices must be a list, not {_kind(raw)}")
            elif len(raw) > MAX_CHOICES:
                self.error(s.where("choices"), f"scene '{sid}' has {len(raw):,} choices; the limit is {MAX_CHOICES:,}")
            else:
                for i, item in enumerate(raw):
                    choice = self.choice(item, raw.where(i), sid, i)
                    if choice:
                        choices.append(choice)
                seen: dict[str, m.Choice] = {}
                for choice in choices:
                    if choice.key in seen:
                        self.error((choice.where.line, choice.where.col), f"two choices in scene '{sid}' "
                                   f"share the id '{choice.key.split('/')[-1]}'")
                    seen[choice.key] = choice
        fallback = self.choice(s["fallback"], s.where("fallback"), sid, 0, fallback=True) if "fallback" in s else None
        ending = None
        if "ending" in s:
            e = self.mapping(s["ending"], s.where("ending"), "ending", ENDING_KEYS, ("kind", "title"))
            if e is not None and "kind" in e and "title" in e:
                kind = e["kind"]
                if kind not in m.ENDING_KINDS:
                    self.error(e.where("kind"), f"ending kind must be victory or failure, not '{kind}'",
                               did_you_mean(str(kind), m.ENDING_KINDS))
                title_e = self.text(e["title"], e.where("title"), "ending title")
                if kind in m.ENDING_KINDS and title_e:
                    ending = m.Ending(kind, title_e)
            if "choices" in s or "fallback" in s:
                self.error(s.key_where("ending"), f"scene '{sid}' is an ending, so it cannot also have choices")
        checkpoint = self.flag(s["checkpoint"], s.where("checkpoint"), "'checkpoint'") if "checkpoint" in s else False
        entered = self.effects(s["effects"], s.where("effects")) if "effects" in s else m.NO_EFFECTS
        outcomes = self.outcomes(s["outcomes"], s.where("outcomes"), ENTRY_OUTCOME_KEYS) if "outcomes" in s else ()
        tags = self.tags(s["tags"], s.where("tags")) if "tags" in s else ()
        if title is None:
            return None
        return m.Scene(sid, title, header["chapter"], header["location"], header["pov"], prose,
                       tuple(choices), fallback, ending, checkpoint, entered, self.at(id_pos), tags, outcomes)

    def scene_file(self, doc, declared: set[str]) -> list[m.Scene]:
        """The scenes of a file that built cleanly; `declared` collects every
        scene id the file names, built or not, so that references to a broken
        scene are not reported as unknown as well."""
        f = self.mapping(doc, (1, 1), "a scene file", FILE_KEYS, ("scenes",))
        if f is None or "scenes" not in f:
            return []
        defaults = {}
        for key in ("chapter", "location", "pov"):
            if key in f:
                defaults[key] = self.text(f[key], f.where(key), key, empty_ok=True) or ""
        scenes = f["scenes"]
        if not isinstance(scenes, YMap):
            self.error(f.where("scenes"), f"'scenes' must map scene ids to scenes, not {_kind(scenes)}")
            return []
        out = []
        for sid, value in scenes.items():
            if self.ident(sid, scenes.key_where(sid), "scene id"):
                declared.add(sid)
                scene = self.scene(sid, value, scenes.where(sid), defaults, scenes.key_where(sid))
                if scene:
                    out.append(scene)
        return out

    def manifest(self, doc) -> dict | None:
        """The manifest's fields, or None when it is unusable."""
        f = self.mapping(doc, (1, 1), "the manifest (story.yaml)", MANIFEST_KEYS, ("id", "title", "version", "start"))
        if f is None:
            return None
        out = {"where": self.at(f.pos)}
        out["id"] = self.ident(f["id"], f.where("id"), "story id") if "id" in f else None
        out["title"] = self.text(f["title"], f.where("title"), "title") if "title" in f else None
        out["version"] = self.text(f["version"], f.where("version"), "version") if "version" in f else None
        out["start"] = self.ident(f["start"], f.where("start"), "start scene") if "start" in f else None
        out["start_pos"] = f.where("start")
        out["uses"] = uses = []
        if out["start"]:
            uses.append(kinds.Use("scene", out["start"], kinds.READ, self.at(f.where("start")), "start"))
        for key in ("author", "description"):
            if key in f:
                self.text(f[key], f.where(key), key, limit=MAX_TEXT)
        out["initial"] = self.initial(f["initial"], f.where("initial"), "'initial' state", uses) if "initial" in f \
            else m.Initial()
        out["initial_where"] = self.at(f.where("initial"))
        out["migration"] = self.migration(f["saves"], f.where("saves")) if "saves" in f else m.Migration()
        out["saves_where"] = self.at(f.where("saves"))
        names: dict[str, str] = {}
        if "names" in f:
            n = self.mapping(f["names"], f.where("names"), "'names' (name: display name)", _Anything())
            for key, value in (n or {}).items():
                shown = self.text(value, n.where(key), f"display name of '{key}'")
                if self.ident(key, n.key_where(key), "name") and shown:
                    names[key] = shown
        out["names"] = MappingProxyType(names)
        return out


    def initial(self, value, pos, what: str, uses: list | None = None) -> m.Initial:
        """A starting state; `uses` (if given) records each name as written."""
        i = self.mapping(value, pos, what, INITIAL_KEYS)
        if i is None:
            return m.Initial()
        flags = frozenset(self.names(i["flags"], i.where("flags"), "flag", uses)) if "flags" in i else frozenset()
        items = tuple(dict.fromkeys(self.names(i["items"], i.where("items"), "item", uses))) if "items" in i else ()
        counters: dict[str, int] = {}
        if "counters" in i:
            c = self.mapping(i["counters"], i.where("counters"), "'counters' (name: number)", _Anything())
            for name, raw in (c or {}).items():
                n = self.integer(raw, c.where(name), f"counter '{name}'")
                if self.ident(name, c.key_where(name), "counter") and n is not None:
                    counters[name] = n
                    if uses is not None:
                        uses.append(kinds.Use("counter", name, kinds.WRITE, self.at(c.key_where(name))))
        return m.Initial(flags, items, MappingProxyType(counters))

    def migration(self, value, pos) -> m.Migration:
        s = self.mapping(value, pos, "'saves'", SAVES_KEYS)
        if s is None:
            return m.Migration()
        renamed: dict[str, MappingProxyType] = {}
        if "renamed" in s:
            r = self.mapping(s["renamed"], s.where("renamed"), "'renamed'", RENAME_KINDS)
            for kind in RENAME_KINDS:
                if r is None or kind not in r:
                    continue
                pairs = self.mapping(r[kind], r.where(kind), f"renamed {kind} (old: new)", _Anything())
                table = {}
                for old, new in (pairs or {}).items():
                    if self.ident(old, pairs.key_where(old), "old name") and self.ident(new, pairs.where(old), "new name"):
                        table[old] = new
                renamed[kind] = MappingProxyType(table)
        defaults = self.initial(s["defaults"], s.where("defaults"), "'defaults'") if "defaults" in s else m.Initial()
        return m.Migration(MappingProxyType(renamed), defaults)


_SETS: dict[tuple, frozenset] = {}


def _register(*groups: tuple) -> None:
    for group in groups:
        _SETS[group] = frozenset(group)


_register(MANIFEST_KEYS, INITIAL_KEYS, FILE_KEYS, SCENE_KEYS, CHOICE_KEYS, FALLBACK_KEYS, ENDING_KEYS, OUTCOME_KEYS,
          ENTRY_OUTCOME_KEYS,
          EFFECT_KEYS, SAVES_KEYS, RENAME_KINDS, CONDITION_ALLOWED)


class _Anything(tuple):
    """An 'allowed keys' set that allows every key (for free-form maps)."""

    def __contains__(self, key) -> bool:
        return True


def _kind(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
