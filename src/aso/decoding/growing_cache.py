"""A KV cache that grows by doubling instead of by concatenation.

`transformers`' `DynamicCache` appends each step's keys and values with `torch.cat`, which copies the
whole cache of every layer at every step: for K context rows that copy grows with K x length and, for
the embedded model, was the largest per-step cost after the matrix products (measured ~15 ms of a
~100 ms 4-row step). `GrowingCache` keeps each layer's keys and values in a buffer with spare room
(capacity doubles when full) and hands attention views of the filled part: the same numbers, the same
shapes, no per-step copy.
"""

from __future__ import annotations

import torch
from transformers.cache_utils import Cache, DynamicLayer, get_layer_types_and_kwargs


class GrowingLayer(DynamicLayer):
    """One layer's keys/values in a buffer with room to grow along the sequence axis."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        """Set dtype/device; buffers are made by the first `update`."""
        super().lazy_initialization(key_states, value_states)
        self._key_buf: torch.Tensor | None = None
        self._value_buf: torch.Tensor | None = None
        self._length = 0

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Write the new states after the filled part; return views of everything filled so far."""
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        new = key_states.shape[-2]
        end = self._length + new
        if self._key_buf is None or end > self._key_buf.shape[-2]:
            self._grow(key_states, value_states, max(2 * end, 64))
        assert self._key_buf is not None and self._value_buf is not None
        self._key_buf[..., self._length : end, :] = key_states
        self._value_buf[..., self._length : end, :] = value_states
        self._length = end
        self.keys = self._key_buf[..., :end, :]
        self.values = self._value_buf[..., :end, :]
        return self.keys, self.values

    def _grow(self, key_states: torch.Tensor, value_states: torch.Tensor, capacity: int) -> None:
        def bigger(old: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
            shape = (*like.shape[:-2], capacity, like.shape[-1])
            buf = torch.empty(shape, dtype=like.dtype, device=like.device)
            if old is not None and self._length:
                buf[..., : self._length, :] = old[..., : self._length, :]
            return buf

        self._key_buf = bigger(self._key_buf, key_states)
        self._value_buf = bigger(self._value_buf, value_states)

    def get_seq_length(self) -> int:
        """Filled length."""
        return self._length if self.is_initialized else 0

    def reset(self) -> None:
        """Drop the buffers."""
        self._key_buf = self._value_buf = None
        self._length = 0
        super().reset()

    def crop(self, tokens_to_remove: int) -> None:
        """Forget the last `-tokens_to_remove` positions (negative count, as `DynamicLayer.crop`)."""
        super().crop(tokens_to_remove)
        if self.is_initialized and tokens_to_remove < 0:
            self._length = max(self._length + tokens_to_remove, 0)

    def batch_repeat_interleave(self, repeats: int) -> None:
        """Not supported: rows of a `ContextBank` are fixed."""
        raise NotImplementedError("GrowingLayer does not change its batch")

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        """Not supported: rows of a `ContextBank` are fixed."""
        raise NotImplementedError("GrowingLayer does not change its batch")


class GrowingCache(Cache):
    """A `Cache` of `GrowingLayer`s, one per decoder layer, created as the model asks for them."""

    def __init__(self) -> None:
        super().__init__(layer_class_to_replicate=GrowingLayer)


def growing_cache_for(config) -> GrowingCache | None:  # noqa: ANN001 - any transformers config
    """A `GrowingCache` when every layer of the model is plain full attention; None (use the model's own
    cache) for sliding-window, chunked, shared or linear-attention layers."""
    try:
        layer_types, _ = get_layer_types_and_kwargs(config.get_text_config(decoder=True))
    except Exception:  # noqa: BLE001 - an unusual config: let the model pick its cache
        return None
    return GrowingCache() if all(t == "full_attention" for t in layer_types) else None
