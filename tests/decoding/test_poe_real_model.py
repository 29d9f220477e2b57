"""PoE decoding against `transformers` greedy decoding, with the real embedded model."""

import pytest
import torch

from aso.decoding import ContextBank, PoEDecoder

pytestmark = pytest.mark.model

PROMPT = [{"role": "user", "content": "Write a Python function is_even(n) that returns True if n is even."}]


@pytest.fixture(scope="module")
def model(embedded_model):
    return embedded_model


def _hf_greedy(model, ids: list[int], n: int, processors=None) -> list[int]:
    kwargs = {"logits_processor": processors} if processors else {}
    out = model.hf_model.generate(
        torch.tensor([ids]),
        attention_mask=torch.ones(1, len(ids), dtype=torch.long),
        max_new_tokens=n,
        do_sample=False,
        temperature=None,
        top_p=None,
        top_k=None,
        pad_token_id=model.tokenizer.pad_token_id,
        **kwargs,
    )
    return out[0, len(ids) :].tolist()


def test_base_only_poe_greedy_equals_transformers_greedy(model):
    decoder = PoEDecoder(base_model=model, priors=None, weights=[1.0])
    out = decoder.generate(PROMPT, max_tokens=24)
    ids = model.encode(PROMPT)
    reference = _hf_greedy(model, ids, 24)
    eos = model.tokenizer.eos_token_id
    reference = reference[: reference.index(eos)] if eos in reference else reference
    assert len(out.token_ids) > 5
    assert out.token_ids == reference[: len(out.token_ids)]
    assert len(out.token_ids) == len(reference)


def test_batched_bank_rows_match_single_context_rows(model):
    a = model.encode(PROMPT)
    b = model.encode(
        [{"role": "user", "content": "Lesson: test edge cases first.\n\n" + PROMPT[0]["content"]}]
    )
    together = ContextBank(model.hf_model, [a, b], pad_id=model.tokenizer.pad_token_id)
    steps = [model.tokenizer.encode("def", add_special_tokens=False)[0]]
    joint = together.log_probs(steps)
    for row, ctx in enumerate([a, b]):
        alone = ContextBank(model.hf_model, [ctx]).log_probs(steps)[0]
        assert torch.allclose(joint[row], alone, atol=2e-3), row
        assert int(joint[row].argmax()) == int(alone.argmax())
