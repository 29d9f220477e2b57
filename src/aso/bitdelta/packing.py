"""Sign bits packed eight to a byte, vectorised with numpy (no Python loop over elements).

Bit order is little-endian within a byte: element `i` of the flattened tensor is bit `i % 8` of byte
`i // 8`. The last byte is zero-padded when the element count is not a multiple of 8; the true count
always travels with the packed bytes (as the tensor shape), so padding is never read back as data.

Convention: the stored bit is 1 where the value is >= 0, so sign(0) is taken as +1 (one bit cannot
hold a third state). Callers that need exact zeros back keep a second bit plane (`pack_nonzero`).
"""

from __future__ import annotations

import math

import numpy as np
import torch

# byte value -> its 8 bits, little-endian: shape (256, 8), dtype bool
_BYTE_BITS = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little").astype(bool)


def packed_size(numel: int) -> int:
    """Number of bytes that hold `numel` packed bits."""
    return math.ceil(numel / 8)


def _flat_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().reshape(-1).cpu().numpy()


def pack_signs(t: torch.Tensor) -> np.ndarray:
    """Pack `t >= 0` of any shape into a 1-D uint8 array of `ceil(numel/8)` bytes."""
    if t.dtype in (torch.bfloat16,):  # numpy has no bfloat16; the sign test is exact in float32
        t = t.float()
    bits = _flat_numpy(t) >= 0
    return np.packbits(bits, bitorder="little")


def pack_nonzero(t: torch.Tensor) -> np.ndarray:
    """Pack `t != 0` of any shape into a 1-D uint8 array (the zero mask plane)."""
    if t.dtype in (torch.bfloat16,):
        t = t.float()
    return np.packbits(_flat_numpy(t) != 0, bitorder="little")


def unpack_bits(packed: np.ndarray, shape: tuple[int, ...]) -> torch.Tensor:
    """Inverse of the packers: a bool tensor of `shape` (padding bits dropped)."""
    numel = math.prod(shape)
    _check_length(packed, numel)
    bits = np.unpackbits(np.asarray(packed, dtype=np.uint8), count=numel, bitorder="little")
    return torch.from_numpy(bits.astype(bool)).reshape(shape)


def expand_scaled_signs(
    packed: np.ndarray, shape: tuple[int, ...], scale: float, dtype: torch.dtype
) -> torch.Tensor:
    """Decode packed sign bits straight to `scale * (+1 | -1)` in `dtype`, through a 256-row lookup table.

    One gather per byte writes its eight output values, which is much faster than unpacking to bits
    and then multiplying.
    """
    numel = math.prod(shape)
    _check_length(packed, numel)
    lut = torch.where(
        torch.from_numpy(_BYTE_BITS), torch.tensor(scale, dtype=dtype), torch.tensor(-scale, dtype=dtype)
    )
    idx = torch.from_numpy(np.asarray(packed, dtype=np.uint8)).to(torch.int64)
    out = lut.index_select(0, idx).reshape(-1)
    if out.numel() != numel:
        out = out[:numel]
    return out.reshape(shape)


def _check_length(packed: np.ndarray, numel: int) -> None:
    if packed.ndim != 1 or packed.size != packed_size(numel):
        raise ValueError(
            f"packed bits have {packed.size} bytes, expected {packed_size(numel)} for {numel} elements"
        )
