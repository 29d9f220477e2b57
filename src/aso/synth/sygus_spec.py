"""Reader for general SyGuS-IF (`.sl`) problems in the LIA fragment: any number of functions, any calls.

Handled: `set-logic`, `define-fun` (kept as operators, in grammars so that a production
`(qm Start Start)` means one call, and in constraints; the evaluator and the Z3 encoding expand
them), `synth-fun` with or without a grammar (v2 form with a predeclaration list, or the v1
grouped form), `(Constant Int)` / `(Variable Int)` rules,
`declare-var`, `constraint`, `assume`, and invariant problems: `synth-inv`, `declare-primed-var`,
`inv-constraint` (translated to the three constraints `pre => inv`, `inv /\\ trans => inv'`,
`inv => post`). Functions may be called with any argument terms, nested calls included; the
solver (`aso.synth.sygus_solver`) runs CEGIS over the whole constraint.

A function without a grammar gets the default LIA grammar: its parameters, 0, 1, the constraints'
integer constants, `+`, `-`, `ite`, multiplication by a constant of the constraints, and the
comparisons and connectives (`StartBool`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aso.config_files import read_text
from aso.errors import ConfigError
from aso.synth.grammar import Grammar, build_grammar
from aso.synth.ops import DEFINED, OPS, DefinedFun, Sort, define_fun, infer_sort
from aso.synth.terms import (
    App,
    Const,
    ParseError,
    Term,
    Var,
    parse_sexpr_forms,
    substitute,
    subterms,
    to_sexpr,
)
from aso.synth.terms import tree_to_term as _tree_to_term


@dataclass(frozen=True)
class SynthFun:
    """One function to synthesize."""

    name: str
    """Name used in the constraints."""
    params: tuple[tuple[str, Sort], ...]
    """Formal parameters (the grammar's variables)."""
    sort: Sort
    """Return sort."""
    grammar: Grammar
    """Grammar over the formal parameters."""
    default_grammar: bool
    """Whether the file gave no grammar (the default LIA grammar is used)."""

    def define_fun(self, body: Term) -> str:
        """The solution as SyGuS `(define-fun ...)`."""
        params = " ".join(f"({p} {s.value})" for p, s in self.params)
        return f"(define-fun {self.name} ({params}) {self.sort.value} {to_sexpr(body)})"


@dataclass(frozen=True)
class SygusSpec:
    """A parsed SyGuS problem: functions, universally quantified variables, assumptions, constraints."""

    path: Path
    """Source file."""
    logic: str
    """`set-logic` value."""
    funs: tuple[SynthFun, ...]
    """Functions to synthesize, in file order."""
    variables: tuple[tuple[str, Sort], ...]
    """Declared (universally quantified) variables."""
    assumes: tuple[Term, ...]
    """`assume` terms."""
    constraints: tuple[Term, ...]
    """`constraint` terms; calls of defined functions and of the synth-funs remain as `App`s."""
    defined: dict[str, DefinedFun]
    """The file's defined functions (registered for evaluation while solving)."""

    def fun(self, name: str) -> SynthFun:
        """The function called `name`."""
        return next(f for f in self.funs if f.name == name)

    def calls(self) -> list[App]:
        """Distinct calls of the synth-funs in the constraints, innermost first."""
        names = {f.name for f in self.funs}
        seen: dict[App, None] = {}
        for c in self.constraints:
            for t in reversed(list(subterms(c))):
                if isinstance(t, App) and t.op in names:
                    seen.setdefault(t, None)
        return list(seen)

    def register(self) -> None:
        """Make this file's defined functions known to the evaluator and the Z3 encoding."""
        for name, fun in self.defined.items():
            define_fun(name, fun)


def sort_of(x: object, where: str) -> Sort:
    """`Int` or `Bool`; anything else is a `ConfigError` naming the place."""
    if x == "Int":
        return Sort.INT
    if x == "Bool":
        return Sort.BOOL
    raise ConfigError(f"{where}: unsupported sort {x!r} (LIA: Int and Bool only)")


def _term(tree: object, zero_ary: dict[str, Term]) -> Term:
    term = _tree_to_term(tree)  # type: ignore[arg-type]
    return substitute(term, zero_ary) if zero_ary else term


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.logic = "LIA"
        self.defined: dict[str, DefinedFun] = {}
        self.zero_ary: dict[str, Term] = {}
        self.declared: dict[str, Sort] = {}
        self.synth_forms: list[tuple[list, bool]] = []  # (form, is_inv)
        self.constraints: list[Term] = []
        self.assumes: list[Term] = []

    def read(self, forms: list) -> SygusSpec:
        for form in forms:
            if not isinstance(form, list) or not form or not isinstance(form[0], str):
                raise ConfigError(f"{self.path}: unexpected top-level form {form!r}")
            self.command(form)
        if not self.synth_forms:
            raise ConfigError(f"{self.path}: no synth-fun")
        saved = dict(DEFINED)
        for name, fun in self.defined.items():  # grammar sort inference needs them
            define_fun(name, fun)
        try:
            funs = tuple(self.synth_fun(form, inv) for form, inv in self.synth_forms)
            nullary = {f.name: App(f.name, ()) for f in funs if not f.params}
            if nullary:  # `(fc)` was read as the variable fc
                self.constraints = [substitute(c, nullary) for c in self.constraints]
            env = {**self.declared}
            for i, c in enumerate(self.constraints):
                self.check_sorts(c, env, funs, f"{self.path}: constraint {i}")
        finally:
            DEFINED.clear()
            DEFINED.update(saved)
        return SygusSpec(
            self.path,
            self.logic,
            funs,
            tuple(self.declared.items()),
            tuple(self.assumes),
            tuple(self.constraints),
            dict(self.defined),
        )

    def check_sorts(self, c: Term, env: dict[str, Sort], funs: tuple[SynthFun, ...], where: str) -> None:
        names = {f.name: f for f in funs}
        for t in subterms(c):
            if isinstance(t, App) and t.op not in OPS and t.op not in names and t.op not in self.defined:
                raise ConfigError(f"{where}: unknown function {t.op!r}")
        for f in funs:
            define_fun(
                f.name,
                DefinedFun(
                    tuple(p for p, _ in f.params),
                    tuple(s for _, s in f.params),
                    f.sort,
                    Const(True) if f.sort == Sort.BOOL else Const(0),
                ),
            )
        if infer_sort(c, env, where) != Sort.BOOL:
            raise ConfigError(f"{where}: constraint is not Boolean")

    def command(self, form: list) -> None:
        head, where = form[0], f"{self.path}: {form[0]}"
        if head == "set-logic":
            self.logic = str(form[1])
        elif head == "define-fun":
            if len(form) != 5:
                raise ConfigError(f"{where}: expected (define-fun name (params) sort body)")
            _, name, args, sort, body = form
            params = tuple(a[0] for a in args)
            sorts = tuple(sort_of(a[1], f"{where} {name}") for a in args)
            term = _term(body, self.zero_ary)  # calls of other defined functions stay (no blow-up)
            if not params:
                self.zero_ary[name] = term
            else:
                self.defined[name] = DefinedFun(params, sorts, sort_of(sort, f"{where} {name}"), term)
        elif head in ("synth-fun", "synth-inv"):
            self.synth_forms.append((form, head == "synth-inv"))
        elif head == "declare-var":
            self.declared[form[1]] = sort_of(form[2], f"{where} {form[1]}")
        elif head == "declare-primed-var":
            s = sort_of(form[2], f"{where} {form[1]}")
            self.declared[form[1]] = s
            self.declared[form[1] + "!"] = s
        elif head in ("constraint", "assume"):
            term = _term(form[1], self.zero_ary)
            (self.constraints if head == "constraint" else self.assumes).append(term)
        elif head == "inv-constraint":
            self.inv_constraint(form, where)
        elif head in ("check-synth", "set-option", "set-info", "set-feature"):
            return
        else:
            raise ConfigError(f"{self.path}: unsupported command {head!r}")

    def inv_constraint(self, form: list, where: str) -> None:
        if len(form) != 5:
            raise ConfigError(f"{where}: expected (inv-constraint inv pre trans post)")
        _, inv, pre, trans, post = form
        inv_form = next((f for f, is_inv in self.synth_forms if f[1] == inv), None)
        if inv_form is None:
            raise ConfigError(f"{where}: {inv!r} is not a synth-inv function")
        names = [p[0] for p in inv_form[2]]
        for name in (pre, trans, post):
            if name not in self.defined:
                raise ConfigError(f"{where}: {name!r} is not a defined function")
        cur = tuple(Var(n) for n in names)
        nxt = tuple(Var(n + "!") for n in names)
        missing = [n for n in names if n not in self.declared]
        if missing:  # v2 files declare the state variables; v1 files use primed declarations
            for n, p in zip(names, inv_form[2], strict=True):
                self.declared.setdefault(n, sort_of(p[1], where))
                self.declared.setdefault(n + "!", sort_of(p[1], where))
        self.constraints.append(App("=>", (App(pre, cur), App(inv, cur))))
        self.constraints.append(
            App("=>", (App("and", (App(inv, cur), App(trans, cur + nxt))), App(inv, nxt)))
        )
        self.constraints.append(App("=>", (App(inv, cur), App(post, cur))))

    def synth_fun(self, form: list, is_inv: bool) -> SynthFun:
        name = form[1]
        where = f"{self.path}: synth-fun {name}"
        if len(form) < 3 or not isinstance(form[2], list):
            raise ConfigError(f"{where}: expected (synth-fun name (params) sort [grammar])")
        params = tuple((p[0], sort_of(p[1], f"{where} parameter {p[0]}")) for p in form[2])
        if is_inv:
            sort, rest = Sort.BOOL, form[3:]
        else:
            if len(form) < 4:
                raise ConfigError(f"{where}: missing return sort")
            sort, rest = sort_of(form[3], f"{where} return sort"), form[4:]
        var_sorts = dict(params)
        if not rest:
            start, prods = default_grammar(params, sort, self.constants())
            grammar = build_grammar(name, start, prods, var_sorts, f"{where}: grammar")
            return SynthFun(name, params, sort, grammar, True)
        decl, rules = (rest[0], rest[1]) if len(rest) == 2 else ([], rest[0])
        start, prods, any_const = grammar_rules(decl, rules, params, f"{where}: grammar", self.zero_ary)
        grammar = build_grammar(
            name,
            start,
            prods,
            var_sorts,
            f"{where}: grammar",
            any_const,
            tuple(sorted({0, 1, -1} | set(self.constants()))),
        )
        return SynthFun(name, params, sort, grammar, False)

    def constants(self) -> list[int]:
        out = {
            t.value
            for c in (*self.constraints, *self.assumes, *(f.body for f in self.defined.values()))
            for t in subterms(c)
            if isinstance(t, Const) and not isinstance(t.value, bool)
        }
        return sorted(out, key=lambda v: (abs(v), v))


def default_grammar(
    params: tuple[tuple[str, Sort], ...], sort: Sort, constants: list[int]
) -> tuple[str, dict[str, list[Term]]]:
    """The default LIA grammar for a function declared without one."""
    consts = [c for c in constants if c not in (0, 1)][:6]
    ints: list[Term] = [Var(p) for p, s in params if s == Sort.INT] + [Const(0), Const(1)]
    ints += [Const(c) for c in consts]
    bools: list[Term] = [Var(p) for p, s in params if s == Sort.BOOL]
    s_i, s_b = Var("Start"), Var("StartBool")
    scale = [App("*", (Const(c), s_i)) for c in consts if abs(c) >= 2][:3]
    prods: dict[str, list[Term]] = {
        "Start": [*ints, App("+", (s_i, s_i)), App("-", (s_i, s_i)), *scale, App("ite", (s_b, s_i, s_i))],
        "StartBool": [
            *bools,
            Const(True),
            Const(False),
            App("and", (s_b, s_b)),
            App("or", (s_b, s_b)),
            App("not", (s_b,)),
            App("<=", (s_i, s_i)),
            App("<", (s_i, s_i)),
            App("=", (s_i, s_i)),
            App(">=", (s_i, s_i)),
            App(">", (s_i, s_i)),
        ],
    }
    if sort == Sort.BOOL and not any(s == Sort.INT for _, s in params):
        prods["StartBool"] = [
            p for p in prods["StartBool"] if not (isinstance(p, App) and p.op in ("<=", "<", "=", ">=", ">"))
        ]
        del prods["Start"]
    return ("Start" if sort == Sort.INT else "StartBool"), prods


def grammar_rules(
    decl: list, rules: list, params: tuple[tuple[str, Sort], ...], where: str, zero_ary: dict[str, Term]
) -> tuple[str, dict[str, list[Term]], frozenset[str]]:
    """Productions of a SyGuS grammar block (defined functions stay operators)."""
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
                want = sort_of(rule[1], where)
                prods[nt].extend(Var(p) for p, s in params if s == want)
            else:
                try:
                    prods[nt].append(_term(rule, zero_ary))
                except ParseError as exc:
                    raise ConfigError(f"{where}: {exc}") from None
    if decl:
        start = decl[0][0]
    assert start is not None
    return start, prods, frozenset(any_const)


def load_sygus_spec(path: str | Path) -> SygusSpec:
    """Parse a SyGuS-IF `.sl` file; errors name the file and the construct."""
    path = Path(path)
    return parse_sygus_text(read_text(path, "SyGuS file"), path)


def parse_sygus_text(text: str, path: Path) -> SygusSpec:
    """Parse SyGuS-IF text; `path` names the source in errors."""
    try:
        forms = parse_sexpr_forms(text)
    except ParseError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return _Reader(path).read(forms)
