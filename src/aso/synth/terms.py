"""Term AST shared by the synthesizer, the evaluator, the Z3 encoding and the hints code.

A term is one of three frozen (hashable) node types::

    Var("fee_amount")                 a variable (state variable, parameter, or `result`)
    Const(10000) / Const(True)        an integer or boolean constant
    App("safe_div", (t1, t2))         an operator applied to argument terms

Grammar non-terminals are also represented by `Var` nodes while a production is parsed; the
grammar module tells them apart by name. S-expressions follow SMT-LIB/SyGuS syntax: `(op a b)`,
integer literals (`-3` or `(- 3)`), `true`/`false`, and `let` (expanded on reading, as solvers
print it). Not handled: `_` indexed identifiers, strings, bit-vectors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from aso.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Var:
    """A variable reference by name."""

    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Const:
    """An integer or boolean constant. `Const(True) != Const(1)` (Python's `True == 1` is not used)."""

    value: int | bool

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Const) and type(self.value) is type(other.value)
                and self.value == other.value)

    def __hash__(self) -> int:
        return hash((isinstance(self.value, bool), self.value))


@dataclass(frozen=True, slots=True)
class App:
    """An operator application `(op args...)`. Its hash is computed once (terms are dictionary keys
    everywhere: caches, banks, observational equivalence); pickling recomputes it."""

    op: str
    args: tuple[Term, ...]
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.op, self.args)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple:
        return App, (self.op, self.args)


Term = Var | Const | App


class ParseError(ConfigError):
    """An S-expression or infix expression could not be parsed; the message quotes the offending text."""


_TOKEN = re.compile(r"\s*(?:(\()|(\))|([^\s()]+))")
_INT = re.compile(r"^-?\d+$")


def tokenize(text: str) -> list[str]:
    """Split S-expression text into `(`, `)` and atom tokens (`;` comments dropped)."""
    text = re.sub(r";[^\n]*", "", text)
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise ParseError(f"cannot tokenize S-expression at {text[pos:pos + 30]!r} in {text!r}")
        tokens.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return tokens


def parse_sexpr_tree(text: str) -> list | str:
    """Parse one S-expression into nested Python lists of atom strings (no interpretation)."""
    tokens = tokenize(text)
    if not tokens:
        raise ParseError(f"empty S-expression: {text!r}")
    tree, end = _read(tokens, 0, text)
    if end != len(tokens):
        raise ParseError(f"trailing text after S-expression in {text!r}")
    return tree


def parse_sexpr_forms(text: str) -> list[list | str]:
    """Parse a whole file of S-expressions (e.g. a SyGuS `.sl` file) into a list of trees."""
    tokens = tokenize(text)
    forms: list[list | str] = []
    pos = 0
    while pos < len(tokens):
        tree, pos = _read(tokens, pos, text)
        forms.append(tree)
    return forms


def _read(tokens: list[str], pos: int, text: str) -> tuple[list | str, int]:
    if pos >= len(tokens):
        raise ParseError(f"unexpected end of S-expression in {text[:200]!r}")
    tok = tokens[pos]
    if tok == ")":
        raise ParseError(f"unbalanced ')' in {text[:200]!r}")
    if tok != "(":
        return tok, pos + 1
    items: list[list | str] = []
    pos += 1
    while True:
        if pos >= len(tokens):
            raise ParseError(f"missing ')' in {text[:200]!r}")
        if tokens[pos] == ")":
            return items, pos + 1
        item, pos = _read(tokens, pos, text)
        items.append(item)


def tree_to_term(tree: list | str, text: str = "") -> Term:
    """Interpret a parsed S-expression tree as a `Term`."""
    if isinstance(tree, str):
        if _INT.match(tree):
            return Const(int(tree))
        if tree == "true":
            return Const(True)
        if tree == "false":
            return Const(False)
        return Var(tree)
    if not tree:
        raise ParseError(f"empty application '()' in {text or tree!r}")
    head = tree[0]
    if not isinstance(head, str):
        raise ParseError(f"operator must be a symbol, got {head!r} in {text or tree!r}")
    if len(tree) == 1:  # `(f)`: a call of a nullary function, the same as `f`
        return Var(head)
    if head == "let" and len(tree) == 3 and isinstance(tree[1], list):  # solver output uses let
        bindings = {b[0]: tree_to_term(b[-1], text) for b in tree[1]  # (x v), or (x Sort v) in SyGuS v1
                    if isinstance(b, list) and len(b) in (2, 3)}
        return substitute(tree_to_term(tree[2], text), bindings)
    args = tuple(tree_to_term(a, text) for a in tree[1:])
    if head == "-" and len(args) == 1 and isinstance(args[0], Const) and not isinstance(args[0].value, bool):
        return Const(-args[0].value)
    return App(head, args)


def parse_sexpr(text: str) -> Term:
    """Parse an S-expression string such as `(safe_div (* a b) 10000)` into a `Term`.

    Raises `ParseError` (a `ConfigError`) naming the offending text.
    """
    if not isinstance(text, str):
        raise ParseError(f"expected an S-expression string, got {type(text).__name__}: {text!r}")
    return tree_to_term(parse_sexpr_tree(text), text)


def to_sexpr(term: Term) -> str:
    """Render a term as an S-expression (negative integers as `(- n)`, SMT-LIB style)."""
    if isinstance(term, Var):
        return term.name
    if isinstance(term, Const):
        if isinstance(term.value, bool):
            return "true" if term.value else "false"
        return str(term.value) if term.value >= 0 else f"(- {-term.value})"
    return "(" + " ".join([term.op, *(to_sexpr(a) for a in term.args)]) + ")"


def term_size(term: Term) -> int:
    """Number of AST nodes (operators, variables and constants)."""
    if isinstance(term, App):
        return 1 + sum(term_size(a) for a in term.args)
    return 1


def term_depth(term: Term) -> int:
    """Depth of the tree: a leaf has depth 1, `(op leaf leaf)` has depth 2."""
    if isinstance(term, App):
        return 1 + max((term_depth(a) for a in term.args), default=0)
    return 1


def subterms(term: Term) -> Iterator[Term]:
    """Yield every subterm, the term itself first (pre-order)."""
    yield term
    if isinstance(term, App):
        for a in term.args:
            yield from subterms(a)


def variables(term: Term) -> set[str]:
    """Names of the variables occurring in a term."""
    return {t.name for t in subterms(term) if isinstance(t, Var)}


def substitute(term: Term, mapping: dict[str, Term]) -> Term:
    """Replace variables by terms (simultaneously)."""
    if isinstance(term, Var):
        return mapping.get(term.name, term)
    if isinstance(term, App):
        return App(term.op, tuple(substitute(a, mapping) for a in term.args))
    return term


def count_op(term: Term, ops: frozenset[str] | set[str]) -> int:
    """Number of applications of any operator in `ops`."""
    return sum(1 for t in subterms(term) if isinstance(t, App) and t.op in ops)


def op_nesting(term: Term, ops: frozenset[str] | set[str]) -> int:
    """Deepest nesting of operators in `ops` along any root-to-leaf path (0 when none occur)."""
    if not isinstance(term, App):
        return 0
    inner = max((op_nesting(a, ops) for a in term.args), default=0)
    return inner + (1 if term.op in ops else 0)
