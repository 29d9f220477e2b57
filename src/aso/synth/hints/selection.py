"""Ranking hint terms with `aso.select`: verifier verdicts are the tests, behaviour the agreement.

The same selector that chooses among HumanEval programs chooses among a hole's candidate terms:
- tests: the `full` tier (Z3's verdict on the hole's verification condition) passed;
- weaker tests: the `examples` tier (against the `_ref.yaml` kernel) and the `cheap` tier passed;
- agreement (MBR-exec): each term's values on inputs sampled from the hole's precondition (no reference
  used), compared with every other candidate's values: two differently written terms that compute the
  same function support each other, which string frequency (the spec's self-consistency) cannot see;
- then smaller terms (AST nodes), then earlier candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aso.errors import ConfigError
from aso.select import Scored, select
from aso.synth.evaluate import evaluate_many
from aso.synth.examples import sample_points
from aso.synth.hints.aggregate import Candidate
from aso.synth.hints.outcomes import Tier
from aso.synth.problem import hole_problem
from aso.synth.spec import Hole, HoleSpec
from aso.synth.terms import ParseError, parse_sexpr


def term_signatures(
    spec: HoleSpec, hole: Hole, candidates: Sequence[Candidate], points: int = 32, seed: int = 0
) -> list[tuple[str | None, ...]]:
    """Each candidate's values on `points` inputs satisfying the hole's precondition (None where it fails)."""
    try:
        problem = hole_problem(spec, hole)
        env = sample_points(problem, np.random.default_rng(seed), points, 8 * points)
    except ConfigError:
        return [() for _ in candidates]
    n = len(next(iter(env.values()))) if env else 0
    out: list[tuple[str | None, ...]] = []
    for c in candidates:
        try:
            values = evaluate_many([parse_sexpr(c.term)], env)[0]
            arr = np.broadcast_to(np.asarray(values), (n,))
            out.append(tuple(str(v) for v in arr.tolist()))
        except (ParseError, ArithmeticError, KeyError, TypeError, ValueError):
            out.append((None,) * n)
    return out


def rank_by_selection(
    spec: HoleSpec, hole: Hole, candidates: Sequence[Candidate], points: int = 32, seed: int = 0
) -> list[Candidate]:
    """Candidates best first by `aso.select.select` (module doc)."""
    if not candidates:
        return []
    signatures = term_signatures(spec, hole, candidates, points, seed)
    scored = [
        Scored(
            tests=(c.passed(Tier.FULL),),
            generated_tests=(c.passed(Tier.EXAMPLES), c.passed(Tier.CHEAP)),
            signature=sig,
            length=c.size,
        )
        for c, sig in zip(candidates, signatures, strict=True)
    ]
    return [candidates[i] for i in select(scored).order]
