"""Model weight deltas: `compress_model(base, finetuned)` -> `BitDelta`, and `apply(base, delta)`.

States are `state_dict`-style mappings name -> tensor. The delta records a hash of the base tensors it
touches, so applying it to a different base is refused instead of silently producing a wrong model.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping

import numpy as np
import torch

from aso.bitdelta.codec import compress, decompress
from aso.bitdelta.container import BitDelta, DeltaKind
from aso.bitdelta.selection import DeltaSelection, TensorRole
from aso.errors import ConfigError

State = Mapping[str, torch.Tensor]
BASE_TENSORS_KEY = "base_tensors"


def tensors_hash(state: State, names: Iterable[str]) -> str:
    """`sha256:<hex>` over the names, dtypes, shapes and bytes of `names` in `state` (sorted by name)."""
    digest = hashlib.sha256()
    for name in sorted(names):
        t = state[name].detach().contiguous().cpu()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}\n".encode())
        if t.dtype == torch.bfloat16:
            t = t.view(torch.int16)
        digest.update(np.ascontiguousarray(t.numpy()).view(np.uint8).data)
    return f"sha256:{digest.hexdigest()}"


def plan(base: State, finetuned: State, selection: DeltaSelection) -> dict[str, TensorRole]:
    """The role of every fine-tuned tensor under `selection`."""
    return {name: selection.role(name, t, base.get(name)) for name, t in finetuned.items()}


def compress_model(
    base: State,
    finetuned: State,
    selection: DeltaSelection | None = None,
    *,
    sources: Mapping[str, str] | None = None,
) -> BitDelta:
    """Compress `finetuned - base`: 1-bit for COMPRESSED tensors, `dense_dtype` values for DENSE ones."""
    selection = selection or DeltaSelection()
    dense_dtype = selection.dense_torch_dtype()
    roles = plan(base, finetuned, selection)
    delta = BitDelta(kind=DeltaKind.MODEL_DELTA, sources=dict(sources or {}))
    for name, role in roles.items():
        if role is TensorRole.COMPRESSED:
            diff = finetuned[name].detach().float() - base[name].detach().float()
            bt = compress(diff)
            # decompress returns the base's dtype by default
            delta.compressed[name] = dataclasses.replace(bt, dtype=base[name].dtype)
        elif role is TensorRole.DENSE:
            t = finetuned[name].detach()
            delta.dense[name] = t.to(dense_dtype) if t.is_floating_point() else t.clone()
    touched = [n for n in delta.compressed if n in base]
    delta.sources[BASE_TENSORS_KEY] = tensors_hash(base, touched)
    delta.info["selection"] = selection.model_dump(mode="json")
    delta.info["roles"] = {r.value: sum(1 for x in roles.values() if x is r) for r in TensorRole}
    return delta


def apply(base: State, delta: BitDelta, *, check_base: bool = True) -> dict[str, torch.Tensor]:
    """A new state: base + α·sign for 1-bit tensors, the stored value for dense ones, base elsewhere.

    Tensors not touched by the delta are shared with `base` (not copied). With `check_base`, the base
    tensors the delta modifies must hash to the value recorded at compression time.
    """
    if delta.kind is not DeltaKind.MODEL_DELTA:
        raise ConfigError(f"cannot apply a {delta.kind.value!r} file to model weights")
    missing = [n for n in delta.compressed if n not in base]
    if missing:
        raise ConfigError(f"base model has no tensor {missing[0]!r} that the delta modifies")
    for name, bt in delta.compressed.items():
        if tuple(base[name].shape) != bt.shape:
            raise ConfigError(
                f"tensor {name!r}: base shape {tuple(base[name].shape)} != delta shape {bt.shape}"
            )
    expected = delta.sources.get(BASE_TENSORS_KEY)
    if check_base and expected is not None:
        actual = tensors_hash(base, delta.compressed)
        if actual != expected:
            raise ConfigError(
                f"this delta was made against a different base (base tensors hash {actual[:19]}..., "
                f"delta expects {expected[:19]}...)"
            )
    out = dict(base)
    for name, bt in delta.compressed.items():
        b = base[name]
        out[name] = (b.float() + decompress(bt, torch.float32)).to(b.dtype)
    for name, t in delta.dense.items():
        target = base.get(name)
        out[name] = t.to(target.dtype) if target is not None and t.is_floating_point() else t.clone()
    return out
