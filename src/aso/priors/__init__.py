"""Priors pooled across nodes, robust to Byzantine nodes (HIP-002 "Integration", DSO).

Index:
- `aggregate`: `aggregate(nodes, scorer)`, `load_node`, `AggregationConfig`, `AggregateResult` (the rule)
- `scoring`: `ValidationScorer` (the interface), `PairedScore` (wins/losses vs baseline, q, eta),
  `HumanEvalScorer` (the real one: the model on a HumanEval split, through an executor)
- `robust`: `weighted_median` (and why not a trimmed mean)
- `store`: `store_pooled` puts the pooled priors into the registry
- `testing`: `ScriptedScorer`, whose lessons' effects are written down
"""

from aso.priors.aggregate import AggregateResult, AggregationConfig, NodePriors, aggregate, load_node
from aso.priors.robust import weighted_median
from aso.priors.scoring import HumanEvalScorer, PairedScore, ValidationScorer

__all__ = [
    "AggregateResult",
    "AggregationConfig",
    "HumanEvalScorer",
    "NodePriors",
    "PairedScore",
    "ValidationScorer",
    "aggregate",
    "load_node",
    "weighted_median",
]
