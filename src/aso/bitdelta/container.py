"""`BitDelta`: a set of 1-bit tensors plus tensors kept dense, and its safetensors file format.

File layout (one `.safetensors` file, format `aso-bitdelta`, version 1)::

    tensors
        "<name>::signs"     uint8 [ceil(numel/8)]   sign bits, little-endian within a byte
        "<name>::nonzero"   uint8 [ceil(numel/8)]   zero mask plane (only tensors stored with keep_zeros)
        "<name>::scale"     float32 [1]             α
        "<name>::dense"     any dtype, any shape    a tensor kept as is (16-bit by default)
    metadata (str -> str)
        format = "aso-bitdelta", version = "1", kind = "model-delta" | "expert-factors"
        shapes   JSON {name: [dims]}      original shapes of the 1-bit tensors
        dtypes   JSON {name: "float32"}   original dtypes of the 1-bit tensors
        sources  JSON {label: hash}       provenance, e.g. base/fine-tuned model identity hashes
        info     JSON                     anything else (selection rules, distillation record)

Files are written atomically (temporary file in the same directory, fsync, rename).
"""

from __future__ import annotations

import enum
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from aso.bitdelta.codec import BitTensor
from aso.errors import ConfigError

FORMAT = "aso-bitdelta"
VERSION = "1"
_SIGNS, _NONZERO, _SCALE, _DENSE = "::signs", "::nonzero", "::scale", "::dense"
_DTYPES = {
    str(d).removeprefix("torch."): d for d in (torch.float32, torch.float16, torch.bfloat16, torch.float64)
}


class DeltaKind(enum.StrEnum):
    """What a BitDelta file holds."""

    MODEL_DELTA = "model-delta"  # fine-tuned minus base weights of one model
    EXPERT_FACTORS = "expert-factors"  # token-level expert factors of the ASO core (PoE priors)


@dataclass
class BitDelta:
    """1-bit tensors (`compressed`), tensors kept dense (`dense`), provenance hashes and free-form info."""

    kind: DeltaKind
    compressed: dict[str, BitTensor] = field(default_factory=dict)
    dense: dict[str, torch.Tensor] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # label -> "sha256:..."
    info: dict[str, Any] = field(default_factory=dict)

    def compressed_bytes(self) -> int:
        """Bytes the 1-bit tensors take (bit planes + scales)."""
        return sum(bt.nbytes for bt in self.compressed.values())

    def compressed_numel(self) -> int:
        """Elements the 1-bit tensors stand for."""
        return sum(bt.numel for bt in self.compressed.values())

    def dense_bytes(self) -> int:
        """Bytes of the tensors kept dense."""
        return sum(t.numel() * t.element_size() for t in self.dense.values())


def to_bytes(delta: BitDelta) -> bytes:
    """Serialise a `BitDelta` to safetensors bytes."""
    overlap = set(delta.compressed) & set(delta.dense)
    if overlap:
        raise ValueError(f"tensor stored both 1-bit and dense: {sorted(overlap)[0]}")
    tensors: dict[str, torch.Tensor] = {}
    for name, bt in delta.compressed.items():
        tensors[name + _SIGNS] = torch.from_numpy(np.ascontiguousarray(bt.signs))
        tensors[name + _SCALE] = torch.tensor([bt.scale], dtype=torch.float32)
        if bt.nonzero is not None:
            tensors[name + _NONZERO] = torch.from_numpy(np.ascontiguousarray(bt.nonzero))
    for name, t in delta.dense.items():
        tensors[name + _DENSE] = t.detach().contiguous().cpu()
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "kind": delta.kind.value,
        "shapes": json.dumps({n: list(bt.shape) for n, bt in delta.compressed.items()}, sort_keys=True),
        "dtypes": json.dumps(
            {n: _dtype_name(bt.dtype) for n, bt in delta.compressed.items()}, sort_keys=True
        ),
        "sources": json.dumps(delta.sources, sort_keys=True),
        "info": json.dumps(delta.info, sort_keys=True, default=str),
    }
    return st_save(tensors, metadata=metadata)


def save(path: str | Path, delta: BitDelta) -> Path:
    """Write `delta` to `path` atomically; returns the path."""
    path = Path(path)
    data = to_bytes(delta)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def from_bytes(data: bytes, *, origin: str = "<bytes>") -> BitDelta:
    """Parse safetensors bytes written by `to_bytes`; `ConfigError` names `origin` and the bad field."""
    try:
        tensors = st_load(data)
        metadata = _read_metadata(data)
    except (SafetensorError, ValueError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{origin}: not a readable safetensors file ({str(exc).splitlines()[0]})") from exc
    if metadata.get("format") != FORMAT:
        raise ConfigError(f"{origin}: metadata 'format' is {metadata.get('format')!r}, expected {FORMAT!r}")
    if metadata.get("version") != VERSION:
        raise ConfigError(
            f"{origin}: unsupported version {metadata.get('version')!r} (this reader: {VERSION})"
        )
    try:
        kind = DeltaKind(metadata.get("kind"))
        shapes = json.loads(metadata["shapes"])
        dtypes = json.loads(metadata["dtypes"])
        sources = json.loads(metadata.get("sources", "{}"))
        info = json.loads(metadata.get("info", "{}"))
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{origin}: bad metadata field ({exc})") from exc
    delta = BitDelta(kind=kind, sources=sources, info=info)
    for name, shape in shapes.items():
        for suffix in (_SIGNS, _SCALE):
            if name + suffix not in tensors:
                raise ConfigError(f"{origin}: tensor {name!r} lacks its {suffix[2:]!r} entry")
        if dtypes.get(name) not in _DTYPES:
            raise ConfigError(f"{origin}: tensor {name!r} has unknown dtype {dtypes.get(name)!r}")
        nonzero = tensors.get(name + _NONZERO)
        try:
            delta.compressed[name] = BitTensor(
                signs=tensors[name + _SIGNS].numpy(),
                scale=float(tensors[name + _SCALE][0]),
                shape=tuple(int(d) for d in shape),
                dtype=_DTYPES[dtypes[name]],
                nonzero=None if nonzero is None else nonzero.numpy(),
            )
        except ValueError as exc:
            raise ConfigError(f"{origin}: tensor {name!r}: {exc}") from exc
    for key, t in tensors.items():
        if key.endswith(_DENSE):
            delta.dense[key.removesuffix(_DENSE)] = t
    return delta


def load(path: str | Path) -> BitDelta:
    """Read a BitDelta file; a missing or malformed file raises `ConfigError` naming it."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"BitDelta file not found: {path}")
    return from_bytes(path.read_bytes(), origin=str(path))


def _read_metadata(data: bytes) -> dict[str, str]:
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + header_len])
    return header.get("__metadata__", {}) or {}


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")
