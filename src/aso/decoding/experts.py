"""Experts of the Product-of-Experts, in the template-method shape.

`Expert.__call__(input_ids, scores)` is a `transformers` `LogitsProcessor`: the base class handles shapes
(1-D or 2-D `input_ids`, `[V]` or `[B, V]` scores, a vocabulary padded beyond the expert's) and returns
`scores + weight · log φ`. A subclass writes only `process_logits(input_ids [B, T], logits [B, V]) ->
log φ [B, V]`, its (unnormalised) log-factor for the next token. `PoEDecoder` calls `process_logits`
directly and normalises the sum once (`aso.decoding.combine`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import torch

# (input_ids [T] of one sequence, vocab size) -> bool mask [V], True = allowed.
AllowedMask = Callable[[torch.Tensor, int], torch.Tensor]


class Expert(ABC):
    """One factor φ of the product; `weight` is its η."""

    name: str = "expert"

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = float(weight)

    @abstractmethod
    def process_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """Log-factor `log φ` for the next token: `[B, T]` ids and `[B, V]` logits -> `[B, V]`."""

    def reset(self) -> None:
        """Forget per-generation state (called before each new generation); stateless by default."""
        return None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """`LogitsProcessor` interface: `scores + weight · log φ`, same shape as `scores`."""
        squeeze = scores.dim() == 1
        ids = input_ids.unsqueeze(0) if input_ids.dim() == 1 else input_ids
        sc = scores.unsqueeze(0) if squeeze else scores
        factor = fit_vocab(self.process_logits(ids, sc), sc.shape[-1])
        out = sc + self.weight * factor.to(sc.dtype)
        return out.squeeze(0) if squeeze else out


def fit_vocab(factor: torch.Tensor, vocab: int) -> torch.Tensor:
    """Pad (with 0 = neutral) or cut a `[B, V']` factor to `[B, vocab]`."""
    have = factor.shape[-1]
    if have == vocab:
        return factor
    if have > vocab:
        return factor[..., :vocab]
    pad = torch.zeros(*factor.shape[:-1], vocab - have, dtype=factor.dtype, device=factor.device)
    return torch.cat([factor, pad], dim=-1)


class TokenBiasExpert(Expert):
    """An additive token bias: `log φ(t) = bias[t]`, the same at every step (distilled from advantages)."""

    name = "token_bias"

    def __init__(self, bias: torch.Tensor, weight: float = 1.0) -> None:
        super().__init__(weight)
        self.bias = bias.float()

    def process_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The bias, broadcast over the batch."""
        return fit_vocab(self.bias.to(logits.device).expand(logits.shape[0], -1), logits.shape[-1])


class GrammarExpert(Expert):
    """Masks tokens a grammar forbids: `log φ = 0` where allowed, `−inf` elsewhere.

    `allowed` is any callable `(input_ids [T], vocab_size) -> bool [V]`, or a `transformers`-style
    logits processor (pass `processor=`): then the allowed set is where it leaves scores finite, so a
    grammar-constrained processor written elsewhere (`aso.synth.hints.constrained`) plugs in as is.
    """

    name = "grammar"

    def __init__(
        self,
        allowed: AllowedMask | None = None,
        *,
        processor: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
        weight: float = 1.0,
    ) -> None:
        if (allowed is None) == (processor is None):
            raise ValueError("GrammarExpert needs exactly one of allowed= or processor=")
        super().__init__(weight)
        self.allowed = allowed
        self.processor = processor

    def process_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """0 for allowed tokens, −inf for forbidden ones."""
        if self.processor is not None:
            masked = self.processor(input_ids, logits.clone())
            mask = torch.isfinite(masked)
        else:
            assert self.allowed is not None
            mask = torch.stack([self.allowed(row, logits.shape[-1]) for row in input_ids])
        out = torch.zeros_like(logits)
        out[~mask.to(torch.bool)] = float("-inf")
        return out

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """Mask (the weight does not scale −inf into anything else)."""
        squeeze = scores.dim() == 1
        ids = input_ids.unsqueeze(0) if input_ids.dim() == 1 else input_ids
        sc = scores.unsqueeze(0) if squeeze else scores
        out = sc + self.process_logits(ids, sc)
        return out.squeeze(0) if squeeze else out
