"""Single-invocation SyGuS problems as `HoleProblem`s, for the hole engine (`aso.synth.cegis`).

The file is read by `aso.synth.sygus_spec`; this module keeps the problems where one function is
called as `(f v1 ... vn)` over distinct declared variables, the shape of a hole. Everything else
(several `synth-fun`s, calls with different arguments, invariants) is solved by
`aso.synth.sygus_solver`; `load_sygus` says so in a `ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aso.errors import ConfigError
from aso.synth.grammar import Grammar, StyleProfile
from aso.synth.kernel import HOLE, VarDecl
from aso.synth.ops import Sort, infer_sort
from aso.synth.problem import Conjunct, HoleProblem
from aso.synth.sygus_spec import load_sygus_spec
from aso.synth.terms import (
    App,
    Const,
    Term,
    Var,
    substitute,
)


@dataclass(frozen=True)
class SygusProblem:
    """A parsed SyGuS problem and its translation to a `HoleProblem`."""

    path: Path
    """Source file."""
    logic: str
    """`set-logic` value."""
    fun_name: str
    """Name of the function to synthesize."""
    params: tuple[tuple[str, Sort], ...]
    """Formal parameters."""
    sort: Sort
    """Return sort."""
    problem: HoleProblem
    """The problem over the declared variables (the call's arguments)."""
    actuals: tuple[str, ...]
    """Declared variables the function is applied to, aligned with `params`."""

    def to_formals(self, term: Term) -> Term:
        """A solution over the declared variables rewritten over the formal parameters."""
        return substitute(term, {a: Var(p) for a, (p, _) in zip(self.actuals, self.params, strict=True)})

    def define_fun(self, term: Term) -> str:
        """The solution as SyGuS `(define-fun ...)`."""
        from aso.synth.terms import to_sexpr

        params = " ".join(f"({p} {s.value})" for p, s in self.params)
        return f"(define-fun {self.fun_name} ({params}) {self.sort.value} {to_sexpr(self.to_formals(term))})"


def load_sygus(path: str | Path) -> SygusProblem:
    """Parse a single-invocation SyGuS-IF `.sl` file into a `HoleProblem` (errors name file and construct).

    The file is read by `aso.synth.sygus_spec.load_sygus_spec` (its defined functions are registered
    for evaluation); general problems go to `aso.synth.sygus_solver` instead.
    """
    spec = load_sygus_spec(path)
    path = spec.path
    if len(spec.funs) != 1:
        raise ConfigError(f"{path}: several synth-fun commands are not supported by the hole-problem path "
                          "(aso.synth.sygus_solver handles them)")
    fun = spec.funs[0]
    spec.register()
    name, params, sort = fun.name, list(fun.params), fun.sort
    declared = dict(spec.variables)
    arg_lists = {t.args for t in spec.calls()}
    if len(arg_lists) != 1:
        raise ConfigError(f"{path}: {name} is invoked with {len(arg_lists)} different argument lists; "
                          "only single-invocation problems are supported here (aso.synth.sygus_solver "
                          "handles the others)")
    args = next(iter(arg_lists))
    if not all(isinstance(a, Var) and a.name in declared for a in args) or len({*args}) != len(args):
        raise ConfigError(f"{path}: {name} must be applied to distinct declared variables, got {args}")
    actuals = tuple(a.name for a in args)  # type: ignore[union-attr]
    rename = {p: Var(a) for (p, _), a in zip(params, actuals, strict=True)}
    g = fun.grammar
    grammar: Grammar = Grammar(g.grammar_id, g.start, {nt: tuple(substitute(p, rename) for p in ps)
                                                       for nt, ps in g.productions.items()},
                               g.sorts, g.any_constant, g.extra_constants)
    post = []
    for i, c in enumerate(spec.constraints):
        term = substitute_calls(c, name, Var(HOLE))
        infer_sort(term, {**declared, HOLE: sort}, f"{path}: constraint {i}")
        post.append(Conjunct(f"constraint {i}", term))
    pre: Term = App("and", spec.assumes) if spec.assumes else Const(True)
    variables = tuple(VarDecl(v, s) for v, s in declared.items())
    problem = HoleProblem(f"{path.stem}:{name}", variables, pre, tuple(post), grammar, StyleProfile(), sort,
                          (("result", Var(HOLE)),), minimize_cost=False)
    return SygusProblem(path, spec.logic, name, tuple(params), sort, problem, actuals)


def substitute_calls(term: Term, fun: str, replacement: Term) -> Term:
    """Replace every application of `fun` by `replacement`."""
    if isinstance(term, App):
        if term.op == fun:
            return replacement
        return App(term.op, tuple(substitute_calls(a, fun, replacement) for a in term.args))
    return term
