"""CEGIS for general SyGuS problems: several functions, any calls, divide-and-conquer unification.

    points <- a few inputs (assignments of the declared variables)
    loop:
        enumerate candidate bodies by cost (bottom-up, observational equivalence on the functions'
        *invocation inputs*: the argument values of every call at every point)
        check candidates on all points at once (each call replaced by the candidate's value there)
        a candidate passing every point goes to Z3; a counterexample becomes a new point

Three search modes, picked from the problem's shape:
- `dnc` (divide and conquer, EUSolver-style): one function, called with one argument list (the
  specification is point-wise), and a grammar with `(ite C S S)` at the start symbol. Terms from S
  without that `ite` and predicates from C are enumerated together; once the terms cover every point,
  an ID3 decision tree (`aso.synth.decision_tree`) over the predicates unifies them.
- `enum`: one function otherwise (calls with different arguments, e.g. `f(x,y) = f(y,x)` or
  invariants `inv(x) /\\ trans(x,x') => inv(x')`). Calls whose arguments contain calls (nested) are
  checked by evaluating the whole constraint with the candidate as a defined function.
- `product`: several functions; tuples of candidates by total cost.

The caller gives a deadline; `aso.synth.watchdog` runs this in a child process and kills it, so
the limit holds whatever Z3 or numpy is doing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import z3

from aso.synth.decision_tree import learn_tree
from aso.synth.enumerator import Entry, EnumerationTimeout, Enumerator
from aso.synth.evaluate import evaluate
from aso.synth.grammar import Grammar, StyleProfile
from aso.synth.guidance import HINT_WEIGHT, Guidance
from aso.synth.ops import DEFINED, DefinedFun, Sort, define_fun
from aso.synth.sygus_spec import SygusSpec, SynthFun
from aso.synth.terms import App, Const, Term, Var, parse_sexpr_tree, substitute, subterms
from aso.synth.unify import tree_term
from aso.synth.z3_encode import to_z3, z3_value, z3_var

_CALL = "?call"
UNBOUNDED = 20
INITIAL_RANDOM_POINTS = 8  # random inputs before the first candidate (then counterexamples)
SI_SHARE = 0.6  # share of the time given to decision lists (si mode) before divide and conquer
SEQUENTIAL_SHARE = 0.7  # share of the time for one-function-at-a-time search (several functions)
SEQUENTIAL_BRANCHING = 3  # candidates tried per function and level in that search
SPEC_TERMS_QUERY_MS = 100  # Z3 budget of the first cover query, over every output term the spec names
COVER_QUERY_MS = 500  # Z3 budget of the cover query before the full decision-list check
INFEASIBLE_AFTER_S = 0.25  # search time before the infeasibility check (`_Solver.infeasible`)
INFEASIBLE_QUERY_MS = 1000  # its Z3 budget (at most a quarter of the time left)
MAX_EXAMPLE_POINTS = 200  # inputs read off the constraints' guards, used as the first points


@dataclass
class SolveStats:
    """Search statistics, updated as the search runs (`publish` copies them to the watchdog)."""

    mode: str = ""
    rounds: int = 0
    programs: int = 0
    points: int = 0
    level: int = 0
    verify_seconds: float = 0.0
    sink: Callable[[SolveStats], None] | None = field(default=None, repr=False)

    def publish(self) -> None:
        """Hand the current figures to the sink, if any."""
        if self.sink is not None:
            self.sink(self)

    def to_json(self) -> dict:
        """JSON-ready figures."""
        return {
            "mode": self.mode,
            "rounds": self.rounds,
            "programs": self.programs,
            "points": self.points,
            "level": self.level,
            "verify_seconds": round(self.verify_seconds, 3),
        }


@dataclass
class SolveResult:
    """Outcome of `solve`."""

    status: str
    """`solved`, `infeasible`, `timeout` or `not_found` (the grammar was exhausted)."""
    bodies: dict[str, Term]
    """Function name -> solution body over its formal parameters."""
    stats: SolveStats
    """Search statistics."""
    seconds: float = 0.0
    """Wall time inside `solve`."""
    witness: dict | None = None
    """For `infeasible`: an input where no output meets the specification."""

    def define_funs(self, spec: SygusSpec) -> list[str]:
        """The solution as `(define-fun ...)` lines, in file order."""
        return [f.define_fun(self.bodies[f.name]) for f in spec.funs if f.name in self.bodies]


class Deadline(Exception):
    """The deadline passed."""


class _Infeasible(Exception):
    """No functions meet the spec (the solver's `witness` is an input where nothing does)."""


# --- the problem's shape ---------------------------------------------------------------------------
@dataclass
class _Shape:
    calls: list[App]  # distinct calls, innermost first
    call_var: dict[App, str]  # call -> placeholder variable
    abstract: Term  # (=> assumes constraints) with calls replaced by placeholders
    nested: bool  # some call's arguments contain a call
    whole: Term  # (=> assumes constraints), calls intact


def _shape(spec: SygusSpec) -> _Shape:
    names = {f.name for f in spec.funs}
    calls = spec.calls()
    call_var = {c: f"{_CALL}{i}" for i, c in enumerate(calls)}
    nested = any(isinstance(t, App) and t.op in names for c in calls for a in c.args for t in subterms(a))
    body = App("and", spec.constraints) if len(spec.constraints) != 1 else spec.constraints[0]
    pre = App("and", spec.assumes) if spec.assumes else None
    whole = App("=>", (pre, body)) if pre is not None else body
    abstract = _replace_calls(whole, call_var)
    return _Shape(calls, call_var, abstract, nested, whole)


def _replace_calls(term: Term, call_var: dict[App, str]) -> Term:
    if isinstance(term, App):
        if term in call_var:
            return Var(call_var[term])
        return App(term.op, tuple(_replace_calls(a, call_var) for a in term.args))
    return term


# --- points ------------------------------------------------------------------------------------------
class _Points:
    def __init__(self, spec: SygusSpec) -> None:
        self.spec = spec
        self.rows: list[dict[str, int | bool]] = []
        self.keys: set[tuple] = set()

    def add(self, point: dict[str, int | bool]) -> bool:
        key = tuple(point.get(v, 0) for v, _ in self.spec.variables)
        if key in self.keys:
            return False
        self.keys.add(key)
        self.rows.append(point)
        return True

    def columns(self) -> dict[str, np.ndarray]:
        out = {}
        for v, s in self.spec.variables:
            vals = [r.get(v, False if s == Sort.BOOL else 0) for r in self.rows]
            if s == Sort.BOOL:
                out[v] = np.array(vals, dtype=bool)
            elif any(abs(int(x)) >= 2**62 for x in vals):
                out[v] = np.array(vals, dtype=object)
            else:
                out[v] = np.array(vals, dtype=np.int64)
        return out

    def __len__(self) -> int:
        return len(self.rows)


def _random_points(spec: SygusSpec, rng: np.random.Generator, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        out.append(
            {
                v: (bool(rng.integers(0, 2)) if s == Sort.BOOL else int(rng.integers(-UNBOUNDED, UNBOUNDED)))
                for v, s in spec.variables
            }
        )
    return out


def example_points(spec: SygusSpec) -> list[dict[str, int | bool]]:
    """Inputs written into the constraints, as in `(=> (and (= x 38) (= y 11)) (= (f x y) 38))`: a guard
    that fixes every declared variable to a constant (defined functions such as `and3` expanded)."""
    out = []
    names = {v for v, _ in spec.variables}
    for c in spec.constraints:
        if not (isinstance(c, App) and c.op == "=>" and len(c.args) == 2):
            continue
        fixed: dict[str, int | bool] = {}
        stack = [_expand(c.args[0], spec)]
        while stack:
            t = stack.pop()
            if isinstance(t, App) and t.op == "and":
                stack.extend(t.args)
            elif isinstance(t, App) and t.op == "=" and len(t.args) == 2:
                a, b = t.args
                if isinstance(b, Var):
                    a, b = b, a
                if isinstance(a, Var) and a.name in names and isinstance(b, Const):
                    fixed[a.name] = b.value
            elif isinstance(t, Var) and t.name in names:
                fixed[t.name] = True
        if set(fixed) == names:
            out.append(fixed)
    return out


def _expand(term: Term, spec: SygusSpec, depth: int = 0) -> Term:
    """Defined functions inlined (a few levels: enough for guards such as `and3`)."""
    if not isinstance(term, App) or depth > 8:
        return term
    args = tuple(_expand(a, spec, depth + 1) for a in term.args)
    fun = spec.defined.get(term.op)
    if fun is not None:
        return _expand(substitute(fun.body, dict(zip(fun.params, args, strict=True))), spec, depth + 1)
    return App(term.op, args)


# --- verification ------------------------------------------------------------------------------------
def _register(spec: SygusSpec, bodies: dict[str, Term]) -> None:
    for f in spec.funs:
        body = bodies.get(f.name)
        if body is not None:
            define_fun(
                f.name, DefinedFun(tuple(p for p, _ in f.params), tuple(s for _, s in f.params), f.sort, body)
            )


def verify(spec: SygusSpec, bodies: dict[str, Term], timeout_ms: int) -> tuple[str, dict | None]:
    """Z3 check of a full solution: `("verified", None)`, `("counterexample", point)`, `("unknown", None)`."""
    _register(spec, bodies)
    env = {v: z3_var(v, s) for v, s in spec.variables}
    shape_whole = _shape(spec).whole
    return check_valid(to_z3(shape_whole, env), env, timeout_ms)


def check_valid(formula: z3.ExprRef, env: dict[str, z3.ExprRef], timeout_ms: int) -> tuple[str, dict | None]:
    """Is `formula` valid over the variables `env`? `verified`, `unknown`, or `counterexample` + point."""
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout_ms)))
    solver.add(z3.Not(formula))
    res = solver.check()
    if res == z3.unsat:
        return "verified", None
    if res == z3.unknown:
        return "unknown", None
    model = solver.model()
    return "counterexample", {name: z3_value(model, var) for name, var in env.items()}


# --- the solver ----------------------------------------------------------------------------------------
class _Solver:
    def __init__(
        self,
        spec: SygusSpec,
        deadline: float,
        seed: int,
        hints: dict[str, tuple[Term, ...]],
        stats: SolveStats,
    ) -> None:
        self.spec = spec
        self.deadline = deadline
        self.rng = np.random.default_rng(seed)
        self.hints = hints
        self.stats = stats
        self.shape = _shape(spec)
        self.points = _Points(spec)
        self.unknown = 0
        self.names = {f.name for f in spec.funs}
        self.si_terms: list[Term] = []  # terms of the last decision list (si mode)
        self.witness: dict | None = None  # an input where no output meets the spec (infeasible)
        self.infeasible_at: float | None = time.perf_counter() + INFEASIBLE_AFTER_S
        self._encoded: tuple[dict[str, z3.ExprRef], dict[App, z3.ExprRef], z3.ExprRef] | None = None

    # helpers
    def check_time(self) -> None:
        now = time.perf_counter()
        if now > self.deadline:
            raise Deadline
        if self.infeasible_at is not None and now > self.infeasible_at and self.infeasible_once():
            raise _Infeasible

    def infeasible_once(self) -> bool:
        """`infeasible`, the first time only: the (quantified, sometimes slow) check runs once the search
        has taken `INFEASIBLE_AFTER_S`, or when it ends without an answer, so that the problems solved
        quickly do not pay for it."""
        if self.infeasible_at is None:
            return False
        self.infeasible_at = None
        return self.infeasible()

    def remaining_ms(self) -> int:
        return int(max(0.05, self.deadline - time.perf_counter()) * 1000)

    def verify(self, bodies: dict[str, Term]) -> bool:
        """Z3 check; a counterexample is added to the points. True when verified."""
        self.check_time()
        t0 = time.perf_counter()
        if self.shape.nested:
            status, point = verify(self.spec, bodies, min(10_000, self.remaining_ms()))
        else:
            status, point = self.verify_abstract(bodies, min(10_000, self.remaining_ms()))
        self.stats.verify_seconds += time.perf_counter() - t0
        self.stats.rounds += 1
        self.stats.publish()
        if status == "verified":
            return True
        if status == "counterexample":
            assert point is not None
            if not self.points.add(point):  # evaluator and Z3 disagree (should not happen): stop looping
                raise RuntimeError(f"counterexample {point} repeated for {bodies}")
            self.stats.points = len(self.points)
        else:
            self.unknown += 1
            self.check_time()
        return False

    def encoded(self) -> tuple[dict[str, z3.ExprRef], dict[App, z3.ExprRef], z3.ExprRef]:
        """`shape.abstract` in Z3 (encoded once): declared variables, one constant per call, formula."""
        if self._encoded is None:
            env = {v: z3_var(v, s) for v, s in self.spec.variables}
            outs = {c: z3_var(self.shape.call_var[c], self.spec.fun(c.op).sort) for c in self.shape.calls}
            phi = to_z3(self.shape.abstract, {**env, **{self.shape.call_var[c]: o for c, o in outs.items()}})
            self._encoded = env, outs, phi
        return self._encoded

    def verify_abstract(self, bodies: dict[str, Term], timeout_ms: int) -> tuple[str, dict | None]:
        """`verify` without nested calls: each call's constant in the encoded spec is replaced by the
        body applied to the call's arguments (no re-encoding of the constraints per candidate)."""
        env, outs, phi = self.encoded()
        pairs = []
        for c, out in outs.items():
            args = {p: to_z3(a, env) for (p, _), a in zip(self.spec.fun(c.op).params, c.args, strict=True)}
            pairs.append((out, to_z3(bodies[c.op], args)))
        return check_valid(z3.substitute(phi, *pairs) if pairs else phi, env, timeout_ms)

    def infeasible(self) -> bool:
        """Is there an input where no values of the calls meet the spec? Then no functions do (every
        choice of functions gives the calls some values there): `exists x. forall calls. not phi`.
        Sound for any problem without nested calls; complete for single invocation."""
        if self.shape.nested or not self.shape.calls:
            return False
        env, outs, phi = self.encoded()
        solver = z3.Solver()
        solver.set("timeout", max(1, min(INFEASIBLE_QUERY_MS, self.remaining_ms() // 4)))
        solver.add(z3.ForAll(list(outs.values()), z3.Not(phi)))
        if solver.check() == z3.sat:
            model = solver.model()
            self.witness = {v: z3_value(model, env[v]) for v, _ in self.spec.variables}
            return True
        return False

    def verify_list(self, conditions: _ConditionMaker, terms: list[Term], cover_ms: int = COVER_QUERY_MS,
                    full: bool = True) -> bool:
        """Z3 check of the decision list over `terms`, built in Z3 directly (no term round trip);
        `full=False`: the cover query alone (an unknown answer is then just False)."""
        self.check_time()
        t0 = time.perf_counter()
        # first the cover query (some term meets the spec at every input: then the list is correct,
        # its conditions being the spec itself), cheap for search-like specs; then the list itself,
        # which Z3 handles better for max-like specs
        solver = z3.Solver()
        solver.set("timeout", max(1, min(cover_ms, self.remaining_ms())))
        solver.add(z3.Not(z3.Or([conditions.z3_condition(t) for t in terms])))
        res = solver.check()
        if res == z3.unknown and full:
            self.check_time()
            solver = z3.Solver()
            solver.set("timeout", max(1, min(10_000, self.remaining_ms())))
            solver.add(z3.Not(conditions.z3_spec(conditions.z3_list(terms))))
            res = solver.check()
        self.stats.verify_seconds += time.perf_counter() - t0
        self.stats.rounds += 1
        self.stats.publish()
        if res == z3.unsat:
            return True
        if res == z3.sat:
            model = solver.model()
            point = {
                v: z3_value(model, conditions.env[conditions.rename[v].name])  # type: ignore[union-attr]
                for v, _ in self.spec.variables
            }
            if not self.points.add(point) and full:  # (the spec-terms list need not cover the points)
                raise RuntimeError(f"counterexample {point} repeated for a decision list")
            self.stats.points = len(self.points)
        else:
            self.unknown += 1
            self.check_time()
        return False

    def call_inputs(
        self, fun: SynthFun, cols: dict[str, np.ndarray]
    ) -> tuple[dict[str, np.ndarray], list[App]]:
        """Invocation inputs of `fun` (formal parameter -> values), one block of len(points) per call."""
        calls = [
            c
            for c in self.shape.calls
            if c.op == fun.name
            and not any(isinstance(t, App) and t.op in self.names for a in c.args for t in subterms(a))
        ]
        n = len(self.points)
        blocks: dict[str, list[np.ndarray]] = {p: [] for p, _ in fun.params}
        for c in calls:
            for (p, s), a in zip(fun.params, c.args, strict=True):
                v = np.broadcast_to(evaluate(a, cols), (n,))
                blocks[p].append(v.astype(bool) if s == Sort.BOOL else v)
        if not calls or not fun.params:
            return {
                p: (
                    np.zeros(max(1, n), dtype=bool) if s == Sort.BOOL else np.zeros(max(1, n), dtype=np.int64)
                )
                for p, s in fun.params
            } or {"?unit": np.zeros(1, dtype=np.int64)}, calls
        return {p: np.concatenate(v) for p, v in blocks.items()}, calls

    def call_env(
        self, cols: dict[str, np.ndarray], fun_values: dict[str, np.ndarray], fun_calls: dict[str, list[App]]
    ) -> dict[str, np.ndarray]:
        """Environment for `shape.abstract`: points [1, N] and each call's value [C, N]."""
        n = len(self.points)
        env = {k: v[None, :] for k, v in cols.items()}
        for name, values in fun_values.items():
            for i, c in enumerate(fun_calls[name]):
                if values.shape[1] == 1 and n != 1:  # nullary function: one value everywhere
                    env[self.shape.call_var[c]] = np.broadcast_to(values, (values.shape[0], n))
                else:
                    env[self.shape.call_var[c]] = values[:, i * n : (i + 1) * n]
        return env

    def passes(
        self,
        cols: dict[str, np.ndarray],
        fun_values: dict[str, np.ndarray],
        fun_calls: dict[str, list[App]],
        count: int,
    ) -> np.ndarray:
        return self.point_passes(cols, fun_values, fun_calls, count).all(axis=1)

    def point_passes(
        self,
        cols: dict[str, np.ndarray],
        fun_values: dict[str, np.ndarray],
        fun_calls: dict[str, list[App]],
        count: int,
    ) -> np.ndarray:
        """`[candidates, points]`: does the spec hold at the point with the candidates' values."""
        env = self.call_env(cols, fun_values, fun_calls)
        ok = evaluate(self.shape.abstract, env)
        return np.broadcast_to(ok, (count, len(self.points)))

    def passes_direct(self, cols: dict[str, np.ndarray], bodies: dict[str, Term]) -> bool:
        _register(self.spec, bodies)
        ok = evaluate(self.shape.whole, cols)
        return bool(np.all(ok))

    # main loop
    def run(self) -> dict[str, Term] | None:
        for p in example_points(self.spec)[:MAX_EXAMPLE_POINTS] + _random_points(
            self.spec, self.rng, INITIAL_RANDOM_POINTS
        ):
            self.points.add(p)
        self.stats.points = len(self.points)
        for name, hints in self.hints.items():  # hints that verify are solutions as they are
            if name in self.names and len(self.spec.funs) == 1:
                for h in hints:
                    if self.verify({name: h}):
                        return {name: h}
        if len(self.spec.funs) == 1:
            fun = self.spec.funs[0]
            if (
                fun.default_grammar
                and not self.shape.nested
                and len(self.shape.calls) == 1
                and _formal_renaming(self.spec, fun, self.shape.calls[0]) is not None
            ):
                # decision lists guarded by the spec first (max- and search-like specs), then divide
                # and conquer with predicates from the grammar (smaller answers where they exist)
                self.stats.mode = "si"
                whole = self.deadline
                self.deadline = time.perf_counter() + SI_SHARE * (whole - time.perf_counter())
                try:
                    return self.dnc(fun, decision_list=True)
                except Deadline:
                    self.deadline = whole
                    self.check_time()
                self.stats.mode = "dnc"
                self.points = _Points(self.spec)
                for p in _random_points(self.spec, self.rng, INITIAL_RANDOM_POINTS):
                    self.points.add(p)
                return self.dnc(fun)
            if not self.shape.nested and len(self.shape.calls) == 1 and _ite_split(fun.grammar) is not None:
                self.stats.mode = "dnc"
                return self.dnc(fun)
            self.stats.mode = "enum"
            return self.enum(fun)
        if not self.shape.nested:
            self.stats.mode = "sequential"
            whole = self.deadline
            self.deadline = time.perf_counter() + SEQUENTIAL_SHARE * (whole - time.perf_counter())
            try:
                found = self.sequential()
                if found is not None:
                    return found
            except Deadline:
                pass
            self.deadline = whole
            self.check_time()
        self.stats.mode = "product"
        return self.product()

    def sequential(self) -> dict[str, Term] | None:
        """Several functions, one at a time: each candidate must meet the constraints that mention only
        it and the functions fixed before it (depth-first, iterative deepening on the level)."""
        funs = self.spec.funs
        names = [f.name for f in funs]
        pre = App("and", self.spec.assumes) if self.spec.assumes else None
        checks = []
        for c in self.spec.constraints:
            used = {t.op for t in subterms(c) if isinstance(t, App) and t.op in self.names}
            term = _replace_calls(App("=>", (pre, c)) if pre is not None else c, self.shape.call_var)
            checks.append((used, term))
        cap = 4
        while True:
            cols = self.points.columns()
            inputs, calls, banks, gens = {}, {}, {}, {}
            for f in funs:
                inputs[f.name], calls[f.name] = self.call_inputs(f, cols)
                gens[f.name] = self.new_enum(f.grammar, inputs[f.name], f.name).levels()
                banks[f.name] = []
            n = len(self.points)

            def level_entries(name: str, level: int, banks: dict = banks, gens: dict = gens) -> list[Entry]:
                bank = banks[name]
                while len(bank) < level:
                    try:
                        _, entries = next(gens[name])
                    except StopIteration:
                        return []
                    bank.append(entries)
                    self.stats.programs += len(entries)
                return bank[level - 1]

            def dfs(
                i: int,
                fixed: dict[str, Entry],
                cols: dict = cols,
                calls: dict = calls,
                n: int = n,
                cap: int = cap,
            ) -> dict[str, Term] | None:
                self.check_time()
                if i == len(funs):
                    return {k: e.term for k, e in fixed.items()}
                name = names[i]
                ready = [t for used, t in checks if name in used and used <= set(names[: i + 1])]
                tried = 0
                for level in range(1, cap + 1):
                    entries = level_entries(name, level)
                    if not entries:
                        continue
                    values = np.stack([e.values for e in entries])
                    fun_values = {k: e.values[None, :] for k, e in fixed.items()}
                    fun_values[name] = values
                    env = self.call_env(cols, fun_values, {k: calls[k] for k in fun_values})
                    ok = np.ones(len(entries), dtype=bool)
                    for t in ready:
                        ok &= np.broadcast_to(evaluate(t, env), (len(entries), n)).all(axis=1)
                    for j in np.nonzero(ok)[0][:SEQUENTIAL_BRANCHING]:
                        found = dfs(i + 1, {**fixed, name: entries[int(j)]})
                        if found is not None:
                            return found
                        tried += 1
                        if tried >= SEQUENTIAL_BRANCHING * 2:
                            return None
                return None

            try:
                found = dfs(0, {})
            except EnumerationTimeout:
                raise Deadline from None
            self.stats.level = cap
            if found is None:
                cap += 2
                continue
            if self.verify(found):
                return found

    def new_enum(
        self,
        grammar: Grammar,
        inputs: dict[str, np.ndarray],
        name: str,
        costs: dict[tuple[str, int], int] | None = None,
    ) -> Enumerator:
        enum = Enumerator(grammar, StyleProfile(), inputs, self.hints.get(name, ()), production_costs=costs)
        enum.deadline = self.deadline
        return enum

    def enum(self, fun: SynthFun) -> dict[str, Term] | None:
        guidance = self.guidance_for(fun)
        while True:
            cols = self.points.columns()
            inputs, calls = self.call_inputs(fun, cols)
            enum = self.new_enum(fun.grammar, inputs, fun.name, guidance.costs())
            restart = False
            partial: tuple[int, Term] | None = None
            try:
                for level, entries in enum.levels():
                    self.stats.level, self.stats.programs = level, self.stats.programs + len(entries)
                    self.stats.publish()
                    self.check_time()
                    if not entries:
                        continue
                    if self.shape.nested:
                        ok = np.array([self.passes_direct(cols, {fun.name: e.term}) for e in entries])
                    else:
                        values = np.stack([e.values for e in entries])
                        per_point = self.point_passes(
                            cols, {fun.name: values}, {fun.name: calls}, len(entries)
                        )
                        ok = per_point.all(axis=1)
                        hits = per_point.sum(axis=1)
                        top = int(np.argmax(hits))
                        if partial is None or hits[top] > partial[0]:  # the round's best partial solution
                            partial = (int(hits[top]), entries[top].term)
                    for e, good in zip(entries, ok, strict=True):
                        if good:
                            if self.verify({fun.name: e.term}):
                                return {fun.name: e.term}
                            restart = True
                            break
                    if restart:
                        break
            except EnumerationTimeout:
                raise Deadline from None
            if not restart:
                return None
            if partial is not None and partial[0] > 0:  # Probe: learn from the best partial solution
                guidance.learn(partial[1])

    def guidance_for(self, fun: SynthFun) -> Guidance:
        """Production probabilities for `fun`, seeded with the hint terms that derive from its grammar."""
        guidance = Guidance(fun.grammar)
        for hint in self.hints.get(fun.name, ()):
            guidance.learn(hint, HINT_WEIGHT)
        return guidance

    def dnc(self, fun: SynthFun, decision_list: bool = False) -> dict[str, Term] | None:
        split = _ite_split(fun.grammar)
        assert split is not None
        cond_nt, term_grammar = split
        conditions = _ConditionMaker(self.spec, fun, self.shape) if decision_list else None
        tried_spec_terms = False
        while True:
            cols = self.points.columns()
            inputs, calls = self.call_inputs(fun, cols)
            enum = self.new_enum(term_grammar, inputs, fun.name)
            n = len(self.points)
            terms: list[Entry] = []
            covers: list[np.ndarray] = []
            restart = False
            extracted = [] if conditions is None else conditions.spec_entries(inputs)
            if extracted and not tried_spec_terms:
                # first the list over every output term the spec names (cvc5's single-invocation
                # answer): one Z3 query instead of a CEGIS round per missing term
                tried_spec_terms = True
                spec_terms = [e.term for e in extracted]
                if self.verify_list(conditions, spec_terms, SPEC_TERMS_QUERY_MS, full=False):
                    return {fun.name: conditions.decision_list(spec_terms)}
                continue
            try:
                for level, entries in itertools.chain([(0, extracted)], enum.levels()):
                    self.stats.level, self.stats.programs = level, self.stats.programs + len(entries)
                    self.stats.publish()
                    self.check_time()
                    if entries:
                        values = np.stack([e.values for e in entries])
                        env = self.call_env(cols, {fun.name: values}, {fun.name: calls})
                        cov = np.broadcast_to(evaluate(self.shape.abstract, env), (len(entries), n))
                        full = np.nonzero(cov.all(axis=1))[0]
                        if len(full):
                            term = entries[int(full[0])].term
                            if self.verify({fun.name: term}):
                                return {fun.name: term}
                            restart = True
                            break
                        keep = cov.any(axis=1)
                        terms.extend(e for e, k in zip(entries, keep, strict=True) if k)
                        covers.append(cov[keep])
                    if not terms:
                        continue
                    cover = np.concatenate(covers) if len(covers) > 1 else covers[0]
                    covers = [cover]
                    if not cover.any(axis=0).all():
                        continue
                    if conditions is not None:  # single invocation: each term guarded by where it is correct
                        # the terms of earlier lists that still cover a point, then a greedy cover of the rest
                        index = {e.term: i for i, e in enumerate(terms)}
                        kept = [index[t] for t in self.si_terms if t in index]
                        left = ~cover[kept].any(axis=0) if kept else np.ones(cover.shape[1], dtype=bool)
                        extra = _greedy_cover(cover[:, left]) if left.any() else []
                        chosen = [terms[i].term for i in kept + extra]
                        self.si_terms = chosen
                        if self.verify_list(conditions, chosen):
                            return {fun.name: conditions.decision_list(chosen)}
                        restart = True
                        break
                    preds = [e for lv in sorted(enum.banks[cond_nt]) for e in enum.banks[cond_nt][lv]]
                    if not preds:
                        continue
                    pvals = np.stack([np.asarray(p.values, dtype=bool) for p in preds])
                    tree = learn_tree(cover, pvals)
                    if tree is None:
                        continue
                    term = tree_term(tree, terms, preds)
                    if self.verify({fun.name: term}):
                        return {fun.name: term}
                    restart = True
                    break
            except EnumerationTimeout:
                raise Deadline from None
            if not restart:
                return None

    def product(self) -> dict[str, Term] | None:
        funs = self.spec.funs
        while True:
            cols = self.points.columns()
            enums, calls = {}, {}
            for f in funs:
                inputs, calls[f.name] = self.call_inputs(f, cols)
                enums[f.name] = self.new_enum(f.grammar, inputs, f.name)
            gens = {f.name: enums[f.name].levels() for f in funs}
            banks: dict[str, dict[int, list[Entry]]] = {f.name: {} for f in funs}
            done: dict[str, bool] = {f.name: False for f in funs}
            restart = False
            try:
                for total in itertools.count(len(funs)):
                    self.check_time()
                    self.stats.level = total
                    self.stats.publish()
                    for f in funs:  # every function's bank up to level `total`
                        while not done[f.name] and max(banks[f.name], default=0) < total:
                            try:
                                level, entries = next(gens[f.name])
                                banks[f.name][level] = entries
                                self.stats.programs += len(entries)
                            except StopIteration:
                                done[f.name] = True
                    if all(done.values()) and total > sum(max(b, default=0) for b in banks.values()):
                        return None
                    found = self.product_level(funs, banks, total, cols, calls)
                    if found is not None:
                        if self.verify(found):
                            return found
                        restart = True
                        break
            except EnumerationTimeout:
                raise Deadline from None
            if not restart:
                return None

    def product_level(
        self,
        funs: tuple[SynthFun, ...],
        banks: dict[str, dict[int, list[Entry]]],
        total: int,
        cols: dict[str, np.ndarray],
        calls: dict[str, list[App]],
    ) -> dict[str, Term] | None:
        k = len(funs)
        for cut in itertools.combinations(range(1, total), k - 1):
            bounds = (0, *cut, total)
            split = [bounds[i + 1] - bounds[i] for i in range(k)]
            groups = [banks[f.name].get(lv, []) for f, lv in zip(funs, split, strict=True)]
            if any(not g for g in groups):
                continue
            self.check_time()
            sizes = [len(g) for g in groups]
            count = int(np.prod(sizes))
            idx = np.indices(sizes).reshape(k, -1).T if count <= 200_000 else None
            chunks = [idx] if idx is not None else None
            if chunks is None:  # too many tuples at once: walk them in slices of the first function
                chunks = [
                    np.array(
                        list(
                            itertools.product(
                                range(lo, min(lo + 1, sizes[0])), *[range(s) for s in sizes[1:]]
                            )
                        )
                    )
                    for lo in range(sizes[0])
                ]
            for combo in chunks:
                self.check_time()
                if self.shape.nested:
                    for row in combo:
                        bodies = {f.name: groups[i][row[i]].term for i, f in enumerate(funs)}
                        if self.passes_direct(cols, bodies):
                            return bodies
                    continue
                values = {
                    f.name: np.stack([e.values for e in groups[i]])[combo[:, i]] for i, f in enumerate(funs)
                }
                ok = self.passes(cols, values, calls, len(combo))
                hit = np.nonzero(ok)[0]
                if len(hit):
                    row = combo[int(hit[0])]
                    return {f.name: groups[i][row[i]].term for i, f in enumerate(funs)}
        return None


def _ite_split(grammar: Grammar) -> tuple[str, Grammar] | None:
    """(C, grammar without the start's `(ite C S S)`) when the start symbol has that production."""
    s = grammar.start
    for p in grammar.productions[s]:
        if (
            isinstance(p, App)
            and p.op == "ite"
            and all(isinstance(a, Var) for a in p.args)
            and p.args[1] == Var(s)
            and p.args[2] == Var(s)
            and grammar.is_nonterminal(p.args[0].name)
        ):
            cond = p.args[0].name  # type: ignore[union-attr]
            prods = dict(grammar.productions)
            prods[s] = tuple(q for q in prods[s] if q != p)
            if not prods[s]:
                return None
            return cond, Grammar(
                grammar.grammar_id, s, prods, grammar.sorts, grammar.any_constant, grammar.extra_constants
            )
    return None


def _greedy_cover(cover: np.ndarray) -> list[int]:
    """Term indices that together cover every point, most-covering first (greedy set cover)."""
    left = np.ones(cover.shape[1], dtype=bool)
    out: list[int] = []
    while left.any():
        gain = (cover & left).sum(axis=1)
        best = int(np.argmax(gain))
        if gain[best] == 0:
            break
        out.append(best)
        left &= ~cover[best]
    return out


def _formal_renaming(spec: SygusSpec, fun: SynthFun, call: App) -> dict[str, Term] | None:
    """Declared variable -> formal parameter, when the one call is `f` over distinct declared variables
    and the constraints mention no other variable (so the spec is a formula over the parameters)."""
    if not all(isinstance(a, Var) for a in call.args) or len(set(call.args)) != len(call.args):
        return None
    mapping = {a.name: Var(p) for a, (p, _) in zip(call.args, fun.params, strict=True)}  # type: ignore[union-attr]
    if set(mapping) != {v for v, _ in spec.variables}:
        return None
    return mapping


class _ConditionMaker:
    """For a single-invocation spec phi(x, f(x)): the condition under which a term t is correct is
    phi(x, t(x)); `(ite phi[t1] t1 (ite phi[t2] t2 ... tk))` is correct when t1..tk cover every input
    (cvc5's single-invocation idea; conditions are simplified by Z3 and read back as LIA terms)."""

    def __init__(self, spec: SygusSpec, fun: SynthFun, shape: _Shape) -> None:
        self.spec, self.fun, self.shape = spec, fun, shape
        self.rename = _formal_renaming(spec, fun, shape.calls[0]) or {}
        self.env = {p: z3_var(p, s) for p, s in fun.params}
        self.formula = substitute(shape.abstract, self.rename)
        self.cache: dict[Term, Term] = {}
        self.zcache: dict[Term, z3.ExprRef] = {}
        self.memo: dict[int, tuple[z3.ExprRef, Term]] = {}
        self.extracted: list[Term] | None = None
        self.zformula: z3.ExprRef | None = None
        self.out: z3.ExprRef | None = None

    def spec_entries(self, inputs: dict[str, np.ndarray]) -> list[Entry]:
        """Output terms read off the spec: `E` in `f(x) = E`, `f(x) <= E`, ... (E without f), as LIA
        terms over the parameters (defined functions expanded), with their values on `inputs`."""
        if self.extracted is None:
            placeholder = Var(self.shape.call_var[self.shape.calls[0]])
            found: dict[Term, None] = {}
            for t in subterms(self.formula):
                if isinstance(t, App) and t.op in ("=", "<=", ">=", "<", ">") and len(t.args) == 2:
                    for a, b in (t.args, t.args[::-1]):
                        if a == placeholder and placeholder not in set(subterms(b)):
                            found.setdefault(b, None)
            out = []
            for b in list(found)[:64]:
                try:
                    term = from_z3(z3.simplify(to_z3(b, self.env)), self.memo)
                except (ValueError, z3.Z3Exception):
                    continue
                if isinstance(term, (App, Var, Const)):
                    out.append(term)
            self.extracted = out
        entries = []
        n = len(next(iter(inputs.values())))
        for term in self.extracted:
            values = np.broadcast_to(evaluate(term, inputs), (n,)).copy()
            entries.append(Entry(term, values, 0, 0, 0, 0))
        return entries

    def z3_spec(self, value: z3.ExprRef) -> z3.ExprRef:
        """phi(x, value) over the formal parameters (the formula is encoded once, `value` substituted)."""
        if self.zformula is None:
            name = self.shape.call_var[self.shape.calls[0]]
            self.out = z3_var(name, self.fun.sort)
            self.zformula = to_z3(self.formula, {**self.env, name: self.out})
        return z3.substitute(self.zformula, (self.out, value))

    def z3_condition(self, term: Term) -> z3.ExprRef:
        """phi(x, term(x)) over the formal parameters, simplified."""
        if term not in self.zcache:
            self.zcache[term] = z3.simplify(self.z3_spec(to_z3(term, self.env)), som=False, arith_lhs=True)
        return self.zcache[term]

    def z3_list(self, terms: list[Term]) -> z3.ExprRef:
        """The decision list over `terms` as a Z3 expression."""
        out = to_z3(terms[-1], self.env)
        for t in reversed(terms[:-1]):
            out = z3.If(self.z3_condition(t), to_z3(t, self.env), out)
        return out

    def condition(self, term: Term) -> Term:
        """`z3_condition` read back as a term."""
        if term not in self.cache:
            self.cache[term] = from_z3(self.z3_condition(term), self.memo)
        return self.cache[term]

    def decision_list(self, terms: list[Term]) -> Term:
        out = terms[-1]
        for t in reversed(terms[:-1]):
            out = App("ite", (self.condition(t), t, out))
        return out


_Z3_KINDS = {
    z3.Z3_OP_ADD: "+",
    z3.Z3_OP_SUB: "-",
    z3.Z3_OP_UMINUS: "-",
    z3.Z3_OP_MUL: "*",
    z3.Z3_OP_LE: "<=",
    z3.Z3_OP_GE: ">=",
    z3.Z3_OP_LT: "<",
    z3.Z3_OP_GT: ">",
    z3.Z3_OP_EQ: "=",
    z3.Z3_OP_AND: "and",
    z3.Z3_OP_OR: "or",
    z3.Z3_OP_NOT: "not",
    z3.Z3_OP_ITE: "ite",
    z3.Z3_OP_IMPLIES: "=>",
    z3.Z3_OP_IDIV: "div",
    z3.Z3_OP_MOD: "mod",
    z3.Z3_OP_DISTINCT: "distinct",
    z3.Z3_OP_XOR: "xor",
}
_Z3_OPS = frozenset(_Z3_KINDS.values())


def from_z3(e: z3.ExprRef, memo: dict[int, tuple[z3.ExprRef, Term]] | None = None) -> Term:
    """A Z3 LIA expression read back as a `Term` (after `z3.simplify`); `memo` shares repeated nodes."""
    memo = {} if memo is None else memo
    key = e.get_id()  # ids are reused once an expression is freed: the memo keeps each one alive
    if key not in memo:
        try:  # Z3's own printer and one pass over its text: much faster than walking the AST in Python
            memo[key] = (e, _from_text(parse_sexpr_tree(e.sexpr()), {}))
        except (ValueError, IndexError, TypeError):
            return _from_ast(e, memo)
    return memo[key][1]


def _from_ast(e: z3.ExprRef, memo: dict[int, tuple[z3.ExprRef, Term]]) -> Term:
    key = e.get_id()
    if key not in memo:
        memo[key] = (e, _from_z3(e, memo))
    return memo[key][1]


def _from_text(tree: list | str, scope: dict[str, Term]) -> Term:
    """A term from Z3's SMT-LIB text (`let` bindings read in scope, never substituted: linear time)."""
    if isinstance(tree, str):
        if tree.lstrip("-").isdigit():
            return Const(int(tree))
        if tree in ("true", "false"):
            return Const(tree == "true")
        if tree in scope:
            return scope[tree]
        if tree.startswith("|"):
            raise ValueError(f"quoted symbol {tree}")
        return Var(tree)
    head = tree[0]
    if head == "let":
        inner = dict(scope)
        for name, value in tree[1]:
            inner[name] = _from_text(value, scope)
        return _from_text(tree[2], inner)
    if head not in _Z3_OPS:
        raise ValueError(f"cannot read back Z3 operator {head}")
    args = tuple(_from_text(a, scope) for a in tree[1:])
    if head == "-" and len(args) == 1 and isinstance(args[0], Const):
        return Const(-args[0].value)
    return App(head, args)


def _from_z3(e: z3.ExprRef, memo: dict[int, tuple[z3.ExprRef, Term]]) -> Term:
    if z3.is_int_value(e):
        return Const(e.as_long())
    if z3.is_true(e):
        return Const(True)
    if z3.is_false(e):
        return Const(False)
    if z3.is_const(e):
        return Var(e.decl().name())
    kind = e.decl().kind()
    args = tuple(_from_ast(c, memo) for c in e.children())
    if kind not in _Z3_KINDS:
        raise ValueError(f"cannot read back Z3 operator {e.decl().name()}")
    return App(_Z3_KINDS[kind], args)


def solve(
    spec: SygusSpec,
    timeout_s: float,
    seed: int = 0,
    hints: dict[str, tuple[Term, ...]] | None = None,
    stats: SolveStats | None = None,
) -> SolveResult:
    """Synthesize every function of `spec` within `timeout_s` seconds (cooperative deadline).

    The deadline is checked between enumeration chunks and before every Z3 call (whose own timeout is
    cut to the time left); for a hard limit run it under `aso.synth.watchdog.run_limited`.
    """
    start = time.perf_counter()
    stats = stats or SolveStats()
    saved = dict(DEFINED)
    spec.register()
    try:
        solver = _Solver(spec, start + timeout_s, seed, hints or {}, stats)
        bodies = solver.run()
        if bodies is None:  # search exhausted, maybe before the check ran
            solver.infeasible_once()
        status = "solved" if bodies is not None else ("infeasible" if solver.witness else "not_found")
        witness = solver.witness
    except _Infeasible:
        bodies, status, witness = None, "infeasible", solver.witness
    except Deadline:
        bodies, status, witness = None, "timeout", None
    finally:
        DEFINED.clear()
        DEFINED.update(saved)
    stats.publish()
    return SolveResult(status, bodies or {}, stats, time.perf_counter() - start, witness)
