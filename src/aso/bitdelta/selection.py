"""Which tensors of a model delta go to 1 bit and which are kept in 16-bit: explicit and configurable.

Rules, in order, for each tensor of the fine-tuned model (names are `state_dict` keys, patterns are
shell-style `fnmatch` globs):

1. equal to the base tensor and `skip_unchanged` -> UNCHANGED (not stored; `apply` keeps the base);
2. matches a `keep_dense` pattern, is not floating point, is below 2-D, or has no base counterpart
   of the same shape -> DENSE (the fine-tuned value, stored in `dense_dtype`);
3. matches a `compress` pattern -> COMPRESSED (1 bit per element + one scale);
4. anything else -> DENSE.

The defaults follow BitDelta: the attention and MLP projection matrices are compressed; embeddings, the
LM head and norms are kept in 16-bit.
"""

from __future__ import annotations

import enum
import fnmatch
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aso.config_files import read_yaml
from aso.errors import ConfigError


class TensorRole(enum.StrEnum):
    """What happens to one tensor of a model delta."""

    COMPRESSED = "compressed"
    DENSE = "dense"
    UNCHANGED = "unchanged"


class DeltaSelection(BaseModel):
    """Selection rules for compressing a model delta."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    compress: tuple[str, ...] = Field(
        default=("*.self_attn.*_proj.weight", "*.mlp.*_proj.weight"),
        description="Globs of tensors compressed to 1 bit (2-D floating tensors only).",
    )
    keep_dense: tuple[str, ...] = Field(
        default=("*embed_tokens*", "lm_head*", "*norm*"),
        description="Globs of tensors always kept dense (wins over `compress`).",
    )
    dense_dtype: str = Field(
        default="float16", description="dtype of dense tensors: float16, bfloat16 or float32."
    )
    skip_unchanged: bool = Field(
        default=True, description="Do not store tensors identical to the base (apply keeps the base)."
    )

    def dense_torch_dtype(self) -> torch.dtype:
        """`dense_dtype` as a torch dtype."""
        table = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}
        if self.dense_dtype not in table:
            raise ConfigError(f"dense_dtype must be one of {sorted(table)}, got {self.dense_dtype!r}")
        return table[self.dense_dtype]

    def role(self, name: str, finetuned: torch.Tensor, base: torch.Tensor | None) -> TensorRole:
        """The role of tensor `name` given its fine-tuned and base values (see the module rules)."""
        same_shape = base is not None and base.shape == finetuned.shape
        if (
            self.skip_unchanged
            and same_shape
            and base.dtype == finetuned.dtype
            and torch.equal(base, finetuned)
        ):
            return TensorRole.UNCHANGED
        if (
            _matches(name, self.keep_dense)
            or not finetuned.is_floating_point()
            or finetuned.dim() < 2
            or not same_shape
        ):
            return TensorRole.DENSE
        if _matches(name, self.compress):
            return TensorRole.COMPRESSED
        return TensorRole.DENSE


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def load_selection(path: str | Path | None) -> DeltaSelection:
    """Read selection rules from a YAML/JSON file (None = defaults); errors name the file and field."""
    if path is None:
        return DeltaSelection()
    path = Path(path)
    data = read_yaml(path, "selection file", allow_empty=True)  # YAML reads JSON too
    try:
        selection = DeltaSelection(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{path}: field {field!r}: {err['msg']}") from exc
    selection.dense_torch_dtype()
    return selection
