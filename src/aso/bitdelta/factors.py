"""Token-level expert factors (the priors PoE decoding reads) stored 1-bit, in the BitDelta file format.

`save_factors(path, {name: tensor})` compresses every tensor to `α·sign(x)` and, by default, keeps a
zero-mask plane so that entries that are exactly zero (tokens an expert says nothing about) stay zero:
a token-bias vector is mostly zeros, and turning those into ±α would bias the whole vocabulary. That
costs 2 bits per element; pass `keep_zeros=False` for pure 1-bit. Names listed in `keep_dense` are
stored as they are. Non-finite entries (a grammar mask's -inf) cannot be compressed: keep such tensors
dense or do not store them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import torch

from aso.bitdelta.codec import compress, decompress
from aso.bitdelta.container import BitDelta, DeltaKind, load, save
from aso.errors import ConfigError


def compress_factors(
    factors: Mapping[str, torch.Tensor],
    *,
    keep_zeros: bool = True,
    keep_dense: Iterable[str] = (),
    sources: Mapping[str, str] | None = None,
) -> BitDelta:
    """Compress expert factor tensors into an `expert-factors` BitDelta."""
    dense_names = set(keep_dense)
    delta = BitDelta(kind=DeltaKind.EXPERT_FACTORS, sources=dict(sources or {}))
    delta.info["keep_zeros"] = keep_zeros
    for name, t in factors.items():
        if name in dense_names or not t.is_floating_point():
            delta.dense[name] = t.detach().cpu().clone()
            continue
        if not bool(torch.isfinite(t).all()):
            raise ConfigError(f"expert factor {name!r} has inf/nan entries: keep it dense (keep_dense=[...])")
        delta.compressed[name] = compress(t.detach().cpu(), keep_zeros=keep_zeros)
    return delta


def decompress_factors(delta: BitDelta) -> dict[str, torch.Tensor]:
    """All factor tensors of an `expert-factors` BitDelta, decompressed to their original dtypes."""
    if delta.kind is not DeltaKind.EXPERT_FACTORS:
        raise ConfigError(f"expected an expert-factors file, got {delta.kind.value!r}")
    out = {name: decompress(bt) for name, bt in delta.compressed.items()}
    out.update({name: t.clone() for name, t in delta.dense.items()})
    return out


def save_factors(
    path: str | Path,
    factors: Mapping[str, torch.Tensor],
    *,
    keep_zeros: bool = True,
    keep_dense: Iterable[str] = (),
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Compress `factors` and write them to `path` atomically."""
    return save(
        path, compress_factors(factors, keep_zeros=keep_zeros, keep_dense=keep_dense, sources=sources)
    )


def load_factors(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a file written by `save_factors`: name -> decompressed tensor."""
    return decompress_factors(load(path))
