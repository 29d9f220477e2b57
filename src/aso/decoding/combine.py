"""The Product-of-Experts combination, per token:

    log π*(y|x) = η₀·log π₀(y|x) + Σᵢ ηᵢ·log φᵢ(y|x) − log Z,     Z = Σ_y exp(η₀·log π₀ + Σᵢ ηᵢ·log φᵢ)

Experts with η = 0 are left out (so a −inf mask times 0 never makes NaN). A token every expert
forbids (all −inf) yields an all −inf row: the caller must treat that as a dead end.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def poe_log_probs(log_factors: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """Normalised `log π*` from log-factors (each `[V]` or `[B, V]`) and their weights η."""
    if len(log_factors) != len(weights):
        raise ValueError(f"{len(log_factors)} factors for {len(weights)} weights")
    total = None
    for factor, eta in zip(log_factors, weights, strict=True):
        if eta == 0:
            continue
        term = eta * factor.float()
        total = term if total is None else total + term
    if total is None:
        raise ValueError("every expert has weight 0")
    return total - torch.logsumexp(total, dim=-1, keepdim=True)
