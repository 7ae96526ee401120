"""What every kind of condition, effect and text block has in common.

A kind is one class that owns all of its behaviour. The compiler, checker,
explorer, graph, cache and schema generator ask the kind; none of them
switches on types. Each family keeps a `Table` from YAML keys to kinds
(`conditions.TABLE`, `effects.TABLE`, `text.TABLE`), and registering a class
in its table is all it takes for every tool to know it.

Every kind provides (see the families' modules for the exact signatures):

    key / keys      the YAML key(s) that select it; `tag` names it in the cache
    build(b, ...)   from YAML values, through the compiler's builder `b`
                    (duck-typed: the core imports nothing of YAML)
    holds / apply / render     what it does in a run
    uses()          the names it reads and writes, with positions
    describe()      a few words for a map
    encode(enc) / decode(dec, data)    its cached form
    schema()        its JSON Schema fragment (docs and editors)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

NAME_KINDS = ("flag", "item", "counter")  # one namespace: a name is one of these
KIND_WORDS = {"flag": "a flag", "item": "an item", "counter": "a counter", "scene": "a scene"}

# What a Use does with its name
DEFINE = "define"  # a scene written down
READ = "read"
WRITE = "write"  # set, give, add, initial value
TOUCH = "touch"  # clear, take: changes it without making it exist


class Where(NamedTuple):
    """Where something was written: file (as shown to the user) and position."""

    file: str
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Use:
    """One mention of a name: a scene, flag, item or counter."""

    kind: str
    name: str
    op: str
    where: Where
    via: str = ""  # the key that mentions it, where that says more than the kind (visited, start)


class Table:
    """The kinds of one family, by YAML key and by cache tag, in the order
    they were registered (which is also the order effects apply in)."""

    def __init__(self, family: str):
        self.family = family
        self.by_key: dict[str, type] = {}
        self.by_tag: dict[str, type] = {}
        self.kinds: list[type] = []

    def __call__(self, cls: type) -> type:
        for key in getattr(cls, "keys", None) or (cls.key,):
            if key in self.by_key:
                raise ValueError(f"{self.family} key '{key}' is registered twice")
            self.by_key[key] = cls
        if cls.tag in self.by_tag:
            raise ValueError(f"{self.family} tag '{cls.tag}' is registered twice")
        self.by_tag[cls.tag] = cls
        self.kinds.append(cls)
        return cls

    def also(self, cls: type) -> type:
        """A kind another kind's key builds (`set: {trust: 2}` sets a counter
        where `set: alarm` sets a flag): known by its cache tag only."""
        if cls.tag in self.by_tag:
            raise ValueError(f"{self.family} tag '{cls.tag}' is registered twice")
        self.by_tag[cls.tag] = cls
        self.kinds.append(cls)
        return cls

    def keys(self) -> tuple[str, ...]:
        return tuple(self.by_key)
