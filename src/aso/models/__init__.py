"""Model backends behind one protocol.

`get_model(name)` resolves a model name (see `aso.models.names`) to a loaded backend; local models are
loaded once per process and cached. `ScriptedModel` is the scripted fake for tests.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from aso.models.base import (
    ChatMessage,
    Completion,
    Model,
    ModelInfo,
    Prompt,
    SamplingParams,
    ScoringModel,
    can_continue_final_message,
)
from aso.models.embedded import EMBEDDED_NAME, embedded_gguf_path
from aso.models.names import ModelRef, model_identity, parse_model_name
from aso.models.scripted import ScriptedModel, prompt_text

__all__ = [
    "EMBEDDED_NAME",
    "ChatMessage",
    "Completion",
    "Model",
    "ModelInfo",
    "ModelRef",
    "Prompt",
    "SamplingParams",
    "ScoringModel",
    "ScriptedModel",
    "can_continue_final_message",
    "embedded_gguf_path",
    "get_model",
    "model_identity",
    "parse_model_name",
    "prompt_text",
]


def get_model(name: str | None = None, **options) -> Model:
    """Resolve and load a model by name (None = embedded SmolLM2). Local models are cached per process."""
    ref = parse_model_name(name)
    return _load(ref, tuple(sorted(options.items())))


@lru_cache(maxsize=4)
def _load(ref: ModelRef, options: tuple) -> Model:
    opts = dict(options)
    if ref.backend == "transformers":
        from aso.models.embedded import GEMMA_NAME, prepare_gemma
        from aso.models.transformers_backend import TransformersModel

        model = TransformersModel(ref, **opts)
        if ref.name == GEMMA_NAME:
            prepare_gemma(model)
        return model
    if ref.backend == "openai":
        from aso.models.openai_backend import OpenAIModel

        return OpenAIModel(ref, **opts)
    module, _, cls = ref.location.partition(":")
    return getattr(importlib.import_module(module), cls)(**opts)
