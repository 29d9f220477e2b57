"""Grammars (non-terminals with S-expression productions), derivation checks and style limits.

A production is a `Term` template whose `Var` leaves are either non-terminals of the grammar or
variables of the hole's scope; `(Constant Int)` (SyGuS) lets a non-terminal produce any integer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aso.errors import ConfigError
from aso.synth.ops import ITE_OPS, OPS, Sort, infer_sort
from aso.synth.terms import App, Const, Term, Var, count_op, op_nesting, term_size


@dataclass(frozen=True)
class Grammar:
    """A typed grammar: `productions[nt]` are templates; `Var(nt2)` inside one is a non-terminal."""

    grammar_id: str
    """Identifier referenced by holes (`grammar_id`)."""
    start: str
    """Start non-terminal."""
    productions: dict[str, tuple[Term, ...]]
    """Non-terminal -> production templates, in file order."""
    sorts: dict[str, Sort]
    """Sort of each non-terminal (inferred)."""
    any_constant: frozenset[str] = frozenset()
    """Non-terminals that also derive every integer constant (SyGuS `(Constant Int)`)."""
    extra_constants: tuple[int, ...] = field(default=())
    """Constants tried for `any_constant` non-terminals during enumeration."""

    def is_nonterminal(self, name: str) -> bool:
        """Whether `name` is a non-terminal of this grammar."""
        return name in self.productions

    @property
    def start_sort(self) -> Sort:
        """Sort of the start symbol."""
        return self.sorts[self.start]


def build_grammar(
    grammar_id: str,
    start: str,
    productions: dict[str, list[Term]],
    var_sorts: dict[str, Sort],
    where: str,
    any_constant: frozenset[str] = frozenset(),
    extra_constants: tuple[int, ...] = (),
) -> Grammar:
    """Validate productions (known names, operators, sorts) and infer non-terminal sorts."""
    if start not in productions:
        raise ConfigError(f"{where}: start symbol {start!r} has no productions")
    clash = set(productions) & set(var_sorts)
    if clash:
        raise ConfigError(f"{where}: non-terminals clash with variable names: {sorted(clash)}")
    sorts: dict[str, Sort] = {nt: Sort.INT for nt in any_constant}
    changed = True
    while changed:
        changed = False
        for nt, prods in productions.items():
            if nt in sorts:
                continue
            for prod in prods:
                try:
                    sorts[nt] = infer_sort(prod, {**var_sorts, **sorts})
                    changed = True
                    break
                except ConfigError:
                    continue
    for nt, prods in productions.items():
        for prod in prods:
            if nt not in sorts:  # report the real cause
                infer_sort(prod, {**var_sorts, **sorts}, f"{where}: production {nt}")
            got = infer_sort(prod, {**var_sorts, **sorts}, f"{where}: production {nt}")
            if got != sorts[nt]:
                raise ConfigError(f"{where}: production {nt} mixes sorts {sorts[nt].value} and {got.value}")
    return Grammar(grammar_id, start, {k: tuple(v) for k, v in productions.items()}, sorts,
                   any_constant, extra_constants)


def _canon(op: str) -> str:
    info = OPS.get(op)
    return info.canonical if info else op


def derives(grammar: Grammar, term: Term, nonterminal: str | None = None) -> bool:
    """Whether `term` derives from `nonterminal` (default: the start symbol) of `grammar`.

    Operator aliases (`div`/`safe_div`) are treated as the same operator.
    """
    memo: dict[tuple[str, Term], bool] = {}

    def from_nt(nt: str, t: Term) -> bool:
        key = (nt, t)
        if key in memo:
            return memo[key]
        memo[key] = False  # guards against cycles of unit productions
        ok = (nt in grammar.any_constant and isinstance(t, Const) and not isinstance(t.value, bool)) or any(
            match(p, t) for p in grammar.productions[nt])
        memo[key] = ok
        return ok

    def match(template: Term, t: Term) -> bool:
        if isinstance(template, Var) and grammar.is_nonterminal(template.name):
            return from_nt(template.name, t)
        if isinstance(template, App):
            return (isinstance(t, App) and _canon(t.op) == _canon(template.op)
                    and len(t.args) == len(template.args)
                    and all(match(a, b) for a, b in zip(template.args, t.args, strict=True)))
        return template == t

    return from_nt(nonterminal or grammar.start, term)


@dataclass(frozen=True)
class StyleProfile:
    """Limits and cost weights from a hole file's `style_profile`.

    Interpretation (the format does not define it; this one fits all nine DEX specs and their
    reference solutions): a *branch* is an `ite`; *nesting* is the deepest chain of `ite`s nested
    inside one another; *ast_nodes* counts every operator, variable and constant.
    """

    max_nesting: int | None = None
    """Most nested `ite` levels (None: unlimited)."""
    max_branches: int | None = None
    """Most `ite` nodes."""
    max_ast_nodes: int | None = None
    """Most AST nodes."""
    branch_penalty: int = 0
    """Cost per `ite`."""
    nesting_penalty: int = 0
    """Cost per `ite` level nested inside another `ite`."""
    ast_node_penalty: int = 1
    """Cost per AST node."""


def check_style(style: StyleProfile, term: Term) -> list[str]:
    """Style-limit violations of `term` (empty when it fits)."""
    out = []
    size, branches, nesting = term_size(term), count_op(term, ITE_OPS), op_nesting(term, ITE_OPS)
    if style.max_ast_nodes is not None and size > style.max_ast_nodes:
        out.append(f"{size} AST nodes > max_ast_nodes {style.max_ast_nodes}")
    if style.max_branches is not None and branches > style.max_branches:
        out.append(f"{branches} branches > max_branches {style.max_branches}")
    if style.max_nesting is not None and nesting > style.max_nesting:
        out.append(f"ite nesting {nesting} > max_nesting {style.max_nesting}")
    return out


def style_cost(style: StyleProfile, term: Term) -> int:
    """The objective's cost: weighted AST nodes, branches and extra `ite` nesting levels."""
    nesting = op_nesting(term, ITE_OPS)
    return (style.ast_node_penalty * term_size(term) + style.branch_penalty * count_op(term, ITE_OPS)
            + style.nesting_penalty * max(0, nesting - 1))


def grammar_constants(grammar: Grammar) -> set[int]:
    """Integer constants that appear in the productions."""
    out: set[int] = set()

    def walk(t: Term) -> None:
        if isinstance(t, Const) and not isinstance(t.value, bool):
            out.add(t.value)
        elif isinstance(t, App):
            for a in t.args:
                walk(a)

    for prods in grammar.productions.values():
        for p in prods:
            walk(p)
    return out
