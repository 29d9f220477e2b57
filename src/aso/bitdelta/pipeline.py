"""End-to-end operations the CLI calls: compress a fine-tuned model against its base, apply a delta."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aso.bitdelta.calibration import read_texts, token_windows
from aso.bitdelta.container import BitDelta, load, save
from aso.bitdelta.distill import DistillConfig, distill_scales
from aso.bitdelta.model_delta import apply, compress_model
from aso.bitdelta.models import load_model, model_with_state, save_model_dir
from aso.bitdelta.selection import DeltaSelection
from aso.errors import ConfigError


@dataclass(frozen=True)
class CalibrationSpec:
    """Where calibration windows for scale distillation come from."""

    path: Path
    """A text file, a `.jsonl` file with a `text` field per line, or a directory of .txt/.md/.py files."""
    seq_len: int = 128
    """Tokens per window."""
    max_windows: int = 256
    """At most this many windows are cut from the text."""


def compress_models(
    base_name: str,
    finetuned_name: str,
    out: str | Path,
    *,
    selection: DeltaSelection | None = None,
    distill: DistillConfig | None = None,
    calibration: CalibrationSpec | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> BitDelta:
    """Compress `finetuned - base` to `out`; with `distill`, fit the scales on `calibration` first."""
    if distill is not None and calibration is None:
        raise ConfigError("--distill-scales needs calibration text (--calib FILE)")
    base = load_model(base_name)
    finetuned = load_model(finetuned_name)
    sources = {"base": base.identity, "finetuned": finetuned.identity}
    delta = compress_model(base.model.state_dict(), finetuned.model.state_dict(), selection, sources=sources)
    if not delta.compressed and not delta.dense:
        raise ConfigError(f"{finetuned_name!r} is identical to {base_name!r}: nothing to compress")
    if distill is not None and calibration is not None:
        texts = read_texts(calibration.path)
        windows = token_windows(base.tokenizer, texts, calibration.seq_len, calibration.max_windows)
        delta = distill_scales(base.model, finetuned.model, delta, windows, distill, on_step=on_step).delta
    save(out, delta)
    return delta


def apply_to_directory(
    base_name: str, delta_path: str | Path, out_dir: str | Path, *, check_base: bool = True
) -> Path:
    """Apply a model-delta file to a base model and save the result as a Hugging Face directory."""
    delta = load(delta_path)
    base = load_model(base_name)
    state = apply(base.model.state_dict(), delta, check_base=check_base)
    model = model_with_state(base.model, state)
    return save_model_dir(model, base.tokenizer, out_dir)
