"""Dataset metrics of ADR-0006's evaluation protocol. All logs are base 2 (bits).

The construct distribution of a dataset counts, per construct, the examples that contain it (presence,
not occurrences), over the vocabulary. KL and Jensen-Shannon compare it with the ConstructPrior's
construct marginal after additive smoothing: p_i = (x_i + ε) / Σ_j (x_j + ε) with ε = 1e-3 applied to
both distributions as probabilities.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

SMOOTHING = 1e-3


def construct_counts(examples: Iterable[Iterable[str]], vocabulary: list[str]) -> np.ndarray:
    """Per vocabulary construct, the number of examples containing it."""
    index = {c: i for i, c in enumerate(vocabulary)}
    counts = np.zeros(len(vocabulary))
    for constructs in examples:
        for c in set(constructs):
            if c in index:
                counts[index[c]] += 1
    return counts


def entropy_bits(counts: np.ndarray) -> float:
    """Shannon entropy of the normalised counts (0 for an empty distribution)."""
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log2(p)).sum())


def smooth(probabilities: np.ndarray, epsilon: float = SMOOTHING) -> np.ndarray:
    """(p + ε) / Σ(p + ε) on a probability vector (normalised first)."""
    p = np.asarray(probabilities, dtype=float)
    total = p.sum()
    p = p / total if total > 0 else np.full_like(p, 1.0 / len(p))
    p = p + epsilon
    return p / p.sum()


def kl_divergence_bits(p: np.ndarray, q: np.ndarray) -> float:
    """KL(P || Q) in bits of smoothed P and Q."""
    p, q = smooth(p), smooth(q)
    return float((p * np.log2(p / q)).sum())


def js_divergence_bits(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (in [0, 1]) of smoothed P and Q."""
    p, q = smooth(p), smooth(q)
    m = 0.5 * (p + q)
    return float(0.5 * (p * np.log2(p / m)).sum() + 0.5 * (q * np.log2(q / m)).sum())


def fill_rate(filled: int, total: int) -> float:
    """Filled cells / all cells."""
    return filled / total if total else 0.0


def coverage_breadth(counts: np.ndarray) -> float:
    """Distinct vocabulary constructs covered / vocabulary size."""
    return float((counts > 0).sum() / len(counts)) if len(counts) else 0.0


def mean_cell_quality(qualities: Iterable[float]) -> float:
    """Mean quality over filled cells (0 when none)."""
    values = list(qualities)
    return float(np.mean(values)) if values else 0.0


def pass_rate(parsed: int, generated: int) -> float:
    """Stage 1 pass rate: parsed / generated."""
    return parsed / generated if generated else 0.0
