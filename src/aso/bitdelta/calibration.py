"""Calibration text for scale distillation: files of text -> fixed-length token windows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from aso.config_files import read_jsonl
from aso.errors import ConfigError


def read_texts(path: str | Path) -> list[str]:
    """Texts from a file: `.jsonl` = one JSON object a line with a `text` field; anything else = one text.

    A directory contributes every `.txt`, `.md` and `.py` file under it (sorted by path).
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in {".txt", ".md", ".py"} and p.is_file())
        if not files:
            raise ConfigError(f"calibration directory has no .txt/.md/.py files: {path}")
        return [f.read_text(encoding="utf-8", errors="replace") for f in files]
    if not path.is_file():
        raise ConfigError(f"calibration file not found: {path}")
    if path.suffix != ".jsonl":
        return [path.read_text(encoding="utf-8", errors="replace")]
    texts = []
    for lineno, record in read_jsonl(path, "calibration file"):
        if not isinstance(record.get("text"), str):
            raise ConfigError(f"{path}: line {lineno}: expected an object with a string field 'text'")
        texts.append(record["text"])
    return texts


def token_windows(
    tokenizer, texts: Sequence[str], seq_len: int, max_windows: int | None = None
) -> torch.Tensor:
    """Concatenate the texts' tokens (separated by EOS) and cut them into `[n, seq_len]` windows."""
    if seq_len < 2:
        raise ConfigError(f"seq_len must be at least 2, got {seq_len}")
    ids: list[int] = []
    sep = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    needed = None if max_windows is None else max_windows * seq_len
    for text in texts:
        ids.extend(tokenizer(text, add_special_tokens=False)["input_ids"])
        ids.extend(sep)
        if needed is not None and len(ids) >= needed:
            break
    n = len(ids) // seq_len
    if max_windows is not None:
        n = min(n, max_windows)
    if n == 0:
        raise ConfigError(f"calibration text has {len(ids)} tokens, fewer than one window of {seq_len}")
    return torch.tensor(ids[: n * seq_len], dtype=torch.long).reshape(n, seq_len)
