"""Expressions as data: `trust + 1`, `heat >= trust and not alarm`,
`clamp(trust - 2, 0, 5)`, `has keycard`, `visited vault`.

Parsed once, at load, by a small recursive-descent parser into a tree of
immutable nodes; evaluated by walking the tree. Nothing is ever handed to
Python's `eval`. A bare name is a counter where a number is wanted and a
flag where a truth is wanted (its kind is checked against the rest of the
story like any other use). Numbers saturate at +/-2**53, so no expression
can make a value a save could not hold, and `x // 0` is 0.

Grammar (lowest precedence first):

    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "//") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | "true" | "false" | NAME | "has" NAME | "visited" NAME
             | ("min" | "max" | "clamp") "(" or ("," or)* ")" | "(" or ")"
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, NamedTuple

from game.core.kinds import READ, Use, Where

if TYPE_CHECKING:  # pragma: no cover
    from game.core.state import State

LIMIT = 2**53
MAX_LENGTH = 500  # characters in one expression
MAX_DEPTH = 32  # nesting
NUM, BOOL = "a number", "true or false"
FUNCTIONS = {"min": (2, None), "max": (2, None), "clamp": (3, 3)}
KEYWORDS = ("and", "or", "not", "true", "false", "has", "visited")
COMPARE = ("<", "<=", ">", ">=", "==", "!=")
_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_-]*)|(<=|>=|==|!=|//|[-+*<>(),])|(\S))")


def _sat(n: int) -> int:
    return LIMIT if n > LIMIT else -LIMIT if n < -LIMIT else n


class ExprError(Exception):
    """A mistake in an expression, at a character offset in its text."""

    def __init__(self, offset: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.hint = hint


# -------------------------------------------------------------------- nodes


class Num(NamedTuple):
    value: int
    at: int = 0  # offset in the text (for messages while building)
    kind = NUM

    def eval(self, state):
        return self.value

    def uses(self):
        return iter(())

    def cuts(self):
        return iter(())

    def describe(self) -> str:
        return str(self.value)

    def encode(self, enc):
        return ["n", self.value]


class Truth(NamedTuple):
    value: bool
    at: int = 0
    kind = BOOL

    def eval(self, state):
        return self.value

    def uses(self):
        return iter(())

    def cuts(self):
        return iter(())

    def describe(self) -> str:
        return "true" if self.value else "false"

    def encode(self, enc):
        return ["b", self.value]


class Ref(NamedTuple):
    """A counter (number) or a flag (truth), by where it stands."""

    name: str
    of: str  # "counter" or "flag"
    where: Where

    @property
    def kind(self):
        return NUM if self.of == "counter" else BOOL

    def eval(self, state):
        if self.of == "counter":
            return state.counters.get(self.name, 0)
        return self.name in state.flags

    def uses(self):
        yield Use(self.of, self.name, READ, self.where)

    def cuts(self):
        if self.of == "counter":
            yield self.name, None  # read outside a comparison with a number: every value counts

    def describe(self) -> str:
        return self.name

    def encode(self, enc):
        return ["r", self.name, self.of, enc.where(self.where)]


class Test(NamedTuple):
    """`has NAME` (an item) or `visited NAME` (a scene)."""

    word: str
    name: str
    where: Where
    kind = BOOL

    def eval(self, state):
        return self.name in (state.items if self.word == "has" else state.visits)

    def uses(self):
        yield Use("item" if self.word == "has" else "scene", self.name, READ, self.where,
                  "" if self.word == "has" else "visited")

    def cuts(self):
        return iter(())

    def describe(self) -> str:
        return f"{self.word} {self.name}"

    def encode(self, enc):
        return ["t", self.word, self.name, enc.where(self.where)]


_ARITH = {"+": lambda a, b: _sat(a + b), "-": lambda a, b: _sat(a - b), "*": lambda a, b: _sat(a * b),
          "//": lambda a, b: 0 if b == 0 else _sat(a // b)}
# `counter OP number` holds from a cut on (see Condition.cuts): the values t
# at which `counter >= t` decides it; a number on the left flips the operator.
_CUTS = {">=": lambda k: (k,), ">": lambda k: (k + 1,), "<=": lambda k: (k + 1,), "<": lambda k: (k,),
         "==": lambda k: (k, k + 1), "!=": lambda k: (k, k + 1)}
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}
_CMP = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


class Op(NamedTuple):
    op: str
    args: tuple
    at: int = 0

    @property
    def kind(self):
        if self.op in _ARITH or self.op in FUNCTIONS or self.op == "neg":
            return NUM
        return BOOL

    def eval(self, state):
        op, args = self.op, self.args
        if op == "and":
            return all(a.eval(state) for a in args)
        if op == "or":
            return any(a.eval(state) for a in args)
        if op == "not":
            return not args[0].eval(state)
        if op == "neg":
            return _sat(-args[0].eval(state))
        if op in _ARITH:
            return _ARITH[op](args[0].eval(state), args[1].eval(state))
        if op in _CMP:
            return _CMP[op](args[0].eval(state), args[1].eval(state))
        values = [a.eval(state) for a in args]
        if op == "min":
            return min(values)
        if op == "max":
            return max(values)
        low, high = values[1], values[2]
        return max(low, min(values[0], high))  # clamp

    def uses(self) -> Iterator[Use]:
        for a in self.args:
            yield from a.uses()

    def cuts(self):
        if self.op in _CUTS:
            left, right = self.args
            for counter, number, op in ((left, right, self.op), (right, left, _FLIP[self.op])):
                if getattr(counter, "of", None) == "counter" and type(number) is Num:
                    for cut in _CUTS[op](number.value):
                        yield counter.name, cut
                    return
        for a in self.args:
            yield from a.cuts()

    def describe(self) -> str:
        if self.op in FUNCTIONS:
            return f"{self.op}({', '.join(a.describe() for a in self.args)})"
        if self.op == "not":
            return f"not {self.args[0].describe()}"
        if self.op == "neg":
            return f"-{self.args[0].describe()}"
        inner = f" {self.op} ".join(a.describe() for a in self.args)
        return f"({inner})" if self.op in ("and", "or") else inner

    def encode(self, enc):
        return ["o", self.op, [a.encode(enc) for a in self.args]]


def decode(dec, data):
    """A node from the compiled cache (strictly: anything odd raises)."""
    tag = data[0]
    if tag == "n" and type(data[1]) is int:
        return Num(data[1])
    if tag == "b" and type(data[1]) is bool:
        return Truth(data[1])
    if tag == "r" and data[2] in ("counter", "flag"):
        return Ref(dec.str(data[1]), data[2], dec.where(data[3]))
    if tag == "t" and data[1] in ("has", "visited"):
        name = dec.str(data[2])
        if data[1] == "visited":
            dec.scene(name)
        return Test(data[1], name, dec.where(data[3]))
    if tag == "o" and (data[1] in _ARITH or data[1] in _CMP or data[1] in FUNCTIONS
                       or data[1] in ("and", "or", "not", "neg")):
        return Op(data[1], tuple(decode(dec, a) for a in dec.list(data[2])))
    raise ValueError("unknown expression node")


# ------------------------------------------------------------------- parsing


class _Untyped(NamedTuple):
    """A bare name before its context says what it is."""

    name: str
    offset: int


def parse(text: str, where_of) -> object:
    """The typed tree of `text`. `where_of(offset)` gives the Where of a
    character (for names). Raises ExprError."""
    if len(text) > MAX_LENGTH:
        raise ExprError(0, f"an expression is at most {MAX_LENGTH} characters")
    tokens = []
    for match in _TOKEN.finditer(text):
        if match.group(4):
            raise ExprError(match.start(4), f"'{match.group(4)}' has no meaning in an expression",
                            "numbers, names, + - * // ( ) < <= > >= == !=, and, or, not, has, visited")
        kind = "num" if match.group(1) else "name" if match.group(2) else "op"
        tokens.append((kind, match.group(match.lastindex), match.start(match.lastindex)))
    if not tokens:
        raise ExprError(0, "the expression is empty")
    parser = _Parser(tokens, len(text), where_of)
    tree = parser.or_()
    if parser.i < len(tokens):
        kind, value, offset = tokens[parser.i]
        raise ExprError(offset, f"unexpected '{value}'",
                        "join conditions with 'and' or 'or'" if kind == "name" else None)
    return tree


def typed(tree, want: str, where_of):
    """The tree with every bare name resolved by what its place wants, or
    ExprError where a number stands for a truth or the other way round."""
    return _type(tree, want, where_of)


def _type(node, want: str, where_of):
    if type(node) is _Untyped:
        return Ref(node.name, "counter" if want == NUM else "flag", where_of(node.offset))
    if type(node) is Op:
        op = node.op
        if op in ("and", "or", "not"):
            args = tuple(_type(a, BOOL, where_of) for a in node.args)
        elif op in ("==", "!="):
            # two truths or two numbers: a side that is plainly a truth decides
            side = BOOL if any(type(a) is not _Untyped and a.kind == BOOL for a in node.args) else NUM
            args = tuple(_type(a, side, where_of) for a in node.args)
        else:
            args = tuple(_type(a, NUM, where_of) for a in node.args)
        node = Op(op, args, node.at)
    got = node.kind
    if got != want:
        raise ExprError(_offset(node), f"'{node.describe()}' is {got}, but {want} is wanted here"
                        + (" (compare it: 'x > 0')" if want == BOOL else ""))
    return node


def _offset(node) -> int:
    where = getattr(node, "at", None)
    return where if type(where) is int else 0


class _Parser:
    def __init__(self, tokens, length: int, where_of):
        self.tokens = tokens
        self.i = 0
        self.length = length
        self.where_of = where_of
        self.depth = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None, self.length)

    def take(self, value=None):
        kind, got, offset = self.peek()
        if kind is None:
            raise ExprError(self.length, "the expression ends too soon" + (f": '{value}' expected" if value else ""))
        if value is not None and got != value:
            raise ExprError(offset, f"'{value}' expected, not '{got}'")
        self.i += 1
        return kind, got, offset

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(self.peek()[2], f"the expression is nested more than {MAX_DEPTH} deep")

    def or_(self):
        self.nest()
        start = self.peek()[2]
        items = [self.and_()]
        while self.peek()[1] == "or":
            self.take()
            items.append(self.and_())
        self.depth -= 1
        return items[0] if len(items) == 1 else Op("or", tuple(items), start)

    def and_(self):
        start = self.peek()[2]
        items = [self.not_()]
        while self.peek()[1] == "and":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else Op("and", tuple(items), start)

    def not_(self):
        if self.peek()[1] == "not" and self.peek()[0] == "name":
            at = self.take()[2]
            self.nest()
            inner = self.not_()
            self.depth -= 1
            return Op("not", (inner,), at)
        return self.compare()

    def compare(self):
        start = self.peek()[2]
        left = self.sum()
        kind, value, _ = self.peek()
        if kind == "op" and value in COMPARE:
            self.take()
            right = self.sum()
            if self.peek()[1] in COMPARE:
                raise ExprError(self.peek()[2], "compare two things at a time: 'a < b and b < c'")
            return Op(value, (left, right), start)
        return left

    def _chain(self, operand, ops: tuple[str, ...]):
        """Left-associative operators of one precedence: a + b - c."""
        start = self.peek()[2]
        left = operand()
        while self.peek()[0] == "op" and self.peek()[1] in ops:
            _, op, _ = self.take()
            left = Op(op, (left, operand()), start)
        return left

    def sum(self):
        return self._chain(self.product, ("+", "-"))

    def product(self):
        return self._chain(self.unary, ("*", "//"))

    def unary(self):
        if self.peek()[1] == "-" and self.peek()[0] == "op":
            self.take()
            self.nest()
            inner = self.unary()
            self.depth -= 1
            if type(inner) is Num:
                return Num(-inner.value, inner.at)
            return Op("neg", (inner,), inner.at if hasattr(inner, "at") else 0)
        return self.atom()

    def atom(self):
        kind, value, offset = self.take()
        if kind == "num":
            if len(value) > 16:
                raise ExprError(offset, "a number in an expression has at most 16 digits")
            return Num(_sat(int(value)), offset)
        if kind == "op":
            if value == "(":
                inner = self.or_()
                self.take(")")
                return inner
            raise ExprError(offset, f"unexpected '{value}'")
        if value in ("true", "false"):
            return Truth(value == "true", offset)
        if value in ("has", "visited"):
            k, name, at = self.take()
            if k != "name" or name in KEYWORDS:
                raise ExprError(at, f"'{value}' takes a name: '{value} " + ("keycard'" if value == "has" else "vault'"))
            return Test(value, name, self.where_of(at))
        if value in ("and", "or", "not"):
            raise ExprError(offset, f"'{value}' needs something before it")
        if value in FUNCTIONS and self.peek()[1] == "(":
            self.take("(")
            args = [self.or_()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.or_())
            self.take(")")
            low, high = FUNCTIONS[value]
            if len(args) < low or (high is not None and len(args) > high):
                wanted = f"{low}" if low == high else f"at least {low}"
                raise ExprError(offset, f"{value}() takes {wanted} numbers, not {len(args)}")
            return Op(value, tuple(args), offset)
        return _Untyped(value, offset)
