"""Token-bias factors as a tensor file beside the priors.

`export_token_bias` writes the dense bias vector (name `token_bias`) with `aso.bitdelta.save_factors`
(1-bit signs + one scale, zeros kept: lossy, ~2 bits per entry) when `aso.bitdelta` is installed, or
exactly as plain safetensors when it is not, or when `exact=True`. The priors JSON keeps the exact
sparse values either way; this file is for the prior registry and for BitDelta's PoE agreement study.
"""

from __future__ import annotations

import enum
import importlib.util
from pathlib import Path

from aso.grpo.token_bias import TokenBias

FACTOR_NAME = "token_bias"


class FactorFormat(enum.Enum):
    """How a factor file was written."""

    BITDELTA = "bitdelta"
    SAFETENSORS = "safetensors"


def bitdelta_available() -> bool:
    """Whether `aso.bitdelta` (with `save_factors`) is installed."""
    return importlib.util.find_spec("aso.bitdelta") is not None


def export_token_bias(bias: TokenBias, path: Path | str, *, exact: bool = False) -> FactorFormat:
    """Write the dense bias; returns the format used (module doc)."""
    dense = {FACTOR_NAME: bias.dense()}
    if not exact and bitdelta_available():
        from aso.bitdelta import save_factors

        save_factors(path, dense, sources={"vocab_size": str(bias.vocab_size)})
        return FactorFormat.BITDELTA
    from safetensors.torch import save_file

    tmp = Path(str(path) + ".tmp")
    save_file(dense, str(tmp), metadata={"format": FactorFormat.SAFETENSORS.value})
    tmp.replace(path)
    return FactorFormat.SAFETENSORS


def import_token_bias(path: Path | str, fmt: FactorFormat) -> TokenBias:
    """Read a file written by `export_token_bias` back as a sparse `TokenBias`."""
    if fmt is FactorFormat.BITDELTA:
        from aso.bitdelta import load_factors

        dense = load_factors(path)[FACTOR_NAME]
    else:
        from safetensors.torch import load_file

        dense = load_file(str(path))[FACTOR_NAME]
    nz = dense.nonzero().flatten()
    return TokenBias(int(dense.numel()), tuple(nz.tolist()), tuple(dense[nz].float().tolist()))
