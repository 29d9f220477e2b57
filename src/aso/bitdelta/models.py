"""Loading the models a delta is made from, and saving a patched model as a Hugging Face directory.

A model is named as everywhere in aso (`smollm2`, `hf:DIR`, `gguf:FILE`) or by a plain directory path
(a directory saved with `save_pretrained`). Weights are loaded through `aso.models.get_model`, so the
embedded GGUF is dequantised once and cached; callers get their own float32 copy.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from aso.errors import ConfigError, ModelNotFoundError


@dataclass
class LoadedModel:
    """A local causal LM with its tokenizer and identity hash."""

    model: nn.Module  # transformers PreTrainedModel, float32, eval mode, a private copy
    tokenizer: object
    identity: str  # "sha256:..." of the weights file(s)
    name: str


def resolve_name(name: str) -> str:
    """A plain directory becomes `hf:DIR`; other names pass through."""
    path = Path(name).expanduser()
    if ":" not in name and path.is_dir():
        return f"hf:{path}"
    return name


def load_model(name: str) -> LoadedModel:
    """Load a local model by name or directory as a private float32 copy."""
    from aso.models import get_model

    resolved = resolve_name(name)
    backend = get_model(resolved)
    hf_model = getattr(backend, "hf_model", None)
    if hf_model is None:
        raise ModelNotFoundError(f"model {name!r} has no local weights; BitDelta needs a local model")
    model = copy.deepcopy(hf_model).float().eval()
    return LoadedModel(model=model, tokenizer=backend.tokenizer, identity=backend.info.identity, name=name)


def model_with_state(template: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """A copy of `template` carrying `state` (all keys must match)."""
    model = copy.deepcopy(template)
    model.load_state_dict(state, strict=True)
    return model.eval()


def save_model_dir(model: nn.Module, tokenizer, out_dir: str | Path) -> Path:
    """Save `model` and `tokenizer` as a Hugging Face directory, atomically (temp dir + rename)."""
    from safetensors.torch import save_model

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError(f"output directory is not empty: {out_dir}")
    tmp = out_dir.with_name(f".{out_dir.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        config = model.config.to_dict()
        config.pop("quantization_config", None)  # GGUF-loaded configs carry one; the weights are plain now
        (tmp / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        save_model(model, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(tmp)
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
