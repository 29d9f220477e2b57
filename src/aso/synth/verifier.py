"""Z3 check of a candidate against a `HoleProblem`: verified, a counterexample, or unknown."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

import z3

from aso.synth.evaluate import evaluate_point
from aso.synth.kernel import HOLE
from aso.synth.ops import Sort
from aso.synth.problem import HoleProblem
from aso.synth.terms import Term, substitute, to_sexpr
from aso.synth.z3_encode import to_z3, z3_value, z3_var


class VerifyStatus(Enum):
    """Outcome of one verification query."""

    VERIFIED = "verified"
    COUNTEREXAMPLE = "counterexample"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VerifyOutcome:
    """Result of `verify`: status, and for a counterexample the input point and what failed there."""

    status: VerifyStatus
    """Verified, counterexample, or unknown (solver gave up / timed out)."""
    term: str
    """The candidate, as an S-expression."""
    counterexample: dict[str, int | bool] | None = None
    """Input values where `pre` holds and `post` fails."""
    failed: tuple[str, ...] = ()
    """Labels of the requirements that fail at the counterexample."""
    reason: str = ""
    """Solver's reason when unknown."""
    seconds: float = 0.0
    """Solver time."""
    value: int | bool | None = field(default=None)
    """The candidate's value at the counterexample."""

    @property
    def ok(self) -> bool:
        """True when verified."""
        return self.status == VerifyStatus.VERIFIED


def z3_inputs(problem: HoleProblem) -> dict[str, z3.ExprRef]:
    """Z3 constants for the problem's input variables."""
    return {v.id: z3_var(v.id, v.sort) for v in problem.variables}


def verify(problem: HoleProblem, term: Term, timeout_ms: int = 10000) -> VerifyOutcome:
    """Check `pre ⇒ post[HOLE := term]` for all inputs with Z3."""
    start = time.perf_counter()
    env = z3_inputs(problem)
    cache: dict = {}
    pre = to_z3(problem.pre, env, cache)
    post = to_z3(substitute(problem.post_term, {HOLE: term}), env, cache)
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(pre, z3.Not(post))
    res = solver.check()
    secs = time.perf_counter() - start
    if res == z3.unsat:
        return VerifyOutcome(VerifyStatus.VERIFIED, to_sexpr(term), seconds=secs)
    if res == z3.unknown:
        return VerifyOutcome(VerifyStatus.UNKNOWN, to_sexpr(term), reason=solver.reason_unknown(),
                             seconds=secs)
    model = solver.model()
    point = {name: z3_value(model, var) for name, var in env.items()}
    return counterexample_outcome(problem, term, point, secs)


def counterexample_outcome(problem: HoleProblem, term: Term, point: dict[str, int | bool],
                           secs: float = 0.0) -> VerifyOutcome:
    """Describe a failing input: which requirements fail there and the candidate's value."""
    value = evaluate_point(term, point)
    full = {**point, HOLE: value}
    failed = tuple(c.label for c in problem.post if not evaluate_point(c.term, full))
    return VerifyOutcome(VerifyStatus.COUNTEREXAMPLE, to_sexpr(term), point, failed, seconds=secs,
                         value=value)


def realizability_witness(problem: HoleProblem, timeout_ms: int = 5000) -> dict[str, int | bool] | None | str:
    """An input where *no* value of the hole satisfies `post` (the spec is infeasible there).

    Returns the input, None when every input admits some value, or `"unknown"` when Z3 gives up.
    """
    env = z3_inputs(problem)
    r = z3_var("__r", problem.result_sort if problem.result_sort else Sort.INT)
    post = to_z3(problem.post_term, {**env, HOLE: r})
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(to_z3(problem.pre, env), z3.ForAll([r], z3.Not(post)))
    res = solver.check()
    if res == z3.sat:
        model = solver.model()
        return {name: z3_value(model, var) for name, var in env.items()}
    return None if res == z3.unsat else "unknown"


def precondition_satisfiable(problem: HoleProblem, timeout_ms: int = 5000) -> bool | None:
    """Whether any input satisfies `pre` (None when Z3 gives up); if not, any filling is vacuously correct."""
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(to_z3(problem.pre, z3_inputs(problem)))
    res = solver.check()
    return None if res == z3.unknown else res == z3.sat
