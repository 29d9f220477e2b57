"""All context experts in one batched forward pass with a KV cache.

A `ContextBank` holds K contexts (the base prompt and the prompt conditioned on each prior), left-padded
into one `[K, L]` batch. Each decoding step appends the same chosen token to every row and runs ONE
forward of `[K, 1]` over the shared KV cache, giving `[K, V]` next-token log-probabilities: the cost of
K experts is one batched call, not K calls; with K >= 2 the large weight matrices go through
`PackedLinears` (weights re-laid out for K rows), and the KV cache is a `GrowingCache` (no per-step
copy of the whole cache): both keep a K-row step close to a 1-row step on CPU.
`ContextExpert(bank, row)` exposes row `row` as an `Expert`.

The bank follows the generated suffix: `log_probs(generated)` feeds whatever tokens of `generated` it
has not seen yet, so it works both inside `PoEDecoder` and as a `LogitsProcessor` in
`transformers.generate` (batch size 1 there).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

import torch

from aso.decoding.experts import Expert
from aso.decoding.growing_cache import growing_cache_for
from aso.decoding.packed_linears import PackedLinears
from aso.models.transformers_backend import left_pad

_STALE = torch.empty(0)
"""Marks `_last` after a rollback: the log-probabilities after the kept prefix are unknown."""


class ContextBank:
    """K token contexts advanced in lock-step with one cached batched forward per step."""

    def __init__(
        self,
        hf_model,
        contexts: Sequence[Sequence[int]],
        pad_id: int = 0,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        if not contexts or any(len(c) == 0 for c in contexts):
            raise ValueError("ContextBank needs at least one non-empty context")
        self.model = hf_model
        self.contexts = [list(c) for c in contexts]
        self.pad_id = pad_id
        self.dtype = dtype
        """Precision of the packed large products in decoding steps (`PackedLinears.rows`)."""
        self._packed = PackedLinears.of(hf_model) if isinstance(hf_model, torch.nn.Module) else None
        self.reset()

    @property
    def size(self) -> int:
        """Number of contexts K."""
        return len(self.contexts)

    def reset(self) -> None:
        """Drop the cache; the next `log_probs` call re-reads the contexts."""
        self._cache = None
        self._fed: list[int] = []
        self._last: torch.Tensor | None = None
        self._mask: torch.Tensor | None = None
        self._next_pos: torch.Tensor | None = None

    @torch.inference_mode()
    def log_probs(self, generated: Sequence[int]) -> torch.Tensor:
        """`[K, V]` log-softmax of the next token after each context + `generated`."""
        generated = list(generated)
        if self._fed != generated[: len(self._fed)]:
            self.reset()  # a different continuation: start over
        if self._last is None:
            self._prefill()
        for token in generated[len(self._fed) :]:
            self._step(token)
        if self._last is _STALE:
            raise RuntimeError("ContextBank rolled back: advance by a token before reading log-probs")
        assert self._last is not None
        return self._last

    def _prefill(self) -> None:
        ids, mask = left_pad(self.contexts, self.pad_id)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        # logits_to_keep=1: only the last position's logits (a [K, L, V] prefill would cost K·L lm_heads)
        cache = growing_cache_for(self.model.config) if hasattr(self.model, "config") else None
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        self._cache, self._mask = out.past_key_values, mask
        self._next_pos = positions[:, -1:] + 1
        self._last = torch.log_softmax(out.logits[:, -1, :].float(), dim=-1)
        self._fed = []

    @torch.inference_mode()
    def step_rows(self, tokens: Sequence[int]) -> torch.Tensor:
        """Advance each row by its own token (several prompts in one bank); returns `[K, V]`.

        Used by `PoEDecoder.generate_batch`; call once with `tokens=[]` to prefill. Do not mix with
        `log_probs`, which advances every row by the same token.
        """
        if self._last is None:
            self._prefill()
        if tokens:
            self._step(list(tokens))
        assert self._last is not None
        return self._last

    @torch.inference_mode()
    def advance(self, tokens: Sequence[int]) -> torch.Tensor:
        """Feed the same `n` tokens to every row in ONE forward; returns `[K, n, V]`, the next-token
        log-probabilities after each of them (position `j` = after `tokens[: j + 1]`)."""
        tokens = list(tokens)
        if not tokens:
            raise ValueError("advance needs at least one token")
        if self._last is None:
            self._prefill()
        log_probs = self._forward(torch.tensor(tokens, dtype=torch.long).expand(self.size, len(tokens)))
        self._fed.extend(tokens)
        return log_probs

    def rollback(self, count: int) -> None:
        """Forget the last `count` fed tokens (their cache entries too). The log-probabilities after the
        remaining prefix are not kept: the next call must `advance` by at least one token."""
        if count <= 0:
            return
        if count > len(self._fed) or self._cache is None:
            raise ValueError(f"cannot roll back {count} of {len(self._fed)} fed tokens")
        assert self._mask is not None and self._next_pos is not None
        self._cache.crop(-count)
        self._mask = self._mask[:, :-count]
        self._next_pos = self._next_pos - count
        self._fed = self._fed[:-count]
        self._last = _STALE

    def _step(self, token: int | list[int]) -> None:
        k = self.size
        if isinstance(token, list):
            ids = torch.tensor(token, dtype=torch.long).view(k, 1)
        else:
            ids = torch.full((k, 1), token, dtype=torch.long)
        self._forward(ids)
        if isinstance(token, int):
            self._fed.append(token)

    def _forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Run `[K, n]` new tokens over the cache; keeps the last position's log-probs, returns all."""
        assert self._mask is not None and self._next_pos is not None
        k, n = ids.shape
        self._mask = torch.cat([self._mask, torch.ones((k, n), dtype=torch.long)], dim=-1)
        # packed weights only for one-token steps: an n-token chunk is a different row count
        packed = self._packed.rows(k, self.dtype) if self._packed is not None and n == 1 else nullcontext()
        with packed:
            out = self.model(
                input_ids=ids,
                attention_mask=self._mask,
                position_ids=self._next_pos + torch.arange(n),
                past_key_values=self._cache,
                use_cache=True,
            )
        self._cache = out.past_key_values
        self._next_pos = self._next_pos + n
        log_probs = torch.log_softmax(out.logits.float(), dim=-1)
        self._last = log_probs[:, -1, :]
        return log_probs


class ContextExpert(Expert):
    """Row `row` of a `ContextBank`: `log φ = log π(· | context_row + generated)`.

    As a `LogitsProcessor`, the first call's `input_ids` length is taken as the prompt length; the
    generated suffix after it is what the bank follows.
    """

    name = "context"

    def __init__(self, bank: ContextBank, row: int, weight: float = 1.0, name: str | None = None) -> None:
        super().__init__(weight)
        if not 0 <= row < bank.size:
            raise ValueError(f"row {row} outside the bank's {bank.size} contexts")
        self.bank, self.row = bank, row
        self.name = name or f"context{row}"
        self._prompt_len: int | None = None
        self.generated: list[int] | None = None
        """Set by `PoEDecoder` each step; None = derive from `input_ids` (LogitsProcessor use)."""

    def reset(self) -> None:
        """Forget the prompt length seen through the LogitsProcessor interface."""
        self._prompt_len = None

    def process_logits(self, input_ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        """The row's next-token log-probabilities, broadcast to the batch."""
        if self.generated is not None:
            generated = self.generated
        else:
            if input_ids.shape[0] != 1:
                raise ValueError("a ContextExpert used as a LogitsProcessor supports batch size 1")
            if self._prompt_len is None:
                self._prompt_len = input_ids.shape[1]
            generated = input_ids[0, self._prompt_len :].tolist()
        return self.bank.log_probs(generated)[self.row].unsqueeze(0).expand(logits.shape[0], -1)
