"""Example points for CEGIS: random inputs that satisfy `pre`, plus counterexamples added later.

Points are kept column-wise (`name -> 1-D array`), the layout the evaluator and enumerator use.
Sampling mixes uniform draws within bounds with values near the bounds and small values (where
integer-division and off-by-one differences live); if rejection sampling finds nothing, Z3 is
asked for models of `pre`.
"""

from __future__ import annotations

import numpy as np
import z3

from aso.synth.evaluate import evaluate
from aso.synth.kernel import VarDecl
from aso.synth.ops import Sort
from aso.synth.problem import HoleProblem
from aso.synth.z3_encode import to_z3, z3_value, z3_var

UNBOUNDED = 50  # sampling range for variables without bounds


def _draw(decl: VarDecl, rng: np.random.Generator, n: int) -> np.ndarray:
    if decl.sort == Sort.BOOL:
        return rng.integers(0, 2, n).astype(bool)
    lo = decl.lo if decl.lo is not None else -UNBOUNDED
    hi = decl.hi if decl.hi is not None else UNBOUNDED
    uniform = rng.integers(lo, hi + 1, n)
    span = max(1, min(20, hi - lo + 1))
    near_lo = lo + rng.integers(0, span, n)
    near_hi = hi - rng.integers(0, span, n)
    small = np.clip(rng.integers(-3, 30, n), lo, hi)
    pick = rng.integers(0, 4, n)
    return np.choose(pick, [uniform, near_lo, near_hi, small]).astype(np.int64)


def sample_points(problem: HoleProblem, rng: np.random.Generator, n: int = 8, tries: int = 4096) -> dict:
    """Up to `n` distinct random inputs satisfying `pre` (falls back to Z3 models)."""
    cand = {d.id: _draw(d, rng, tries) for d in problem.variables}
    ok = np.broadcast_to(evaluate(problem.pre, cand), (tries,))
    idx = np.nonzero(ok)[0]
    if len(idx):
        rows = {tuple(cand[d.id][i].item() for d in problem.variables): i for i in idx}
        chosen = list(rows.values())[:n]
        return {d.id: cand[d.id][chosen] for d in problem.variables}
    return z3_points(problem, n)


def z3_points(problem: HoleProblem, n: int) -> dict:
    """Up to `n` distinct models of `pre` from Z3 (each new one blocked from repeating)."""
    env = {d.id: z3_var(d.id, d.sort) for d in problem.variables}
    solver = z3.Solver()
    solver.set("timeout", 5000)
    solver.add(to_z3(problem.pre, env))
    points: list[dict] = []
    while len(points) < n and solver.check() == z3.sat:
        model = solver.model()
        point = {k: z3_value(model, v) for k, v in env.items()}
        points.append(point)
        if not env:
            break
        solver.add(z3.Or([v != point[k] for k, v in env.items()]))
    return columns(problem, points)


def columns(problem: HoleProblem, points: list[dict]) -> dict:
    """Column layout of a list of point dicts."""
    out = {}
    for d in problem.variables:
        vals = [p[d.id] for p in points]
        out[d.id] = np.array(vals, dtype=bool if d.sort == Sort.BOOL else np.int64)
    return out


def add_point(points: dict, point: dict) -> dict:
    """A new column set with `point` appended (ints too large for int64 become objects)."""
    out = {}
    for name, col in points.items():
        value = point[name]
        if col.dtype != bool and not isinstance(value, bool) and abs(int(value)) >= 2**62:
            col = col.astype(object)
        out[name] = np.append(col, np.array([value], dtype=col.dtype))
    return out


def n_points(points: dict) -> int:
    """Number of points."""
    return len(next(iter(points.values()))) if points else 0
