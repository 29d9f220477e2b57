"""Put pooled priors into the registry, with the nodes they came from in the item's meta."""

from __future__ import annotations

from pathlib import Path

from aso.priors.aggregate import AggregateResult
from aso.registry import ItemKind, ItemRecord, Registry


def store_pooled(result: AggregateResult, priors_file: Path, registry: Path, name: str) -> ItemRecord:
    """Store the saved pooled priors file as an experience library; meta names the nodes and the rule."""
    meta = {
        "aggregation": result.priors.meta.get("aggregation", ""),
        "nodes": [f"{n.name}={n.digest}" for n in result.nodes],
        "kept": sum(c.kept for c in result.clusters),
    }
    with Registry(registry) as reg:
        return reg.put_file(priors_file, kind=ItemKind.EXPERIENCE_LIBRARY, name=name, meta=meta)
