"""YAML with positions: safe, strict about duplicate keys, bounded in cost.

PyYAML's composer (the C one when libyaml is present) builds a node graph;
we construct plain Python values from it ourselves so that:

* every mapping and sequence remembers the line and column of each child,
* a duplicate key is an error instead of silently keeping the last value,
* only the core scalar tags are accepted (no ``!!python/...``, no timestamps
  turning into datetimes, no binary),
* aliases are expanded under a node budget, so an alias bomb costs nothing.

Positions are 1-based (line, column).
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

try:  # libyaml's parser and composer, ~10x faster than the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Pos = tuple[int, int]

# Expanded nodes allowed per file, aliases counted each time they are used.
# Without aliases a node costs at least one character of text, so an honest
# file stays under its length; the slack is for sensible use of anchors.
ALIAS_SLACK = 100_000
MAX_DEPTH = 64  # nesting of mappings and sequences

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null": "construct_yaml_null",
    "tag:yaml.org,2002:bool": "construct_yaml_bool",
    "tag:yaml.org,2002:int": "construct_yaml_int",
    "tag:yaml.org,2002:float": "construct_yaml_float",
}
_PLAIN_AS_STR = {"tag:yaml.org,2002:timestamp"}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_scalars = SafeConstructor()
# YAML 1.2 core schema: only these spellings are booleans and numbers, so a
# label such as `No`, `On` or `1:20` stays text (YAML 1.1 would turn them
# into false, true and 80: the "Norway problem").
_CORE = {
    "tag:yaml.org,2002:bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "tag:yaml.org,2002:int": re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    "tag:yaml.org,2002:float": re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
}

# Characters YAML itself refuses, found here first so the error names the spot.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class YamlError(Exception):
    def __init__(self, pos: Pos, message: str):
        super().__init__(message)
        self.pos = pos
        self.message = message


class YMap(dict):
    """A mapping that knows where it and each of its keys and values stand."""

    __slots__ = ("pos", "key_pos", "val_pos")

    def where(self, key: str) -> Pos:
        return self.val_pos.get(key, self.pos)


class YSeq(list):
    """A sequence that knows where it and each of its items stand."""

    __slots__ = ("pos", "item_pos")

    def where(self, index: int) -> Pos:
        return self.item_pos[index] if index < len(self.item_pos) else self.pos


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
        raise YamlError((line, col), f"control character U+{ord(bad.group()):04X} is not allowed")
    return text


def load(text: str) -> tuple[object, list[YamlError]]:
    """Parse one YAML document into YMap/YSeq/scalars.

    Returns the value and the problems that did not stop the reading
    (duplicate keys, forbidden tags); raises YamlError for those that did.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        ctx = exc.context_mark
        if exc.problem and exc.context and ctx and (ctx.line, ctx.column) != (pos[0] - 1, pos[1] - 1):
            problem += f" ({exc.context} that starts at line {ctx.line + 1}, column {ctx.column + 1})"
        raise YamlError(pos, f"YAML syntax: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError((1, 1), f"YAML: {exc}") from None
    except RecursionError:
        raise YamlError((1, 1), f"YAML nesting is deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    if node is None:
        return None, []
    builder = _Builder(len(text) + ALIAS_SLACK)
    value = builder.build(node, 0)
    return value, builder.errors


class _Builder:
    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.count = 0
        self.active: set[int] = set()
        self.errors: list[YamlError] = []

    def build(self, node, depth: int):
        self.count += 1
        if self.count > self.budget:
            raise YamlError(_pos(node), f"aliases expand this document past {self.budget:,} nodes (an alias bomb?)")
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if depth >= MAX_DEPTH:
            raise YamlError(_pos(node), f"nesting is deeper than {MAX_DEPTH} levels")
        if id(node) in self.active:
            raise YamlError(_pos(node), "an alias refers to the node that contains it")
        self.active.add(id(node))
        try:
            if node.tag not in (_SEQ, _MAP):
                return self.forbidden(node)
            if isinstance(node, SequenceNode):
                return self.sequence(node, depth)
            return self.mapping(node, depth)
        finally:
            self.active.discard(id(node))

    def scalar(self, node: ScalarNode):
        tag = node.tag
        if tag == _STR or tag in _PLAIN_AS_STR:
            return node.value
        method = _SCALAR_TAGS.get(tag)
        if method is None:
            return self.forbidden(node)
        core = _CORE.get(tag)
        if core is not None and not node.style and not core.match(node.value):
            return node.value
        try:
            return getattr(_scalars, method)(node)
        except (ConstructorError, ValueError):
            raise YamlError(_pos(node), f"cannot read {node.value!r} as {tag.rsplit(':', 1)[-1]}") from None

    def forbidden(self, node) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        self.errors.append(YamlError(_pos(node), f"tag '{tag}' is not allowed in a story (only plain YAML data)"))
        return None

    def sequence(self, node: SequenceNode, depth: int) -> YSeq:
        seq = YSeq(self.build(child, depth + 1) for child in node.value)
        seq.pos = _pos(node)
        seq.item_pos = [_pos(child) for child in node.value]
        return seq

    def mapping(self, node: MappingNode, depth: int) -> YMap:
        out = YMap()
        out.pos = _pos(node)
        out.key_pos = {}
        out.val_pos = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if not isinstance(key_node, ScalarNode):
                raise YamlError(_pos(key_node), "a key must be a plain name, not a list or mapping")
            key = key_node.value  # keys stay text: `no:` or `1:` are names here
            if key in out.key_pos:
                first = out.key_pos[key][0]
                self.errors.append(YamlError(_pos(key_node), f"duplicate key '{key}' (first defined on line {first}); the second would silently replace the first"))
                continue
            self.count += 1
            out[key] = self.build(value_node, depth + 1)
            out.key_pos[key] = _pos(key_node)
            out.val_pos[key] = _pos(value_node)
        for merge in merges:  # `<<: *defaults` fills in keys not given explicitly
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                built = self.build(source, depth + 1)
                if not isinstance(built, YMap):
                    raise YamlError(_pos(source), "'<<' must merge a mapping")
                for key, value in built.items():
                    if key not in out:
                        out[key] = value
                        out.key_pos[key] = built.key_pos[key]
                        out.val_pos[key] = built.val_pos[key]
        return out
