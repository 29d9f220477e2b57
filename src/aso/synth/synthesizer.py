"""Synthesize every hole of a `HoleSpec`: infeasibility check, hints, CEGIS, trivial-solution check.

`synthesize(spec, hints=..., hint_only=..., timeout=..., ref=...)` returns a `SynthResult`: per hole
the solution, its cost, CEGIS rounds, programs enumerated, time, counterexamples, which hints
helped, trivial fillings the constraints admit, and (with a reference kernel) whether the solution
is equivalent to it. `SynthResult.filled_kernel_yaml()` is the kernel with the holes filled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import yaml

from aso.synth.cegis import (
    CegisStatus,
    HintCheck,
    HintStatus,
    best_verified_hint,
    cegis,
    check_hint,
    describe,
)
from aso.synth.evaluate import evaluate, evaluate_point
from aso.synth.examples import n_points, sample_points
from aso.synth.grammar import derives, grammar_constants
from aso.synth.hashing import model_hash, synth_hash
from aso.synth.kernel import HOLE, Kernel, expr_to_ir, strip_lines
from aso.synth.ops import Sort
from aso.synth.problem import HoleProblem, hole_problem
from aso.synth.spec import Hole, HoleSpec
from aso.synth.terms import App, Const, Term, Var, parse_sexpr, substitute
from aso.synth.verifier import VerifyStatus, precondition_satisfiable, realizability_witness, verify

RESULT_SCHEMA = "aso-synth-result/v1"


class HoleStatus(Enum):
    """Final outcome for one hole."""

    SOLVED = "solved"
    INFEASIBLE = "infeasible"
    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"
    HINTS_REJECTED = "hints_rejected"


@dataclass
class HoleResult:
    """Everything recorded about one hole."""

    hole_id: str
    status: HoleStatus
    solution: str | None = None
    cost: int | None = None
    cost_optimal: bool = False
    cegis_rounds: int = 0
    programs_enumerated: int = 0
    examples: int = 0
    seconds: float = 0.0
    search_seconds: float = 0.0
    reason: str = ""
    counterexamples: list[dict] = field(default_factory=list)
    hints: list[HintCheck] = field(default_factory=list)
    trivial_solutions: list[str] = field(default_factory=list)
    reference: dict[str, Any] | None = None
    solution_term: Term | None = field(default=None, repr=False)

    @property
    def admits_trivial(self) -> bool:
        """Whether the semantic constraints accept a constant or a lone variable."""
        return bool(self.trivial_solutions)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "hole_id": self.hole_id, "status": self.status.value, "solution": self.solution,
            "cost": self.cost,
            "cost_optimal": self.cost_optimal, "cegis_rounds": self.cegis_rounds,
            "programs_enumerated": self.programs_enumerated, "examples": self.examples,
            "seconds": round(self.seconds, 4), "search_seconds": round(self.search_seconds, 4),
            "reason": self.reason, "counterexamples": self.counterexamples,
            "hints": [{"term": h.term, "status": h.status.value, "detail": h.detail,
                       "counterexample": h.counterexample, "helped": h.helped} for h in self.hints],
            "hints_helped": [h.term for h in self.hints if h.helped],
            "admits_trivial_solution": self.admits_trivial, "trivial_solutions": self.trivial_solutions,
            "reference": self.reference,
        }


@dataclass
class SynthResult:
    """The outcome of `synthesize` for a whole spec."""

    spec: HoleSpec
    holes: list[HoleResult]
    seconds: float
    settings: dict[str, Any]

    @property
    def solved(self) -> bool:
        """Whether every hole is solved."""
        return all(h.status == HoleStatus.SOLVED for h in self.holes)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready record (schema `aso-synth-result/v1`)."""
        return {
            "schema": RESULT_SCHEMA, "kernel": str(self.spec.kernel.path), "synth": str(self.spec.synth_path),
            "model_id": self.spec.kernel.model_id, "model_hash": model_hash(self.spec.kernel),
            "synth_hash": synth_hash(self.spec), "solved": self.solved, "seconds": round(self.seconds, 4),
            "settings": self.settings, "holes": [h.to_json() for h in self.holes],
        }

    def filled_kernel(self) -> dict[str, Any]:
        """The kernel document with every solved hole filled in (IR JSON shape)."""
        doc = strip_lines(self.spec.kernel.raw)
        doc.setdefault("meta", {})
        for hole_res in self.holes:
            if hole_res.solution_term is None:
                continue
            hole = self.spec.hole(hole_res.hole_id)
            for site in hole.sites:
                params = {p.id for p in self.spec.kernel.actions[site.action].params}
                expr = expr_to_ir(substitute(site.template, {HOLE: hole_res.solution_term}), params)
                _set_field(doc, site.action, site.field, expr)
        doc["meta"]["synthesized_by"] = "aso synth"
        return doc

    def filled_kernel_yaml(self) -> str:
        """`filled_kernel()` as `esso-ir/v1` YAML text."""
        head = f"# {self.spec.kernel.model_id} with holes filled by aso synth (status: " \
               f"{', '.join(f'{h.hole_id}={h.status.value}' for h in self.holes)})\n"
        return head + yaml.safe_dump(self.filled_kernel(), sort_keys=False, width=100)


def _set_field(doc: dict[str, Any], action_id: str, name: str, expr: dict[str, Any]) -> None:
    for act in doc.get("actions", []):
        if act.get("id") != action_id:
            continue
        for upd in act.get("updates") or []:
            if upd.get("var") == name:
                upd["expr"] = expr
                return
        if name in (act.get("effects") or {}):
            act["effects"][name] = expr
            return


def trivial_candidates(problem: HoleProblem) -> list[Term]:
    """Constants (0, 1, the grammar's) and lone variables of the hole's sort."""
    if problem.result_sort == Sort.BOOL:
        consts: list[Term] = [Const(True), Const(False)]
    else:
        consts = [Const(c) for c in sorted({0, 1} | grammar_constants(problem.grammar))]
    return consts + [Var(v.id) for v in problem.variables if v.sort == problem.result_sort]


def find_trivial(problem: HoleProblem, timeout_ms: int = 2000, seed: int = 0) -> list[str]:
    """Trivial terms the semantic constraints (without reference) accept, marked `[not in grammar]`.

    Candidates are screened on random inputs first; only survivors go to Z3.
    """
    base = problem.without_reference()
    points = sample_points(base, np.random.default_rng(seed), 64)
    out = []
    for term in trivial_candidates(problem):
        env = {**points, HOLE: np.broadcast_to(evaluate(term, points), (n_points(points),))}
        if n_points(points) and not np.all(evaluate(base.post_term, env)):
            continue
        if verify(base, term, timeout_ms).status == VerifyStatus.VERIFIED:
            suffix = "" if derives(problem.grammar, term) else " [not in grammar]"
            out.append(f"{describe(term)}{suffix}")
    return out


def _infeasible_reason(problem: HoleProblem, witness: dict) -> str:
    text = f"no value of the hole satisfies the requirements at input {witness}"
    if not problem.has_reference:
        return text + f" (requirements: {[c.label for c in problem.post]})"
    base = problem.without_reference()
    if realizability_witness(base) is None:
        ref_terms = [c.term.args[1] for c in problem.post if c.label.startswith("equals reference")]
        site = next((s for s in problem.sites if s[1] == Var(HOLE)), None)
        if site is not None and ref_terms:
            ref_value = evaluate_point(ref_terms[0], witness)
            failed = [c.label for c in base.post if not evaluate_point(c.term, {**witness, HOLE: ref_value})]
            return (f"the reference kernel contradicts the semantic constraints: at input {witness} the "
                    f"reference gives {ref_value}, which fails {failed}")
        return f"the reference kernel contradicts the semantic constraints at input {witness}"
    return text


def _reference_hole_expr(problem: HoleProblem) -> Term | None:
    """The reference's expression for the hole, when a site is the whole field."""
    for (_, template), c in zip(problem.sites, [c for c in problem.post if c.label.startswith("equals ref")],
                                strict=False):
        if template == Var(HOLE) and isinstance(c.term, App):
            return c.term.args[1]
    return None


def _reference_check(problem: HoleProblem, term: Term | None) -> dict[str, Any] | None:
    if not problem.has_reference:
        return None
    return {"used": True, "equivalent": term is not None}


def synthesize_hole(spec: HoleSpec, hole: Hole, *, ref: Kernel | None = None, hints: tuple[str, ...] = (),
                    hint_only: bool = False, timeout_s: float = 60.0, seed: int = 0,
                    fillings: dict[str, Term] | None = None) -> HoleResult:
    """Synthesize one hole (see the module docstring)."""
    start = time.perf_counter()
    problem = hole_problem(spec, hole, ref, fillings)
    res = HoleResult(hole.hole_id, HoleStatus.NOT_FOUND)
    if not hint_only:  # hint-only mode stays fast: it only checks the hints
        res.trivial_solutions = find_trivial(problem)
    t_hints = time.perf_counter()
    checked = [check_hint(problem, text) for text in hints]
    hint_seconds = time.perf_counter() - t_hints  # part of the search (CEGIS checks hints first)
    # a verified hint proves the hole feasible: the realizability query is not needed
    if any(check.status == HintStatus.ACCEPTED for check, _ in checked):
        witness = None
    else:
        witness = realizability_witness(problem, timeout_ms=int(min(10.0, timeout_s) * 1000))
    if hint_only:
        _hint_only(problem, checked, res)
    if isinstance(witness, dict):
        res.status, res.reason = HoleStatus.INFEASIBLE, _infeasible_reason(problem, witness)
        ref_expr = _reference_hole_expr(problem)
        if ref_expr is not None:
            inside = "is" if derives(problem.grammar, ref_expr) else "is not"
            res.reason += f"; the reference expression {describe(ref_expr)} {inside} in the grammar"
    elif not hint_only:
        remaining = max(0.5, timeout_s - (time.perf_counter() - start))
        out = cegis(problem, checked, remaining, seed)
        res.cegis_rounds, res.programs_enumerated = out.rounds, out.programs_enumerated
        res.examples, res.counterexamples, res.hints = out.examples, out.counterexamples, out.hints
        res.cost, res.cost_optimal, res.solution_term = out.cost, out.cost_optimal, out.solution
        res.search_seconds = hint_seconds + out.seconds
        res.status = {CegisStatus.SOLVED: HoleStatus.SOLVED, CegisStatus.TIMEOUT: HoleStatus.TIMEOUT,
                      CegisStatus.NOT_FOUND: HoleStatus.NOT_FOUND}[out.status]
        if out.status == CegisStatus.NOT_FOUND:
            res.reason = "no term of the grammar within the style limits meets the specification"
            if out.unknown:
                res.reason += f" (Z3 gave up on {len(out.unknown)} candidates)"
        elif out.status == CegisStatus.TIMEOUT:
            res.reason = f"no solution within {timeout_s:.0f} s"
    if precondition_satisfiable(problem) is False:
        res.reason = ("vacuous: no state and parameters satisfy the invariants, bounds and guard, so any "
                      "filling is correct; " + res.reason).rstrip("; ")
    res.solution = describe(res.solution_term)
    res.reference = _reference_check(problem, res.solution_term)
    if res.reference is not None:
        res.reference["kernel"] = str(ref.path) if ref else None
    res.seconds = time.perf_counter() - start
    return res


def _hint_only(problem: HoleProblem, checked: list[tuple[HintCheck, Term | None]], res: HoleResult) -> None:
    for check, term in checked:
        res.hints.append(check)
        res.cegis_rounds += 1 if check.status in (HintStatus.ACCEPTED, HintStatus.REJECTED) else 0
        check.helped = check.status == HintStatus.ACCEPTED and term is not None
    best = best_verified_hint(problem, checked)
    if best is None:
        res.status = HoleStatus.HINTS_REJECTED
        res.reason = "no hint verified" if checked else "hint-only mode with no hint for this hole"
    else:
        res.status, res.cost, res.solution_term = HoleStatus.SOLVED, best[0], best[1]


def synthesize(spec: HoleSpec, *, hints: dict[str, list[str]] | None = None, hint_only: bool = False,
               timeout: float = 60.0, ref: Kernel | None = None, seed: int = 0) -> SynthResult:
    """Synthesize every hole of `spec` in file order, filling later holes' context with earlier solutions."""
    start = time.perf_counter()
    fillings: dict[str, Term] = {}
    results = []
    for i, hole in enumerate(spec.holes):
        remaining = max(0.5, timeout - (time.perf_counter() - start))
        per_hole = remaining / (len(spec.holes) - i)
        res = synthesize_hole(spec, hole, ref=ref, hints=tuple((hints or {}).get(hole.hole_id, [])),
                              hint_only=hint_only, timeout_s=per_hole, seed=seed + i, fillings=fillings)
        if res.solution_term is not None:
            fillings[hole.hole_id] = res.solution_term
        results.append(res)
    settings = {"hint_only": hint_only, "timeout": timeout, "seed": seed,
                "reference": str(ref.path) if ref else None, "hints": hints or {}}
    return SynthResult(spec, results, time.perf_counter() - start, settings)


def verify_term(spec: HoleSpec, term: Term | str, hole_id: str | None = None, ref: Kernel | None = None,
                timeout_ms: int = 10000):  # noqa: ANN201 - returns VerifyOutcome
    """Verify one term for a hole (default: the first) with Z3; returns a `VerifyOutcome`."""
    hole = spec.hole(hole_id) if hole_id else spec.holes[0]
    t = parse_sexpr(term) if isinstance(term, str) else term
    return verify(hole_problem(spec, hole, ref), t, timeout_ms)
