"""Reader for SyGuS-IF v2 (`.sl`) problems in the LIA fragment, solved by the same CEGIS engine.

Handled: `set-logic`, `define-fun` (inlined), one `synth-fun` with or without a grammar (v2 form
with a predeclaration list, or the v1 grouped form), `(Constant Int)` / `(Variable Int)` rules,
`declare-var`, `constraint`, `assume`, `check-synth`, `set-option`/`set-info` (ignored).
Not handled (a `ConfigError` says so): several `synth-fun`s, `synth-inv`, and invocations of the
function with different argument lists (the solver is single-invocation: every call must be
`(f v1 ... vn)` over the same distinct declared variables).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aso.config_files import read_text
from aso.errors import ConfigError
from aso.synth.grammar import Grammar, StyleProfile, build_grammar
from aso.synth.kernel import HOLE, VarDecl
from aso.synth.ops import OPS, Sort, infer_sort
from aso.synth.problem import Conjunct, HoleProblem
from aso.synth.terms import (
    App,
    Const,
    ParseError,
    Term,
    Var,
    parse_sexpr_forms,
    substitute,
    subterms,
    tree_to_term,
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


def _sort(x: object, where: str) -> Sort:
    if x == "Int":
        return Sort.INT
    if x == "Bool":
        return Sort.BOOL
    raise ConfigError(f"{where}: unsupported sort {x!r} (LIA: Int and Bool only)")


def _inline(term: Term, macros: dict[str, tuple[list[str], Term]]) -> Term:
    if isinstance(term, App):
        args = tuple(_inline(a, macros) for a in term.args)
        if term.op in macros and term.op not in OPS:
            names, body = macros[term.op]
            return _inline(substitute(body, dict(zip(names, args, strict=True))), macros)
        return App(term.op, args)
    return term


def _default_grammar(params: list[tuple[str, Sort]], sort: Sort) -> tuple[str, dict[str, list[Term]]]:
    ints = [Var(p) for p, s in params if s == Sort.INT] + [Const(0), Const(1)]
    bools = [Var(p) for p, s in params if s == Sort.BOOL]
    s_i, s_b = Var("Start"), Var("StartBool")
    prods = {
        "Start": [*ints, App("+", (s_i, s_i)), App("-", (s_i, s_i)), App("ite", (s_b, s_i, s_i))],
        "StartBool": [*bools, App("and", (s_b, s_b)), App("or", (s_b, s_b)), App("not", (s_b,)),
                      App("<=", (s_i, s_i)), App("=", (s_i, s_i)), App(">=", (s_i, s_i))],
    }
    return ("Start" if sort == Sort.INT else "StartBool"), prods


def _grammar_rules(decl: list, rules: list, params: list[tuple[str, Sort]], where: str,  # noqa: ANN202
                   macros: dict[str, tuple[list[str], Term]]):
    prods: dict[str, list[Term]] = {}
    any_const: set[str] = set()
    start = None
    for group in rules:
        if not isinstance(group, list) or len(group) != 3 or not isinstance(group[2], list):
            raise ConfigError(f"{where}: grammar rule group must be (Name Sort (rules...)), got {group!r}")
        nt = group[0]
        start = start or nt
        prods[nt] = []
        for rule in group[2]:
            if isinstance(rule, list) and rule and rule[0] == "Constant":
                any_const.add(nt)
            elif isinstance(rule, list) and rule and rule[0] == "Variable":
                want = _sort(rule[1], where)
                prods[nt].extend(Var(p) for p, s in params if s == want)
            else:
                prods[nt].append(_inline(tree_to_term(rule), macros))
    if decl:
        start = decl[0][0]
    return start, prods, frozenset(any_const)


def load_sygus(path: str | Path) -> SygusProblem:
    """Parse a SyGuS-IF `.sl` file; errors name the file and the construct."""
    path = Path(path)
    text = read_text(path, "SyGuS file")
    try:
        forms = parse_sexpr_forms(text)
    except ParseError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    logic, synth, macros = "LIA", None, {}
    declared: dict[str, Sort] = {}
    constraints: list[Term] = []
    assumes: list[Term] = []
    for form in forms:
        if not isinstance(form, list) or not form or not isinstance(form[0], str):
            raise ConfigError(f"{path}: unexpected top-level form {form!r}")
        head = form[0]
        if head == "set-logic":
            logic = str(form[1])
        elif head == "define-fun":
            _, name, args, _sort_, body = form
            macros[name] = ([a[0] for a in args], _inline(tree_to_term(body), macros))
        elif head == "synth-fun":
            if synth is not None:
                raise ConfigError(f"{path}: several synth-fun commands are not supported")
            synth = form
        elif head == "declare-var":
            declared[form[1]] = _sort(form[2], f"{path}: declare-var {form[1]}")
        elif head in ("constraint", "assume"):
            (constraints if head == "constraint" else assumes).append(_inline(tree_to_term(form[1]), macros))
        elif head in ("check-synth", "set-option", "set-info", "set-feature"):
            continue
        else:
            raise ConfigError(f"{path}: unsupported command {head!r}")
    if synth is None:
        raise ConfigError(f"{path}: no synth-fun")
    return _build(path, logic, synth, declared, constraints, assumes, macros)


def _build(path: Path, logic: str, synth: list, declared: dict[str, Sort], constraints: list[Term],
           assumes: list[Term], macros: dict[str, tuple[list[str], Term]]) -> SygusProblem:
    name = synth[1]
    params = [(p[0], _sort(p[1], f"{path}: synth-fun {name} parameter {p[0]}")) for p in synth[2]]
    sort = _sort(synth[3], f"{path}: synth-fun {name} return sort")
    calls = {t for c in constraints for t in subterms(c) if isinstance(t, App) and t.op == name}
    arg_lists = {t.args for t in calls}
    if len(arg_lists) != 1:
        raise ConfigError(f"{path}: {name} is invoked with {len(arg_lists)} different argument lists; "
                          "only single-invocation problems are supported")
    args = next(iter(arg_lists))
    if not all(isinstance(a, Var) and a.name in declared for a in args) or len({*args}) != len(args):
        raise ConfigError(f"{path}: {name} must be applied to distinct declared variables, got {args}")
    actuals = tuple(a.name for a in args)  # type: ignore[union-attr]
    rename = {p: Var(a) for (p, _), a in zip(params, actuals, strict=True)}
    rest = synth[4:]
    if not rest:
        start, prods = _default_grammar(params, sort)
        any_const: frozenset[str] = frozenset()
    elif len(rest) == 2:
        start, prods, any_const = _grammar_rules(rest[0], rest[1], params, f"{path}: grammar", macros)
    else:
        start, prods, any_const = _grammar_rules([], rest[0], params, f"{path}: grammar", macros)
    prods = {nt: [substitute(p, rename) for p in ps] for nt, ps in prods.items()}
    consts = sorted({0, 1, -1} | {t.value for c in constraints for t in subterms(c)
                                  if isinstance(t, Const) and not isinstance(t.value, bool)})
    grammar: Grammar = build_grammar(name, start, prods, dict(declared), f"{path}: grammar", any_const,
                                     tuple(consts))
    post = []
    for i, c in enumerate(constraints):
        term = substitute_calls(c, name, Var(HOLE))
        infer_sort(term, {**declared, HOLE: sort}, f"{path}: constraint {i}")
        post.append(Conjunct(f"constraint {i}", term))
    pre: Term = App("and", tuple(assumes)) if assumes else Const(True)
    variables = tuple(VarDecl(v, s) for v, s in declared.items())
    problem = HoleProblem(f"{path.stem}:{name}", variables, pre, tuple(post), grammar, StyleProfile(), sort,
                          (("result", Var(HOLE)),), minimize_cost=False)
    return SygusProblem(path, logic, name, tuple(params), sort, problem, actuals)


def substitute_calls(term: Term, fun: str, replacement: Term) -> Term:
    """Replace every application of `fun` by `replacement`."""
    if isinstance(term, App):
        if term.op == fun:
            return replacement
        return App(term.op, tuple(substitute_calls(a, fun, replacement) for a in term.args))
    return term
