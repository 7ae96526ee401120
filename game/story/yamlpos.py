"""YAML with positions: safe, strict about duplicate keys, bounded in cost.

PyYAML's composer (the C one when libyaml is present) builds a node graph;
we construct plain Python values from it ourselves so that:

* every mapping and sequence remembers the line and column of each child,
* a duplicate key is an error instead of silently keeping the last value,
* only the core scalar tags are accepted (no ``!!python/...``, no timestamps
  turning into datetimes, no binary),
* aliases are expanded under a node budget and a budget of text (an alias
  to a long string counts its characters each time), and what an alias
  brings in counts toward the nesting limit, so an alias bomb costs nothing.

Positions are 1-based (line, column).
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import ScalarNode

from game.core.sanitize import HIDDEN, UNSAFE, clip

try:  # libyaml's parser and composer, ~10x faster than the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Pos = tuple[int, int]

# Expanded nodes allowed per file, aliases counted each time they are used.
# Without aliases a node costs at least one character of text, so an honest
# file stays under its length; the slack is for sensible use of anchors.
ALIAS_SLACK = 100_000
MAX_NODES = 1_000_000  # per file, whatever its length: bounds time and memory
MAX_DEPTH = 64  # nesting of mappings and sequences, aliases expanded
# Text that aliases may add per file, in characters: an alias to a long string
# is one node but can cost megabytes each time it is used.
MAX_ALIAS_CHARS = 1_000_000
MAX_KEY_CHARS = 1_000  # a key is a name; a longer one is refused before anything quotes it

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null": "construct_yaml_null",
    "tag:yaml.org,2002:bool": "construct_yaml_bool",
    "tag:yaml.org,2002:int": "construct_yaml_int",
    "tag:yaml.org,2002:float": "construct_yaml_float",
}
_INT = "tag:yaml.org,2002:int"
MAX_DIGITS = 18  # no number in a story needs more; Python refuses 4,300+ and is slow well before
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_scalars = SafeConstructor()
# A plain scalar can only be null, a boolean or a number if it is one of
# these words, or starts like a number; anything else is text, untested.
_KEYWORDS = frozenset(["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"])
_NUMBER_START = frozenset("0123456789+-.")
# YAML 1.2 core schema: only these spellings are booleans and numbers, so a
# label such as `No`, `On` or `1:20` stays text (YAML 1.1 would turn them
# into false, true and 80: the "Norway problem").
_CORE = {
    "tag:yaml.org,2002:null": re.compile(r"^(?:~|null|Null|NULL|)$"),
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
}

# Characters refused anywhere in a story file, found before parsing so the
# error names the spot: what YAML itself refuses, plus C1 controls and the
# bidirectional overrides that could reorder what a terminal shows.
_BAD_CHARS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{HIDDEN}]")
# After a clean decode, only escapes in double-quoted scalars ("\e", "\x07")
# can still make such characters; those scalars are checked as they are read.
_ESCAPED_CONTROL = UNSAFE  # the one sanitiser's set: what no text of a story may hold


class YamlError(Exception):
    def __init__(self, pos: Pos, message: str):
        super().__init__(message)
        self.pos = pos
        self.message = message


class YMap(dict):
    """A mapping that knows where it and each of its keys and values stand.
    `places[key]` is (key line, key column, value line, value column)."""

    __slots__ = ("pos", "places")

    def where(self, key: str) -> Pos:
        place = self.places.get(key)
        return (place[2], place[3]) if place else self.pos

    def key_where(self, key: str) -> Pos:
        place = self.places.get(key)
        return (place[0], place[1]) if place else self.pos


class YSeq(list):
    """A sequence that knows where it and each of its items stand."""

    __slots__ = ("pos", "item_pos")

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


def _kind(char: str) -> str:
    """What a refused character is, for its error message."""
    return "control character" if ord(char) < 0xA0 else \
        "invisible or direction-changing character"


def _pos(node) -> Pos:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (a BOM is fine), else a YamlError at the bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError((line, col), "file is not valid UTF-8 text") from None
    bad = _BAD_CHARS.search(text)
    if bad:
        before = text[: bad.start()]
        line = before.count("\n") + 1
        col = bad.start() - (before.rfind("\n") + 1) + 1
        raise YamlError((line, col), f"{_kind(bad.group())} U+{ord(bad.group()):04X} is not allowed")
    return text


def load(text: str, max_nodes: int = MAX_NODES) -> tuple[object, list[YamlError]]:
    """Parse one YAML document into YMap/YSeq/scalars.

    Returns the value and the problems that did not stop the reading
    (duplicate keys, forbidden tags); raises YamlError for those that did.
    Values are built straight from the parser's events with an explicit
    stack, so nesting depth and node count are checked as they arrive: no
    node graph is held in memory and nothing recurses.
    """
    value, errors, _ = load_counted(text, max_nodes)
    return value, errors


def load_counted(text: str, max_nodes: int = MAX_NODES) -> tuple[object, list[YamlError], int]:
    """`load`, also returning how many nodes the document expanded to."""
    loader = _Loader(text)
    try:
        own = min(len(text) + ALIAS_SLACK, MAX_NODES)
        builder = _Builder(loader, min(own, max_nodes), own)
        value = builder.document()
        return value, builder.errors, builder.count
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            raise YamlError(pos, "YAML syntax: a tab here; YAML is indented with spaces, never tabs") from None
        explained = _explain(text, exc, pos)
        if explained is not None:
            raise YamlError(*explained) from None
        ctx = exc.context_mark
        if exc.problem and exc.context and ctx and (ctx.line, ctx.column) != (pos[0] - 1, pos[1] - 1):
            problem += f" ({exc.context} that starts at line {ctx.line + 1}, column {ctx.column + 1})"
        raise YamlError(pos, f"YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError((1, 1), f"YAML: {exc}") from None
    finally:
        loader.dispose()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _explain(text: str, exc, pos: Pos) -> tuple[Pos, str] | None:
    """PyYAML's commonest complaints, said in an author's words and placed
    on the line that is wrong."""
    lines = text.split("\n")
    line_no = pos[0] - 1
    if not 0 <= line_no < len(lines):
        return None
    here = lines[line_no]
    before = next((i for i in range(line_no - 1, -1, -1) if lines[i].strip() and not lines[i].lstrip().startswith("#")),
                  None)
    if exc.problem == "mapping values are not allowed in this context":
        if before is not None and _indent(here) > _indent(lines[before]) and ":" in lines[before] \
                and not lines[before].rstrip().endswith(":"):
            key = clip(here.strip().split(":")[0], 60)
            above = clip(lines[before].strip().lstrip("- ").split(":")[0], 60)
            return ((line_no + 1, _indent(here) + 1),
                    f"'{key}:' is indented more than '{above}:' on the line above, so it reads as more of "
                    f"'{above}''s value; indent it like '{above}:'")
        key = clip(here[: pos[1] - 1].rstrip().split(":")[0].strip().lstrip("- "), 60)
        return (pos, f"a ': ' inside the unquoted text of '{key}' would start a new key: put the text in quotes "
                     "(\"...\") or write it as a block ('|' or '>' after the colon, the text on the lines below)")
    if exc.problem == "did not find expected '-' indicator" and exc.context_mark is not None:
        start = exc.context_mark.line
        item = lines[start] if start < len(lines) else ""
        content = _indent(item) + 2
        return ((line_no + 1, _indent(here) + 1),
                f"this line is not indented as part of the list item that starts at line {start + 1}: indent it "
                f"by {content} spaces, to line up with '{clip(item.strip()[2:].split(':')[0], 60)}:', or start a new item "
                "with '- '")
    if exc.problem == "could not find expected ':'" and before is not None:
        return ((before + 1, _indent(lines[before]) + 1),
                "this line has no ':' after its key, or text runs on to the next line without being quoted: write "
                "'key: value', and quote text that spans lines")
    return None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


def _check_digits(event) -> None:
    digits = len(event.value.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise YamlError(_pos(event), f"a number {digits:,} characters long; numbers here have at most {MAX_DIGITS} digits")


def _measure(value) -> tuple[int, int]:
    """Characters of text in a value (keys and strings) and its nesting depth,
    without recursion; a collection reached twice (through aliases inside it)
    is measured once and counted each time, as it would be expanded."""
    if not isinstance(value, (YMap, YSeq)):
        return (len(value) if isinstance(value, str) else 0), 0
    memo: dict[int, tuple[int, int]] = {}
    work = [(value, False)]
    while work:
        node, done = work.pop()
        if id(node) in memo:
            continue
        children = [v for v in (node.values() if isinstance(node, YMap) else node) if isinstance(v, (YMap, YSeq))]
        if not done:
            work.append((node, True))
            work.extend((c, False) for c in children if id(c) not in memo)
            continue
        chars = sum(len(k) for k in node) if isinstance(node, YMap) else 0
        chars += sum(len(v) for v in (node.values() if isinstance(node, YMap) else node) if isinstance(v, str))
        inner = [memo[id(c)] for c in children]
        memo[id(node)] = (chars + sum(c for c, _ in inner), 1 + max((d for _, d in inner), default=0))
    return memo[id(value)]


class _Frame:
    __slots__ = ("value", "is_map", "anchor", "first_count", "key", "merges", "forbidden")

    def __init__(self, value, is_map: bool, anchor, first_count: int):
        self.forbidden = False  # a collection with a tag we refuse: read through, then dropped
        self.value = value
        self.is_map = is_map
        self.anchor = anchor
        self.first_count = first_count
        self.key = None  # (key, position, is_merge) while waiting for its value
        self.merges: list = []


class _Builder:
    def __init__(self, loader, budget: int, alias_free_budget: int = 0) -> None:
        self.loader = loader
        self.budget = budget
        self.alias_free_budget = alias_free_budget
        self.count = 0
        self.errors: list[YamlError] = []
        # name -> (value, nodes it expands to, characters of text in it, nesting depth)
        self.anchors: dict[str, tuple[object, int, int, int]] = {}
        self.open: set[str] = set()  # anchors of collections still being read
        self.alias_chars = 0  # text brought in by aliases so far

    def document(self):
        get, check = self.loader.get_event, self.loader.check_event
        get()  # stream start
        if check(StreamEndEvent):
            return None
        get()  # document start
        value = self.node()
        get()  # document end
        if not check(StreamEndEvent):
            raise YamlError(_pos(self.loader.peek_event()), "a story file holds one YAML document, not several")
        return value

    def grow(self, amount: int, event) -> None:
        self.count += amount
        if self.count > self.budget:
            if self.budget >= MAX_NODES:
                raise YamlError(_pos(event), f"more than {MAX_NODES:,} YAML nodes in one file; split it up")
            if self.budget < self.alias_free_budget:
                raise YamlError(_pos(event), "the story as a whole passes its limit of YAML nodes here")
            raise YamlError(_pos(event), f"aliases expand this document past {self.budget:,} nodes (an alias bomb?)")

    def node(self):
        """Build one value from the event stream. This loop is the hot path
        of loading a story: names are bound locally, the node count is kept
        in a local, and plain scalars (most events) take an inlined path."""
        get = self.loader.get_event
        scalar_event, alias_event = ScalarEvent, AliasEvent
        seq_start, map_start = SequenceStartEvent, MappingStartEvent
        keywords, number_start = _KEYWORDS, _NUMBER_START
        stack: list[_Frame] = []
        budget = self.budget
        count = self.count
        while True:
            event = get()
            kind = type(event)
            if kind is scalar_event:
                count += 1
                if count > budget:
                    self.count = count
                    self.grow(0, event)
                text = event.value
                if event.tag is None and not event.style and event.implicit[0] and text[:1] not in number_start \
                        and (len(text) > 5 or text not in keywords):
                    value = text  # plain text: the common case
                else:
                    if event.style == '"' and _ESCAPED_CONTROL.search(text):
                        bad = _ESCAPED_CONTROL.search(text).group()
                        self.errors.append(YamlError(_pos(event), f"quoted text contains {_kind(bad)} U+{ord(bad):04X} "
                                                                  "(terminal escapes are not allowed in a story)"))
                        text = _ESCAPED_CONTROL.sub("\ufffd", text)
                        event.value = text
                    value = self.scalar(event)
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1, len(text), 0)
                mark = event.start_mark
                line, col = mark.line + 1, mark.column + 1
                if not stack:
                    self.count = count
                    return value
                frame = stack[-1]
                if not frame.is_map:
                    frame.value.append(value)
                    frame.value.item_pos.append((line, col))
                elif frame.key is None:  # a key: keys stay text (`no:` and `1:` are names)
                    if len(text) > MAX_KEY_CHARS:
                        raise YamlError((line, col), f"a key {len(text):,} characters long; keys are short names")
                    frame.key = (text, line, col, text == "<<" and not event.style and event.tag is None)
                else:
                    key, key_line, key_col, merge = frame.key
                    container = frame.value
                    if merge or key in container:  # merges and duplicate keys: the slow path
                        self.count = count
                        self.put(frame, value, line, col)
                    else:
                        frame.key = None
                        container[key] = value
                        container.places[key] = (key_line, key_col, line, col)
                continue
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            if kind is seq_start or kind is map_start:
                if stack and stack[-1].is_map and stack[-1].key is None:
                    raise YamlError(pos, "a key must be a plain name, not a list or mapping")
                if len(stack) >= MAX_DEPTH:
                    raise YamlError(pos, f"nesting is deeper than {MAX_DEPTH} levels")
                count += 1
                if count > budget:
                    self.count = count
                    self.grow(0, event)
                is_map = kind is map_start
                refused = event.tag not in (None, "!", _MAP if is_map else _SEQ)
                if refused:
                    self.forbidden(event)
                container = YMap() if is_map else YSeq()
                container.pos = pos
                if is_map:
                    container.places = {}
                else:
                    container.item_pos = []
                if event.anchor:
                    self.open.add(event.anchor)
                frame = _Frame(container, is_map, event.anchor, count)
                frame.forbidden = refused
                stack.append(frame)
                continue
            if kind is alias_event:
                if event.anchor in self.open:
                    raise YamlError(pos, "an alias refers to the node that contains it")
                if event.anchor not in self.anchors:
                    raise YamlError(pos, f"unknown alias '*{event.anchor}'")
                value, size, chars, depth = self.anchors[event.anchor]
                self.count = count
                self.grow(size, event)
                count = self.count
                self.alias_chars += chars
                if self.alias_chars > MAX_ALIAS_CHARS:
                    raise YamlError(pos, f"aliases bring in more than {MAX_ALIAS_CHARS:,} characters of text "
                                         "(an alias bomb?)")
                if len(stack) + depth > MAX_DEPTH:
                    raise YamlError(pos, f"this alias nests the document deeper than {MAX_DEPTH} levels")
            else:  # the end of a sequence or mapping
                frame = stack.pop()
                value = None if frame.forbidden else frame.value
                if frame.merges and value is not None:
                    self.merge(value, frame.merges)
                if frame.anchor:
                    self.open.discard(frame.anchor)
                    self.anchors[frame.anchor] = (value, count - frame.first_count + 1, *_measure(value))
                pos = frame.value.pos
            if not stack:
                self.count = count
                return value
            parent = stack[-1]
            if not parent.is_map:
                parent.value.append(value)
                parent.value.item_pos.append(pos)
            elif parent.key is None:
                raise YamlError(pos, "a key must be a plain name, not a list, mapping or alias")
            else:
                self.count = count
                self.put(parent, value, pos[0], pos[1])

    def put(self, frame: _Frame, value, line: int, col: int) -> None:
        """Store a value under the key read just before it."""
        key, key_line, key_col, merge = frame.key
        frame.key = None
        container = frame.value
        if merge:
            frame.merges.append((value, (line, col)))
        elif key in container.places:
            first = container.places[key][0]
            self.errors.append(YamlError((key_line, key_col), f"duplicate key '{key}' (first defined on line "
                                                              f"{first}); the second would silently replace the first"))
        else:
            container[key] = value
            container.places[key] = (key_line, key_col, line, col)

    def merge(self, target: YMap, merges) -> None:
        """`<<: *defaults` fills in keys the mapping does not give itself."""
        for value, pos in merges:
            sources = value if isinstance(value, YSeq) else [value]
            for source in sources:
                if not isinstance(source, YMap):
                    raise YamlError(pos, "'<<' must merge a mapping")
                for key, item in source.items():
                    if key not in target:
                        target[key] = item
                        target.places[key] = source.places[key]

    def scalar(self, event):
        tag = event.tag
        if tag is None or tag == "!":
            if event.style or tag == "!" or not event.implicit[0]:
                return event.value  # quoted, block or explicitly non-specific: text
            for resolved, pattern in _CORE.items():
                if pattern.match(event.value):
                    if resolved == _INT:
                        _check_digits(event)
                    return getattr(_scalars, _SCALAR_TAGS[resolved])(ScalarNode(resolved, event.value))
            return event.value
        if tag == _STR:
            return event.value
        method = _SCALAR_TAGS.get(tag)
        if method is None:
            return self.forbidden(event)
        if tag == _INT:  # only what the core schema writes: no 1:20:00 (sexagesimal), no 1_000
            if not _CORE[_INT].match(event.value):
                raise YamlError(_pos(event), "'!!int' must be a whole number written in digits")
            _check_digits(event)
        try:
            return getattr(_scalars, method)(ScalarNode(tag, event.value))
        except (ConstructorError, ValueError):
            raise YamlError(_pos(event), f"cannot read {event.value!r} as {tag.rsplit(':', 1)[-1]}") from None

    def forbidden(self, event) -> None:
        tag = event.tag.replace("tag:yaml.org,2002:", "!!")
        self.errors.append(YamlError(_pos(event), f"tag '{tag}' is not allowed in a story (only plain YAML data)"))
        return None
