"""Expert weights from reliability (PoAI-style): `η ∝ q / (1 − q)`.

`q` is an expert's measured success rate on its own tasks, as the Beta(a, b) posterior mean
`(successes + a) / (trials + a + b)` (default a = b = 1). An expert with `q ≤ 0.5` is no better than a
coin and is dropped (η = 0). The kept context experts' odds are normalised to sum to 1 (a geometric
pooling of distributions, which keeps the combined distribution as sharp as its parts); if every
context expert is dropped, the base alone is used with η₀ = 1 (`WeightOutcome.ALL_DROPPED`).
Non-context experts (token bias, grammar) keep their own fixed weights.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aso.grpo.priors import Reliability


class WeightOutcome(enum.Enum):
    """How the weights were settled."""

    FIXED = "fixed"
    RELIABILITY = "reliability"
    ALL_DROPPED = "all_dropped"


@dataclass(frozen=True)
class ExpertWeights:
    """η for each context expert by name (base first), which were dropped, and why."""

    etas: dict[str, float]
    dropped: tuple[str, ...]
    outcome: WeightOutcome
    q: dict[str, float]
    """The reliability q of each expert (empty for fixed weights)."""


def odds(q: float) -> float:
    """`q / (1 − q)`, the unnormalised weight; 0 when `q ≤ 0.5` (dropped)."""
    if q <= 0.5:
        return 0.0
    if q >= 1.0:
        raise ValueError("q must be < 1 (a Beta posterior mean always is)")
    return q / (1.0 - q)


def reliability_weights(
    reliabilities: Mapping[str, Reliability], base: str = "base", a: float = 1.0, b: float = 1.0
) -> ExpertWeights:
    """η from each expert's Beta posterior mean; dropped experts get none (module doc)."""
    q = {name: rel.q(a, b) for name, rel in reliabilities.items()}
    raw = {name: odds(v) for name, v in q.items()}
    dropped = tuple(name for name, w in raw.items() if w == 0.0)
    total = sum(raw.values())
    if total == 0.0:
        return ExpertWeights(
            {base: 1.0}, tuple(n for n in dropped if n != base), WeightOutcome.ALL_DROPPED, q
        )
    etas = {name: w / total for name, w in raw.items() if w > 0.0}
    return ExpertWeights(etas, dropped, WeightOutcome.RELIABILITY, q)


def fixed_weights(names: Sequence[str], values: Sequence[float] | Mapping[str, float]) -> ExpertWeights:
    """Weights given by the user: a list aligned with `names`, or a name -> η mapping (missing = 0)."""
    if isinstance(values, Mapping):
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError(f"weights name unknown experts: {sorted(unknown)}")
        etas = {n: float(values.get(n, 0.0)) for n in names}
    else:
        if len(values) != len(names):
            raise ValueError(f"{len(values)} weights for {len(names)} experts ({', '.join(names)})")
        etas = {n: float(v) for n, v in zip(names, values, strict=True)}
    if any(v < 0 for v in etas.values()):
        raise ValueError("expert weights must be >= 0")
    dropped = tuple(n for n, v in etas.items() if v == 0.0)
    return ExpertWeights({n: v for n, v in etas.items() if v > 0}, dropped, WeightOutcome.FIXED, {})
