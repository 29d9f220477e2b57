"""An additive token-bias expert distilled from advantages.

For the rollouts with positive advantage (set H) and negative advantage (set L), with token counts
`c_H[t]`, `c_L[t]`, totals `N_H`, `N_L`, vocabulary size `V` and add-λ smoothing:

    b[t] = log((c_H[t] + λ) / (N_H + λV)) − log((c_L[t] + λ) / (N_L + λV)) − b0
    b0   = log(λ / (N_H + λV)) − log(λ / (N_L + λV))      (so a token seen in neither set gets 0)

then clipped to `[−clip, clip]`; tokens seen fewer than `min_count` times in H ∪ L are left at 0.
Counts are plain frequencies (each rollout counts once per occurrence, not weighted by |A|).
Zero-advantage rollouts (and skipped groups) contribute nothing. The result is sparse.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aso.grpo.tasks import Rollout


@dataclass(frozen=True)
class TokenBias:
    """Sparse additive log-factor over the vocabulary: `log φ(t) = bias[t]` (0 elsewhere)."""

    vocab_size: int
    token_ids: tuple[int, ...]
    values: tuple[float, ...]

    def dense(self):  # -> torch.Tensor [vocab_size]
        """The bias as a dense float32 tensor."""
        import torch

        out = torch.zeros(self.vocab_size, dtype=torch.float32)
        if self.token_ids:
            out[torch.tensor(self.token_ids)] = torch.tensor(self.values, dtype=torch.float32)
        return out

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {"vocab_size": self.vocab_size, "token_ids": list(self.token_ids), "values": list(self.values)}

    @classmethod
    def from_dict(cls, data: dict) -> TokenBias:
        """Inverse of `to_dict`."""
        return cls(int(data["vocab_size"]), tuple(data["token_ids"]), tuple(float(v) for v in data["values"]))


def distill_token_bias(
    rollouts: Iterable[Rollout],
    tokenize: Callable[[str], list[int]],
    vocab_size: int,
    *,
    smoothing: float = 1.0,
    clip: float = 2.0,
    min_count: int = 2,
) -> TokenBias:
    """Log-ratio of token frequencies in high- vs low-advantage rollouts (module doc for the formula)."""
    high, low = Counter(), Counter()
    for r in rollouts:
        if r.advantage > 0:
            high.update(tokenize(r.text))
        elif r.advantage < 0:
            low.update(tokenize(r.text))
    n_h, n_l = sum(high.values()), sum(low.values())
    if n_h == 0 or n_l == 0:
        return TokenBias(vocab_size, (), ())
    lam, v = smoothing, vocab_size
    b0 = math.log(lam / (n_h + lam * v)) - math.log(lam / (n_l + lam * v))
    ids, values = [], []
    for t in sorted(set(high) | set(low)):
        if high[t] + low[t] < min_count or not 0 <= t < vocab_size:
            continue
        b = math.log((high[t] + lam) / (n_h + lam * v)) - math.log((low[t] + lam) / (n_l + lam * v)) - b0
        b = max(-clip, min(clip, b))
        if b != 0.0:
            ids.append(t)
            values.append(b)
    return TokenBias(vocab_size, tuple(ids), tuple(values))
