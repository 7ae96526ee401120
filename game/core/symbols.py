"""The symbol table: every name in a story, its kind, where it is first
defined, and every use. Built once when the story is compiled, kept in the
compiled cache, and read by the checker, the command line (`--set`,
`--give`) and the authoring tools, so a cold and a cached load report the
same positions.

Scenes have their own namespace; flags, items and counters share one (a
name used as two of them is an error the checker reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from game.core.kinds import DEFINE, NAME_KINDS, WRITE, Use, Where


@dataclass(frozen=True, slots=True)
class Symbol:
    kind: str  # scene / flag / item / counter
    name: str
    where: Where  # where it is defined: the scene, or the first write (else first use)
    uses: tuple[Use, ...]

    def written(self) -> bool:
        return any(u.op in (WRITE, DEFINE) for u in self.uses)


class Symbols:
    """Uses in story order (the manifest first, then scenes file by file).

    `uses` may be a function that returns them: a story read from the cache
    (already validated) builds its table only when something asks, so
    playing a cached story never pays for it."""

    def __init__(self, uses: Iterable[Use] | Callable[[], Iterable[Use]]):
        self.save_names = None  # the codec's sets of valid names, made when first needed
        self._source = uses if callable(uses) else None
        if self._source is None:
            self._build(uses)

    def __getattr__(self, name: str):
        # only reached for the attributes `_build` sets, before it has run
        source = self.__dict__.get("_source")
        if name.startswith("__") or source is None:
            raise AttributeError(name)
        self._source = None
        self._build(source())
        return getattr(self, name)

    def _build(self, uses: Iterable[Use]) -> None:
        self.uses: tuple[Use, ...] = tuple(uses)
        grouped: dict[tuple[str, str], list[Use]] = {}
        self._first_kind: dict[str, str] = {}
        for use in self.uses:
            grouped.setdefault((use.kind, use.name), []).append(use)
            if use.kind in NAME_KINDS and use.via != "text":
                self._first_kind.setdefault(use.name, use.kind)
        for use in self.uses:  # a name only ever shown in text ({trust}) is what the text says
            if use.kind in NAME_KINDS:
                self._first_kind.setdefault(use.name, use.kind)
        self.table: dict[tuple[str, str], Symbol] = {}
        for (kind, name), found in grouped.items():
            defining = next((u for u in found if u.op in (WRITE, DEFINE)), found[0])
            self.table[(kind, name)] = Symbol(kind, name, defining.where, tuple(found))

    def kind_of(self, name: str) -> str | None:
        """flag, item or counter: what the name was first used as."""
        return self._first_kind.get(name)

    def names(self, kind: str) -> list[str]:
        return [name for (k, name) in self.table if k == kind]

    def get(self, kind: str, name: str) -> Symbol | None:
        return self.table.get((kind, name))

    def __iter__(self) -> Iterator[Symbol]:
        return iter(self.table.values())

    def __len__(self) -> int:
        return len(self.table)
