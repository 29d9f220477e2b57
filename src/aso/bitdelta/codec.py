"""One tensor to one bit per element and back: `Δ̂ = α·sign(Δ)` with `α = mean|Δ|` (HIP-002, BitDelta).

`compress(delta)` keeps the signs (packed, see `aso.bitdelta.packing`) and one float32 scale per
tensor; `decompress` returns exactly `α·sign(Δ)` with sign(0) = +1. With `keep_zeros=True` a second
bit plane marks the non-zero entries, so exact zeros come back as zeros (for sparse tensors such as
token-bias expert factors); α is then the mean |x| over the non-zero entries. That costs 2 bits per
element instead of 1 and is never used for model weight deltas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from aso.bitdelta.packing import expand_scaled_signs, pack_nonzero, pack_signs, packed_size, unpack_bits

_FLOAT_DTYPES = (torch.float32, torch.float16, torch.bfloat16, torch.float64)


@dataclass(frozen=True)
class BitTensor:
    """A tensor compressed to its packed sign bits and one scale."""

    signs: np.ndarray  # uint8 [ceil(numel/8)], bit i = (x_i >= 0), little-endian within a byte
    scale: float  # α, a float32 value
    shape: tuple[int, ...]  # original shape
    dtype: torch.dtype  # original dtype (what `decompress` returns by default)
    nonzero: np.ndarray | None = None  # uint8 [ceil(numel/8)] zero mask plane, only with keep_zeros

    @property
    def numel(self) -> int:
        """Number of elements of the original tensor."""
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Bytes stored for this tensor: bit planes plus the 4-byte scale."""
        planes = self.signs.nbytes + (self.nonzero.nbytes if self.nonzero is not None else 0)
        return planes + 4

    def __post_init__(self) -> None:
        expected = packed_size(self.numel)
        if self.signs.dtype != np.uint8 or self.signs.shape != (expected,):
            raise ValueError(
                f"signs must be uint8[{expected}] for shape {self.shape}, got {self.signs.shape}"
            )
        if self.nonzero is not None and self.nonzero.shape != (expected,):
            raise ValueError(f"nonzero plane must be uint8[{expected}] for shape {self.shape}")


def compress(delta: torch.Tensor, *, keep_zeros: bool = False) -> BitTensor:
    """Compress a float tensor to `α·sign(Δ)`: packed signs plus `α = mean|Δ|` (float32)."""
    if delta.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"compress needs a floating tensor, got {delta.dtype}")
    flat = delta.detach().reshape(-1)
    if flat.numel() == 0:
        raise ValueError("cannot compress an empty tensor")
    work = flat.float() if flat.dtype in (torch.float16, torch.bfloat16) else flat
    # one pass, no |Δ| temporary; torch's cascaded summation keeps float32 accumulation accurate
    l1 = float(torch.linalg.vector_norm(work, 1))
    if not math.isfinite(l1):
        raise ValueError("cannot compress a tensor with inf or nan entries")
    nonzero = None
    count = flat.numel()
    if keep_zeros:
        nonzero = pack_nonzero(work)
        count = int(torch.count_nonzero(work))
    scale = float(np.float32(l1 / count)) if count else 0.0
    return BitTensor(
        signs=pack_signs(work), scale=scale, shape=tuple(delta.shape), dtype=delta.dtype, nonzero=nonzero
    )


def decompress(bt: BitTensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Rebuild `α·sign(Δ)` (zeros kept where the zero plane says so) in `dtype` (default: the original)."""
    out_dtype = dtype or bt.dtype
    out = expand_scaled_signs(bt.signs, bt.shape, bt.scale, out_dtype)
    if bt.nonzero is not None:
        out = out * unpack_bits(bt.nonzero, bt.shape).to(out_dtype)
    return out


def reference_sign(delta: torch.Tensor) -> torch.Tensor:
    """The sign convention `compress` uses, as a dense tensor: +1 where Δ >= 0, else -1."""
    return torch.where(delta >= 0, 1.0, -1.0).to(delta.dtype)
