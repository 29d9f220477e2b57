"""Robust pooling of numbers reported by several nodes: the weighted median.

Why the weighted median and not a trimmed mean: with the few nodes a deployment has (three in the
tests), a trimmed mean must trim at least one report at each end, which leaves the median anyway and
throws evidence away when only one or two nodes report on an experience; it also needs a trim fraction
chosen for an unknown number of bad nodes. The weighted median needs no parameter and has a breakdown
point of half the weight: nodes holding less than half of the total weight cannot move the pooled
value outside the range of the other nodes' reports, however extreme their own reports are.
"""

from __future__ import annotations

from collections.abc import Sequence


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """The lower weighted median: the smallest value whose cumulative weight reaches half the total.

    Zero-weight values are ignored; None when no value has weight. (Taking the lower median means a tie
    between a helpful and a harmful half is resolved towards "not helpful".)
    """
    if len(values) != len(weights):
        raise ValueError("values and weights must have the same length")
    pairs = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    total = sum(w for _, w in pairs)
    if total <= 0:
        return None
    cumulative = 0.0
    for value, weight in pairs:
        cumulative += weight
        if cumulative >= total / 2 - 1e-12:
            return value
    return pairs[-1][0]  # pragma: no cover - float rounding
