"""Persistent maps and sets: what a run accumulates, cheap to change and to save.

A `PMap` (names -> whole numbers) and a `PSet` (names) are immutable. A
change returns a new value that shares all but one path of a small hash trie
(32-way, keyed by crc32 of the name, so the layout is the same in every
process) with the old one: a turn costs the same at choice 10 and at choice
10,000, however many scenes were visited. Each trie node caches its JSON
text, so a save after a choice re-encodes only the path that changed, and
`diff` skips shared subtrees, so an undo record costs what changed.

A map read from a save starts as one flat node (no hashing on load); it is
split into the trie the first time it is changed.
"""

from __future__ import annotations

import json
import zlib
from typing import Iterator, Mapping

_BITS = 5
_MASK = 31
_LEAF_MAX = 24  # entries in a leaf before it splits
_MAX_DEPTH = 6  # 32**6 buckets: deeper leaves just grow
_MISSING = object()


def _hash(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass"))


class _Leaf:
    __slots__ = ("data", "obj", "arr")

    def __init__(self, data: dict):
        self.data = data  # never changed after construction
        self.obj: str | None = None  # cached '"k":v,...'
        self.arr: str | None = None  # cached '"k",...'


class _Branch:
    __slots__ = ("kids", "obj", "arr")

    def __init__(self, kids: tuple):
        self.kids = kids  # 32 children, None for empty
        self.obj: str | None = None
        self.arr: str | None = None


_EMPTY_LEAF = _Leaf({})
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _split(data: dict, depth: int) -> _Branch | _Leaf:
    if len(data) <= _LEAF_MAX or depth >= _MAX_DEPTH:
        return _Leaf(data)
    buckets: list[dict | None] = [None] * 32
    shift = depth * _BITS
    for key, value in data.items():
        i = (_hash(key) >> shift) & _MASK
        bucket = buckets[i]
        if bucket is None:
            buckets[i] = {key: value}
        else:
            bucket[key] = value
    return _Branch(tuple(None if b is None else _split(b, depth + 1) for b in buckets))


def _set(node, key: str, h: int, value, depth: int):
    """A copy of `node` with key set to value (or removed, for _MISSING)."""
    if type(node) is _Leaf:
        data = node.data
        if value is _MISSING:
            if key not in data:
                return node
            data = dict(data)
            del data[key]
            return _Leaf(data)
        if data.get(key, _MISSING) == value:
            return node
        data = dict(data)
        data[key] = value
        if len(data) > _LEAF_MAX and depth < _MAX_DEPTH:
            return _split(data, depth)
        return _Leaf(data)
    i = (h >> (depth * _BITS)) & _MASK
    kid = node.kids[i]
    if kid is None:
        if value is _MISSING:
            return node
        new = _Leaf({key: value})
    else:
        new = _set(kid, key, h, value, depth + 1)
        if new is kid:
            return node
        if type(new) is _Leaf and not new.data:
            new = None
    kids = node.kids[:i] + (new,) + node.kids[i + 1:]
    return _Branch(kids)


def _items(node) -> Iterator[tuple[str, object]]:
    if type(node) is _Leaf:
        yield from node.data.items()
        return
    for kid in node.kids:
        if kid is not None:
            yield from _items(kid)


def _obj(node) -> str:
    text = node.obj
    if text is None:
        if type(node) is _Leaf:
            text = _dumps(node.data)[1:-1]
        else:
            text = ",".join(t for t in (_obj(k) for k in node.kids if k is not None) if t)
        node.obj = text
    return text


def _arr(node) -> str:
    text = node.arr
    if text is None:
        if type(node) is _Leaf:
            text = _dumps(list(node.data))[1:-1]
        else:
            text = ",".join(t for t in (_arr(k) for k in node.kids if k is not None) if t)
        node.arr = text
    return text


def _diff(a, b, depth: int, out: list) -> None:
    """Append (key, value in b or _MISSING) for every key that differs."""
    if a is b:
        return
    if type(a) is _Branch and type(b) is _Branch:
        for x, y in zip(a.kids, b.kids):
            if x is y:
                continue
            _diff(x if x is not None else _EMPTY_LEAF, y if y is not None else _EMPTY_LEAF, depth + 1, out)
        return
    da = a.data if type(a) is _Leaf else dict(_items(a))
    db = b.data if type(b) is _Leaf else dict(_items(b))
    for key, value in db.items():
        if da.get(key, _MISSING) != value:
            out.append((key, value))
    for key in da:
        if key not in db:
            out.append((key, _MISSING))


class PMap(Mapping):
    """An immutable map from names to values (whole numbers in a run)."""

    __slots__ = ("_root", "_len")

    def __init__(self, data: Mapping | None = None):
        data = dict(data) if data else {}
        self._root = _split(data, 0) if len(data) > _LEAF_MAX else _Leaf(data)
        self._len = len(data)

    @classmethod
    def adopt(cls, data: dict) -> PMap:
        """A map over `data`, which the caller hands over and never changes
        (a dict just read from a save): no copy, no hashing until a change."""
        new = cls.__new__(cls)
        new._root, new._len = _Leaf(data), len(data)
        return new

    def _with(self, root, length: int):
        new = self.__class__.__new__(self.__class__)
        new._root, new._len = root, length
        return new

    # -- reading ---------------------------------------------------------
    def _find(self, key: str):
        node = self._root
        if type(node) is _Leaf:
            return node.data.get(key, _MISSING)
        h = _hash(key)
        shift = 0
        while type(node) is _Branch:
            node = node.kids[(h >> shift) & _MASK]
            if node is None:
                return _MISSING
            shift += _BITS
        return node.data.get(key, _MISSING)

    def __getitem__(self, key: str):
        value = self._find(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default=None):
        value = self._find(key)
        return default if value is _MISSING else value

    def __contains__(self, key) -> bool:
        return type(key) is str and self._find(key) is not _MISSING

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in _items(self._root))

    def items(self):
        return list(_items(self._root))

    def values(self):
        return [v for _, v in _items(self._root)]

    def __eq__(self, other) -> bool:
        if isinstance(other, PMap):
            return self._root is other._root or (self._len == other._len and dict(self.items()) == dict(other.items()))
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    # -- changing --------------------------------------------------------
    def set(self, key: str, value) -> PMap:
        old = self._find(key)
        if old is not _MISSING and old == value:
            return self
        root = _set(self._root, key, _hash(key), value, 0)
        return self._with(root, self._len + (old is _MISSING))

    def delete(self, key: str) -> PMap:
        if self._find(key) is _MISSING:
            return self
        root = _set(self._root, key, _hash(key), _MISSING, 0)
        return self._with(root, self._len - 1)

    def changes_to(self, other: PMap) -> list[tuple[str, object]]:
        """(key, value in `other`, or MISSING) for every key that differs:
        what turns this map into `other`. Shared subtrees are skipped."""
        out: list = []
        _diff(self._root, other._root, 0, out)
        return out

    def apply(self, changes) -> PMap:
        result = self
        for key, value in changes:
            result = result.delete(key) if value is MISSING else result.set(key, value)
        return result

    # -- saving ------------------------------------------------------------
    def json_members(self) -> str:
        """The members of a JSON object, without braces; cached per node."""
        return _obj(self._root)


class PSet(PMap):
    """An immutable set of names (flags, choices taken)."""

    __slots__ = ()

    def __init__(self, names=()):
        super().__init__(dict.fromkeys(names, True))

    @classmethod
    def adopt_names(cls, names) -> PSet:
        return cls.adopt(dict.fromkeys(names, True))

    def add(self, name: str) -> PSet:
        return self.set(name, True)

    def discard(self, name: str) -> PSet:
        return self.delete(name)

    def __eq__(self, other) -> bool:
        if isinstance(other, PSet):
            return self._root is other._root or (self._len == other._len and set(self) == set(other))
        if isinstance(other, (set, frozenset)):
            return set(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PSet({sorted(self)!r})"

    def json_items(self) -> str:
        """The items of a JSON array, without brackets; cached per node."""
        return _arr(self._root)


MISSING = _MISSING
EMPTY_MAP = PMap()
EMPTY_SET = PSet()
