"""Pre-packed weights for the big matrices of a model, so a decoding step of a few rows costs about
what a step of one row costs.

A PoE step feeds K rows (one per context expert) through the model. For K between 2 and ~16, the
ordinary fp32 GEMM behind `nn.Linear` runs far below the CPU's peak: measured here, a 4-row product
with a 1536x576 matrix took ~2x the 1-row one, and the 49152x576 output layer ~2.1x, although the
weights are read once. oneDNN can re-lay a weight out for a known row count (the path `torch.compile`
uses for CPU linears: `torch.ops.mkldnn._reorder_linear_weight` / `_linear_pointwise`); with that,
the 4-row product costs ~1.05-1.25x the 1-row one.

`PackedLinears.of(hf_model)` installs, once per model, a forward on each large `nn.Linear` that uses
the packed weight when the input has exactly a registered row count and the ordinary `F.linear`
otherwise. `with packed.rows(k): ...` registers `k` (packing on first use, ~0.1 s for the 135M model)
for the duration of the block. Results equal `F.linear` up to float round-off (~1e-4 on logits);
single rows are never routed through the packed path, so one-context decoding stays bit-identical to
`transformers`.

Costs and limits: one extra copy of the packed matrices per registered (row count, dtype) (430 MB in
float32 for the 135M model, half that in bfloat16; at most `max_packs` kept); only fp32 CPU weights
with at least `min_elements` entries (smaller ones gain nothing); needs a torch built with oneDNN —
otherwise, or with `ASO_PACKED_LINEARS=off`, `rows()` is a no-op.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F

MIN_ELEMENTS = 500_000
"""Matrices smaller than this (attention projections of small models) gain nothing from packing."""


def packing_available() -> bool:
    """True when this torch can pack linear weights (oneDNN present, not disabled by the environment)."""
    if os.environ.get("ASO_PACKED_LINEARS", "auto").lower() in ("off", "0", "false", "no"):
        return False
    ops = torch.ops.mkldnn
    return torch.backends.mkldnn.is_available() and all(
        hasattr(ops, name) for name in ("_reorder_linear_weight", "_linear_pointwise")
    )


class PackedLinears:
    """The packed-weight forwards installed on one model's large linear layers."""

    _lock = threading.Lock()

    def __init__(self, hf_model: torch.nn.Module, min_elements: int = MIN_ELEMENTS, max_packs: int = 2):
        self.layers = [
            m
            for m in hf_model.modules()
            if isinstance(m, torch.nn.Linear)
            and m.weight.dtype == torch.float32
            and m.weight.device.type == "cpu"
            and m.weight.numel() >= min_elements
        ]
        self.max_packs = max_packs
        self._packs: OrderedDict[tuple[int, torch.dtype], list[tuple[torch.Tensor, torch.Tensor | None]]] = (
            OrderedDict()
        )
        self._active: dict[int, list[torch.dtype]] = {}
        self.enabled = packing_available() and bool(self.layers)
        if self.enabled:
            for index, layer in enumerate(self.layers):
                layer.forward = self._forward_for(index, layer)  # type: ignore[method-assign]

    @classmethod
    def of(cls, hf_model: torch.nn.Module) -> PackedLinears:
        """The model's `PackedLinears`, created (and its forwards installed) on first use."""
        with cls._lock:
            packed = getattr(hf_model, "_aso_packed_linears", None)
            if packed is None:
                packed = cls(hf_model)
                hf_model._aso_packed_linears = packed  # type: ignore[attr-defined]
            return packed

    def _forward_for(self, index: int, layer: torch.nn.Linear):
        def forward(x: torch.Tensor) -> torch.Tensor:
            rows = x.numel() // x.shape[-1] if x.numel() else 0
            dtypes = self._active.get(rows)
            pack = self._packs.get((rows, dtypes[-1])) if dtypes else None
            if pack is None or torch.is_grad_enabled():
                return F.linear(x, layer.weight, layer.bias)
            weight, bias = pack[index]
            flat = x.reshape(rows, x.shape[-1]).to(weight.dtype)
            out = torch.ops.mkldnn._linear_pointwise(flat, weight, bias, "none", [], "")
            return out.to(x.dtype).view(*x.shape[:-1], out.shape[-1])

        return forward

    def _pack(self, key: tuple[int, torch.dtype]) -> None:
        if key in self._packs:
            self._packs.move_to_end(key)
            return
        for old in list(self._packs):
            if len(self._packs) < self.max_packs:
                break
            if old[1] not in self._active.get(old[0], ()):
                del self._packs[old]
        rows, dtype = key
        with torch.no_grad():
            self._packs[key] = [
                (
                    torch.ops.mkldnn._reorder_linear_weight(layer.weight.detach().to(dtype), rows),
                    None if layer.bias is None else layer.bias.detach().to(dtype),
                )
                for layer in self.layers
            ]

    @contextmanager
    def rows(self, count: int, dtype: torch.dtype = torch.float32) -> Iterator[None]:
        """Route products with exactly `count` rows through packed weights inside the block.

        `float32` (exact up to round-off) needs `count >= 2`: one row gains nothing and stays bit-identical
        to `transformers`. `bfloat16` (any count) keeps bf16 copies of the packed matrices and computes
        those products in bf16 (~0.35% relative error per product), which CPUs with AMX/AVX-512-BF16 run
        several times faster; activations stay float32 between layers.
        """
        if not self.enabled or (dtype == torch.float32 and count < 2):
            yield
            return
        with self._lock:
            self._pack((count, dtype))
            self._active.setdefault(count, []).append(dtype)
        try:
            yield
        finally:
            with self._lock:
                self._active[count].remove(dtype)
                if not self._active[count]:
                    del self._active[count]
