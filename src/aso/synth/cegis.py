"""The CEGIS loop for one hole: hints first, then enumeration checked on examples and verified by Z3.

    points <- random inputs satisfying pre
    each hint checked by the caller (`check_hint`: grammar, style, Z3); a verified hint is the answer
    (the cheapest of them by style cost; the search stops there, `cost_optimal` not claimed)
    repeat:
        enumerate grammar terms by cost over the points (hints seeded)
        a term passing every point goes to Z3:
            verified        -> keep the cheapest (style cost) and finish the level
            counterexample  -> add the point, restart the enumeration (observational classes change)
    until the level passes the incumbent's cost, the grammar is exhausted, or time runs out

After each level without a solution, decision-tree unification (`aso.synth.unify`) proposes an
`ite` tree over the enumerated terms and conditions. Without `MINIMIZE_COST` (SyGuS problems) the
first verified solution is returned. With hints, enumeration levels are discounted, so they no
longer bound the cost: the search stops after the level of its first verified solution and
`cost_optimal` is only claimed when proven.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from aso.synth.enumerator import Entry, EnumerationTimeout, Enumerator
from aso.synth.evaluate import evaluate
from aso.synth.examples import add_point, n_points, sample_points
from aso.synth.grammar import check_style, derives, style_cost
from aso.synth.kernel import HOLE
from aso.synth.problem import HoleProblem
from aso.synth.terms import ParseError, Term, parse_sexpr, subterms, term_size, to_sexpr
from aso.synth.unify import decision_tree, ite_condition_nonterminal
from aso.synth.verifier import VerifyOutcome, VerifyStatus, verify


class HintStatus(Enum):
    """What checking one hint found."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NOT_IN_GRAMMAR = "not_in_grammar"
    STYLE_VIOLATION = "style_violation"
    PARSE_ERROR = "parse_error"
    UNKNOWN = "unknown"


@dataclass
class HintCheck:
    """Outcome of checking one hint term."""

    term: str
    """The hint as given."""
    status: HintStatus
    """Accepted, rejected with a counterexample, or why it was not checked."""
    detail: str = ""
    """Parse error, style violations, or failing requirements."""
    counterexample: dict | None = None
    """Input that refutes a rejected hint."""
    helped: bool = False
    """Whether the final solution is this hint or contains one of its sub-terms (size >= 2)."""


class CegisStatus(Enum):
    """Outcome of synthesizing one hole."""

    SOLVED = "solved"
    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"


@dataclass
class CegisResult:
    """Outcome of `cegis`: the solution (if any) and the search statistics."""

    status: CegisStatus
    solution: Term | None = None
    cost: int | None = None
    cost_optimal: bool = False
    rounds: int = 0
    programs_enumerated: int = 0
    programs_kept: int = 0
    seconds: float = 0.0
    examples: int = 0
    counterexamples: list[dict] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    hints: list[HintCheck] = field(default_factory=list)


def check_hint(problem: HoleProblem, text: str, timeout_ms: int = 10000) -> tuple[HintCheck, Term | None]:
    """Parse, grammar-check, style-check and Z3-verify one hint."""
    try:
        term = parse_sexpr(text)
    except ParseError as exc:
        return HintCheck(text, HintStatus.PARSE_ERROR, str(exc)), None
    if not derives(problem.grammar, term):
        why = f"does not derive from {problem.grammar.start}"
        return HintCheck(text, HintStatus.NOT_IN_GRAMMAR, why), None
    violations = check_style(problem.style, term)
    if violations:
        return HintCheck(text, HintStatus.STYLE_VIOLATION, "; ".join(violations)), term
    out = verify(problem, term, timeout_ms)
    return _hint_from_outcome(text, out), term


def _hint_from_outcome(text: str, out: VerifyOutcome) -> HintCheck:
    if out.status == VerifyStatus.VERIFIED:
        return HintCheck(text, HintStatus.ACCEPTED)
    if out.status == VerifyStatus.UNKNOWN:
        return HintCheck(text, HintStatus.UNKNOWN, out.reason)
    return HintCheck(text, HintStatus.REJECTED, "; ".join(out.failed), out.counterexample)


def passes_examples(problem: HoleProblem, entries: list[Entry], points: dict) -> np.ndarray:
    """Boolean mask: which candidates satisfy `post` at every example point (one batched evaluation)."""
    if not entries:
        return np.zeros(0, dtype=bool)
    env = {k: v[None, :] for k, v in points.items()}
    env[HOLE] = np.stack([e.values for e in entries])
    ok = evaluate(problem.post_term, env)
    ok = np.broadcast_to(ok, env[HOLE].shape)
    return ok.all(axis=1)


def best_verified_hint(
    problem: HoleProblem, checked: Sequence[tuple[HintCheck, Term | None]]
) -> tuple[int, Term] | None:
    """(style cost, term) of the cheapest accepted hint among `check_hint` results (first on ties)."""
    best: tuple[int, Term] | None = None
    for check, term in checked:
        if check.status == HintStatus.ACCEPTED and term is not None:
            cost = style_cost(problem.style, term)
            if best is None or cost < best[0]:
                best = (cost, term)
    return best


def cegis(problem: HoleProblem, checked: Sequence[tuple[HintCheck, Term | None]] = (),
          timeout_s: float = 60.0, seed: int = 0, n_initial: int = 8,
          verify_timeout_ms: int = 10000) -> CegisResult:
    """Synthesize a term for `problem` (see the module docstring); `checked`: the hints, as
    `check_hint` results."""
    start = time.perf_counter()
    deadline = start + timeout_s
    rng = np.random.default_rng(seed)
    points = sample_points(problem, rng, n_initial)
    res = CegisResult(CegisStatus.NOT_FOUND)
    seeds: list[Term] = []
    best = best_verified_hint(problem, checked)
    for check, term in checked:
        res.hints.append(check)
        res.rounds += 1 if check.status in (HintStatus.ACCEPTED, HintStatus.REJECTED) else 0
        if term is not None:
            seeds.append(term)
        if check.counterexample:
            points = add_point(points, check.counterexample)
            res.counterexamples.append(check.counterexample)
    finished = best is not None  # a verified hint is the answer: no search (module doc)
    timed_out = False
    found_at: int | None = None  # level of the first solution found by enumeration
    minimize = problem.minimize_cost
    unify = ite_condition_nonterminal(problem.grammar) is not None
    tried_trees: set[Term] = set()
    proven = False  # whether the search showed no cheaper solution exists
    while not finished:
        enum = Enumerator(problem.grammar, problem.style, points, tuple(seeds))
        enum.deadline = deadline
        restart = False
        try:
            for level, entries in enum.levels():
                # Without hints, levels are lower bounds of the style cost: past the incumbent's cost
                # nothing cheaper exists. With hints (discounted levels) stop at the first solution.
                if best is not None and level > best[0]:  # nothing cheaper is left
                    proven = finished = True
                    break
                if best is not None and (seeds or not minimize) and found_at is not None:
                    finished = True
                    break
                if time.perf_counter() > deadline:
                    raise EnumerationTimeout
                mask = passes_examples(problem, entries, points)
                for entry in (e for e, ok in zip(entries, mask, strict=True) if ok):
                    remaining_ms = int(max(0.5, deadline - time.perf_counter()) * 1000)
                    out = verify(problem, entry.term, min(verify_timeout_ms, remaining_ms))
                    res.rounds += 1
                    if out.status == VerifyStatus.VERIFIED:
                        cost = style_cost(problem.style, entry.term)
                        found_at = level if found_at is None else found_at
                        if best is None or cost < best[0]:
                            best = (cost, entry.term)
                    elif out.status == VerifyStatus.COUNTEREXAMPLE:
                        assert out.counterexample is not None
                        points = add_point(points, out.counterexample)
                        res.counterexamples.append(out.counterexample)
                        restart = True
                        break
                    else:
                        res.unknown.append(out.term)
                if restart:
                    break
                if best is None and unify:
                    tree = decision_tree(problem, enum, points)
                    if tree is not None and tree not in tried_trees:
                        tried_trees.add(tree)
                        if derives(problem.grammar, tree) and not check_style(problem.style, tree):
                            remaining_ms = int(max(0.5, deadline - time.perf_counter()) * 1000)
                            out = verify(problem, tree, min(verify_timeout_ms, remaining_ms))
                            res.rounds += 1
                            if out.status == VerifyStatus.VERIFIED:
                                best = (style_cost(problem.style, tree), tree)
                                found_at = level
                            elif out.status == VerifyStatus.COUNTEREXAMPLE:
                                assert out.counterexample is not None
                                points = add_point(points, out.counterexample)
                                res.counterexamples.append(out.counterexample)
                                break
            else:
                proven = finished = True  # the grammar is exhausted
        except EnumerationTimeout:
            timed_out = finished = True
        res.programs_enumerated += enum.enumerated
        res.programs_kept += enum.kept
    res.seconds = time.perf_counter() - start
    res.examples = n_points(points)
    if best is not None:
        res.status, res.cost, res.solution = CegisStatus.SOLVED, best[0], best[1]
        res.cost_optimal = proven and not timed_out
        _mark_helpful(res.hints, best[1])
    elif timed_out:
        res.status = CegisStatus.TIMEOUT
    return res


def _mark_helpful(hints: list[HintCheck], solution: Term) -> None:
    parts = {t for t in subterms(solution) if term_size(t) >= 2} | {solution}
    for h in hints:
        try:
            hint_term = parse_sexpr(h.term)
        except ParseError:
            continue
        h.helped = hint_term == solution or any(t in parts for t in subterms(hint_term) if term_size(t) >= 2)


def describe(term: Term | None) -> str | None:
    """S-expression of a term, or None."""
    return None if term is None else to_sexpr(term)
