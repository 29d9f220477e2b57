"""Final metrics of one dataset run (written to metrics.json)."""

from __future__ import annotations

import numpy as np

from aso.dataset.config import DatasetConfig
from aso.dataset.map_elites import MapElitesMode
from aso.dataset.metrics import (
    construct_counts,
    coverage_breadth,
    entropy_bits,
    js_divergence_bits,
    kl_divergence_bits,
    mean_cell_quality,
    pass_rate,
)
from aso.dataset.prior import ConstructPrior
from aso.dataset.stages import ExampleRecord, StageOutcome


def summarize_run(
    config: DatasetConfig,
    vocabulary: list[str],
    records: list[ExampleRecord],
    dataset: list[ExampleRecord],
    mode,
    prior: ConstructPrior | None,
    series: list[dict],
) -> dict:
    """Counts, stage outcomes and the ADR's primary metrics for one run."""
    counts = construct_counts((r.constructs for r in dataset), vocabulary)
    outcomes = {o.value: sum(r.outcome is o for r in records) for o in StageOutcome}
    parsed = sum(r.outcome not in (StageOutcome.PARSE_ERROR, StageOutcome.NO_CODE) for r in records)
    ecs = [r.ecs for r in dataset if r.ecs is not None]
    out = {
        "mode": config.mode,
        "grid": config.grid_name,
        "language": config.language,
        "generated": len(records),
        "outcomes": outcomes,
        "pass_rate": pass_rate(parsed, len(records)),
        "dataset_size": len(dataset),
        "vocabulary": vocabulary,
        "construct_counts": dict(zip(vocabulary, counts.tolist(), strict=True)),
        "coverage_breadth": coverage_breadth(counts),
        "entropy_bits": entropy_bits(counts),
        "mean_ecs": float(np.mean(ecs)) if ecs else None,
        "mean_test_quality": float(np.mean([r.test_quality for r in dataset])) if dataset else 0.0,
        "satisfied_rate": series[-1]["satisfied_rate"] if series else 0.0,
    }
    if isinstance(mode, MapElitesMode):
        filled = mode.archive.filled()
        out.update(
            fill_rate=len(filled) / len(mode.cells),
            cells=len(mode.cells),
            filled_cells=len(filled),
            mean_cell_quality=mean_cell_quality(filled.values()),
            gate_passed=mode.gate_passed,
            gate_failed=mode.gate_failed,
            phase=mode.emitter.phase(),
        )
    if prior is not None:
        q = np.array([prior.marginal.get(c, 0.0) for c in vocabulary])
        out["prior_marginal"] = dict(zip(vocabulary, q.tolist(), strict=True))
        out["kl_bits"] = kl_divergence_bits(counts, q) if counts.sum() else None
        out["js_bits"] = js_divergence_bits(counts, q) if counts.sum() else None
        out["construct_map_sha256"] = prior.map_sha256
    return out
