"""Greedy PoE by draft-and-verify: the base context drafts, the prior contexts check the draft at once.

Lock-step PoE runs all K context rows at every token. On a CPU that costs ~1.4x a 1-row step for
K = 4, because each extra row is more arithmetic. Prior-conditioned contexts mostly agree with the base,
so this loop lets the base row decode `n` tokens alone (each a cheap 1-row step; its draft is the argmax
of the base log-probabilities times the summed context weights, plus the non-context experts), then
feeds the whole draft to the K-1 prior rows in ONE forward (`ContextBank.advance`, `[K-1, n]` tokens,
far more arithmetic per weight read than `n` separate steps) and computes the exact PoE distribution at
every drafted position. The longest prefix whose PoE argmax equals the draft is kept; at the first
disagreement the PoE token is taken instead and both banks roll back the rest (`ContextBank.rollback`).

The result is the lock-step greedy PoE output: every kept token is the PoE argmax given the tokens
before it (up to float round-off between a chunked and a stepwise forward, ~1e-6 on log-probs).
Greedy only; sampling, and experts that keep state across calls (a grammar), use the lock-step loop.

Opt-in (`PoEDecoder(draft_tokens=N)`, default 0 = lock-step), because on the CPU it was measured on it
does not pay: with the embedded model, 4 contexts and 8-token drafts, ~88% of drafted tokens were
accepted, yet a `[3, 8]` verification forward cost about as much per row-token as 3 extra rows of a
lock-step step (small-M fp32 products are not more efficient chunked), and rejected drafts cost base
steps; see docs/bench/aso.md. It pays where a chunked forward is much cheaper per token than stepwise
ones (e.g. long drafts at high acceptance, or hardware whose cost is flat in the row count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from aso.decoding.combine import poe_log_probs
from aso.decoding.contexts import ContextBank
from aso.decoding.experts import Expert


@dataclass
class SpeculativeResult:
    """Tokens produced and how the draft fared."""

    tokens: list[int]
    stopped_by: str
    """"eos", "stop" (the `stopped` callback said so) or "length"."""
    rounds: int = 0
    drafted: int = 0
    accepted: int = 0
    """Drafted tokens the PoE argmax confirmed (the others were replaced by the PoE token)."""


def speculative_greedy(
    base: ContextBank,
    priors: ContextBank,
    etas: Sequence[float],
    others: Sequence[Expert],
    prompt_ids: Sequence[int],
    eos: set[int],
    max_tokens: int,
    *,
    min_tokens: int = 0,
    draft_tokens: int = 6,
    stopped: Callable[[list[int]], bool] = lambda tokens: False,
) -> SpeculativeResult:
    """Greedy PoE of `base` (1 row, weight `etas[0]`), the rows of `priors` (`etas[1:]`) and `others`."""
    if base.size != 1 or priors.size != len(etas) - 1:
        raise ValueError(f"{base.size} base row(s) and {priors.size} prior rows for {len(etas)} weights")
    weights = [*etas, *(e.weight for e in others)]
    draft_weight = float(sum(etas))
    eos_ids = sorted(eos)
    out = SpeculativeResult([], "length")
    base_next = base.log_probs([])[0]  # after everything the base has consumed
    prior_next: torch.Tensor | None = priors.log_probs([])  # [K-1, V]; None while `pending` is not fed
    pending: list[int] = []  # accepted tokens the prior rows have not consumed yet

    def combine(factors: list[torch.Tensor], w: list[float], prefix: list[int]) -> torch.Tensor:
        ids = torch.tensor([list(prompt_ids) + prefix])
        row = factors[0].unsqueeze(0)
        extra = [e.process_logits(ids, row) for e in others]
        logp = poe_log_probs([f.unsqueeze(0) if f.dim() == 1 else f for f in factors] + extra, w)[0]
        if len(prefix) < min_tokens:
            logp[eos_ids] = float("-inf")
        return logp

    tokens = out.tokens
    while len(tokens) < max_tokens:
        out.rounds += 1
        drafts: list[int] = []
        base_before: list[torch.Tensor] = []
        for _ in range(min(draft_tokens, max_tokens - len(tokens))):
            base_before.append(base_next)
            draft_logp = combine([base_next], [draft_weight, *weights[len(etas) :]], tokens + drafts)
            guess = int(torch.argmax(draft_logp))
            drafts.append(guess)
            if guess in eos:
                break
            base_next = base.advance([guess])[0, -1]
        fed_drafts = drafts[:-1] if drafts[-1] in eos else drafts
        chunk = pending + fed_drafts
        chunk_lp = priors.advance(chunk) if chunk else None
        out.drafted += len(drafts)

        # prior log-probs before drafts[j]: chunk output after the token preceding it
        offset = len(pending) - 1
        prior_at = [
            prior_next if offset + j < 0 else chunk_lp[:, offset + j, :]  # type: ignore[index]
            for j in range(len(drafts))
        ]

        for j, drafted in enumerate(drafts):
            factors = [base_before[j], *prior_at[j]]
            choice = int(torch.argmax(combine(factors, weights, tokens)))
            agreed = choice == drafted
            if agreed:
                out.accepted += 1
            else:  # disagreement: keep drafts[:j], take the PoE token, forget the rest
                base.rollback(len(fed_drafts) - j)
                priors.rollback(len(fed_drafts) - j)
            if choice in eos:
                out.stopped_by = "eos"
                return out
            tokens.append(choice)
            if stopped(tokens):
                out.stopped_by = "stop"
                return out
            if agreed:
                continue
            base_next = base.advance([choice])[0, -1]
            pending, prior_next = [choice], None
            break
        else:
            pending = []
            assert chunk_lp is not None
            prior_next = chunk_lp[:, -1, :]
    return out
