"""Translate a hole's verification condition into a SyGuS-IF v2 problem (for cvc5 and other solvers).

The function to synthesize takes every input variable of the hole; its grammar is the hole's grammar;
the single constraint is `(=> pre post)` with the hole replaced by a call. Division keeps our
semantics exactly: every `div`/`safe_div` is written as `safe_div`, defined as
`(ite (= b 0) 0 (div a b))` (SMT-LIB `div` is Euclidean, like ours); `mod`, `min`, `max` likewise
become defined functions. Style limits (AST nodes, branches, nesting) have no SyGuS counterpart and
are not exported, so a SyGuS solver searches a larger space than ours.
"""

from __future__ import annotations

from aso.synth.kernel import HOLE
from aso.synth.ops import OPS
from aso.synth.problem import HoleProblem
from aso.synth.terms import App, Const, Term, Var, substitute, subterms

_DEFS = {
    "safe_div": "(define-fun safe_div ((a Int) (b Int)) Int (ite (= b 0) 0 (div a b)))",
    "safe_mod": "(define-fun safe_mod ((a Int) (b Int)) Int (ite (= b 0) a (mod a b)))",
    "imin": "(define-fun imin ((a Int) (b Int)) Int (ite (<= a b) a b))",
    "imax": "(define-fun imax ((a Int) (b Int)) Int (ite (>= a b) a b))",
}
_RENAME = {"div": "safe_div", "mod": "safe_mod", "min": "imin", "max": "imax"}


def _render(term: Term, used: set[str]) -> str:
    if isinstance(term, Var):
        return term.name
    if isinstance(term, Const):
        if isinstance(term.value, bool):
            return "true" if term.value else "false"
        return str(term.value) if term.value >= 0 else f"(- {-term.value})"
    info = OPS.get(term.op)
    name = info.canonical if info else term.op
    name = _RENAME.get(name, name)
    if name in _DEFS:
        used.add(name)
    return "(" + " ".join([name, *(_render(a, used) for a in term.args)]) + ")"


def to_sygus(problem: HoleProblem, fun_name: str = "hole", logic: str = "ALL") -> str:
    """SyGuS-IF v2 text for `problem` (see the module docstring)."""
    used: set[str] = set()
    params = " ".join(f"({v.id} {v.sort.value})" for v in problem.variables)
    names = " ".join(v.id for v in problem.variables)
    call = Var(f"({fun_name} {names})") if problem.variables else Var(fun_name)
    g = problem.grammar
    order = [g.start] + [nt for nt in g.productions if nt != g.start]
    decl = " ".join(f"({nt} {g.sorts[nt].value})" for nt in order)
    rules = []
    for nt in order:
        alts = [_render(p, used) for p in g.productions[nt]]
        if nt in g.any_constant:
            alts.append(f"(Constant {g.sorts[nt].value})")
        rules.append(f"  ({nt} {g.sorts[nt].value} ({' '.join(alts)}))")
    pre = _render(problem.pre, used)
    post = _render(substitute(problem.post_term, {HOLE: call}), used)
    lines = [f"; {problem.name} exported by aso.synth.sygus_export", f"(set-logic {logic})"]
    body = [f"(synth-fun {fun_name} ({params}) {problem.result_sort.value}",
            f"  ({decl})", "  (" + "\n".join(rules).lstrip() + "))"]
    body += [f"(declare-var {v.id} {v.sort.value})" for v in problem.variables]
    body += [f"(constraint (=> {pre} {post}))", "(check-synth)"]
    lines += [_DEFS[d] for d in sorted(used)]
    return "\n".join(lines + body) + "\n"


def uses_nonlinear(problem: HoleProblem) -> bool:
    """Whether any product of two non-constant terms occurs (the problem is outside LIA)."""
    terms = [problem.pre, problem.post_term, *(p for ps in problem.grammar.productions.values() for p in ps)]
    for t in terms:
        for s in subterms(t):
            if isinstance(s, App) and OPS.get(s.op) and OPS[s.op].canonical in ("*", "div", "mod"):
                if sum(1 for a in s.args if not isinstance(a, Const)) >= 2:
                    return True
    return False
