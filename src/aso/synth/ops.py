"""The operator table: names, arities, sorts and the canonical name each alias stands for.

Division semantics (used identically by the evaluator, the Z3 encoding and the SyGuS export):
`div`/`safe_div` is SMT-LIB *Euclidean* division made total with `x div 0 = 0`; `mod` is the
Euclidean remainder made total with `x mod 0 = x` (so `x = y*(x div y) + x mod y` always holds).
The ESSO hole files name cvc5/SyGuS as their backend, so SMT-LIB semantics are the ones the spec
authors' solver used; on the non-negative operands the specs intend, Euclidean, floor and
truncating division all coincide. Python's `//` floors and differs on negative divisors: the
evaluator does not use it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from aso.errors import ConfigError
from aso.synth.terms import Const, Term, Var


class Sort(Enum):
    """The two sorts of the LIA fragment we handle."""

    INT = "Int"
    BOOL = "Bool"


@dataclass(frozen=True)
class OpInfo:
    """Signature of one operator."""

    canonical: str
    """Name of the semantics it uses (aliases such as `safe_div` map to `div`)."""
    min_arity: int
    """Fewest arguments."""
    max_arity: int | None
    """Most arguments (None: n-ary)."""
    arg_sort: Sort | None
    """Sort of every argument (None: `ite`/`=`, checked specially)."""
    result_sort: Sort | None
    """Result sort (None: the sort of the branches, for `ite`)."""
    commutative: bool = False
    """Whether argument order does not matter (used for symmetry breaking)."""


_I, _B = Sort.INT, Sort.BOOL
OPS: dict[str, OpInfo] = {
    "+": OpInfo("+", 1, None, _I, _I, True),
    "-": OpInfo("-", 1, None, _I, _I),
    "*": OpInfo("*", 2, None, _I, _I, True),
    "div": OpInfo("div", 2, 2, _I, _I),
    "safe_div": OpInfo("div", 2, 2, _I, _I),
    "div_total": OpInfo("div", 2, 2, _I, _I),  # cvc5 prints its total division so
    "mod_total": OpInfo("mod", 2, 2, _I, _I),
    "/": OpInfo("div", 2, 2, _I, _I),
    "mod": OpInfo("mod", 2, 2, _I, _I),
    "abs": OpInfo("abs", 1, 1, _I, _I),
    "min": OpInfo("min", 2, 2, _I, _I, True),
    "max": OpInfo("max", 2, 2, _I, _I, True),
    "ite": OpInfo("ite", 3, 3, None, None),
    "<=": OpInfo("<=", 2, 2, _I, _B),
    "<": OpInfo("<", 2, 2, _I, _B),
    ">=": OpInfo(">=", 2, 2, _I, _B),
    ">": OpInfo(">", 2, 2, _I, _B),
    "=": OpInfo("=", 2, 2, None, _B, True),
    "==": OpInfo("=", 2, 2, None, _B, True),
    "!=": OpInfo("distinct", 2, 2, None, _B, True),
    "distinct": OpInfo("distinct", 2, 2, None, _B, True),
    "and": OpInfo("and", 1, None, _B, _B, True),
    "or": OpInfo("or", 1, None, _B, _B, True),
    "not": OpInfo("not", 1, 1, _B, _B),
    "=>": OpInfo("=>", 2, 2, _B, _B),
    "xor": OpInfo("xor", 2, 2, _B, _B, True),
}

ITE_OPS = frozenset({"ite"})


@dataclass(frozen=True)
class DefinedFun:
    """A SyGuS `define-fun` kept as an operator (grammars may use it: `(qm Start Start)`)."""

    params: tuple[str, ...]
    """Formal parameter names."""
    param_sorts: tuple[Sort, ...]
    """Their sorts."""
    result_sort: Sort
    """Result sort."""
    body: Term
    """Body over the formal parameters (other defined functions already inlined)."""


DEFINED: dict[str, DefinedFun] = {}
"""Defined functions known to the evaluator and the Z3 encoding (set per problem by the SyGuS reader
and, for candidate bodies, by the general CEGIS loop; one problem is solved at a time per process)."""


def define_fun(name: str, fun: DefinedFun) -> None:
    """Register (or replace) a defined function."""
    DEFINED[name] = fun


def op_info(op: str, where: str = "") -> OpInfo:
    """Look up an operator; unknown operators are a `ConfigError` naming the place."""
    info = OPS.get(op)
    if info is None:
        raise ConfigError(f"{where}: unknown operator {op!r} (known: {', '.join(sorted(OPS))})")
    return info


def infer_sort(term: Term, env: dict[str, Sort], where: str = "") -> Sort:
    """Sort of a term given variable sorts; raises `ConfigError` on unknown names, arity or sort errors."""
    if isinstance(term, Const):
        return _B if isinstance(term.value, bool) else _I
    if isinstance(term, Var):
        if term.name not in env:
            raise ConfigError(f"{where}: unknown variable {term.name!r}")
        return env[term.name]
    if term.op in DEFINED and term.op not in OPS:
        fun = DEFINED[term.op]
        if len(term.args) != len(fun.params):
            raise ConfigError(f"{where}: function {term.op!r} given {len(term.args)} arguments")
        for a, want in zip(term.args, fun.param_sorts, strict=True):
            if infer_sort(a, env, where) != want:
                raise ConfigError(f"{where}: function {term.op!r} expects {want.value} arguments")
        return fun.result_sort
    info = op_info(term.op, where)
    n = len(term.args)
    if n < info.min_arity or (info.max_arity is not None and n > info.max_arity):
        raise ConfigError(f"{where}: operator {term.op!r} given {n} arguments")
    sorts = [infer_sort(a, env, where) for a in term.args]
    if info.canonical == "ite":
        if sorts[0] != _B or sorts[1] != sorts[2]:
            raise ConfigError(f"{where}: ill-sorted ite {sorts}")
        return sorts[1]
    if info.arg_sort is None:
        if sorts[0] != sorts[1]:
            raise ConfigError(f"{where}: {term.op!r} compares {sorts[0].value} with {sorts[1].value}")
        return _B
    for s in sorts:
        if s != info.arg_sort:
            raise ConfigError(f"{where}: operator {term.op!r} expects {info.arg_sort.value} arguments")
    assert info.result_sort is not None
    return info.result_sort
