"""Draft-and-verify greedy PoE gives the lock-step greedy PoE output (tiny random Llama), through
disagreements, EOS, min_tokens, stop strings and max_tokens; and ContextBank.advance/rollback agree
with stepwise feeding."""

import pytest
import torch
from test_poe_tiny_llama import TinyModel, V

from aso.decoding import PoEDecoder
from aso.decoding.contexts import ContextBank
from aso.grpo import ExpertSpec, Priors, TokenBias
from aso.grpo.library import Experience


def _priors(n_experts: int) -> Priors:
    lessons = [Experience(f"E{i}", f"lesson number {i}: " + "xyz" * i) for i in range(1, n_experts + 1)]
    experts = [ExpertSpec(f"X{i}", [f"E{i}"]) for i in range(1, n_experts + 1)]
    return Priors(lessons, experts, token_bias=TokenBias(V, (3, 7, 11), (0.7, -0.4, 0.9)))


@pytest.mark.parametrize("n_experts,draft", [(1, 1), (2, 3), (3, 6), (3, 16)])
@pytest.mark.parametrize("prompt", ["abc", "a longer prompt, with more text in it", "q"])
def test_draft_verify_equals_lock_step(n_experts, draft, prompt):
    model = TinyModel()
    weights = [0.4] + [0.6 / n_experts] * n_experts
    fast = PoEDecoder(base_model=model, priors=_priors(n_experts), weights=weights, draft_tokens=draft)
    slow = PoEDecoder(base_model=model, priors=_priors(n_experts), weights=weights, draft_tokens=0)
    a, b = fast.generate(prompt, max_tokens=40), slow.generate(prompt, max_tokens=40)
    assert a.token_ids == b.token_ids and a.finish_reason == b.finish_reason
    assert a.draft["accepted"] <= a.draft["drafted"] and not b.draft
    assert a.experts == b.experts


def test_disagreements_happen_and_are_repaired():
    # strong prior weights make the base's draft wrong often: the rollback path must run
    model = TinyModel()
    weights = [0.05, 1.0, 1.0]
    fast = PoEDecoder(base_model=model, priors=_priors(2), weights=weights, draft_tokens=5)
    slow = PoEDecoder(base_model=model, priors=_priors(2), weights=weights, draft_tokens=0)
    total_rejected = 0
    for prompt in ["abc", "hello", "zzz top", "mnop"]:
        a, b = fast.generate(prompt, max_tokens=30), slow.generate(prompt, max_tokens=30)
        assert a.token_ids == b.token_ids
        total_rejected += a.draft["drafted"] - a.draft["accepted"]
    assert total_rejected > 0


def test_min_tokens_stop_and_length():
    model = TinyModel()
    kw = dict(base_model=model, priors=_priors(2), weights=[0.5, 0.3, 0.2])
    fast, slow = PoEDecoder(**kw, draft_tokens=4), PoEDecoder(**kw, draft_tokens=0)
    for args in [dict(max_tokens=7), dict(max_tokens=25, min_tokens=20), dict(max_tokens=30, stop=["1"])]:
        a, b = fast.generate("abc", **args), slow.generate("abc", **args)
        assert (a.token_ids, a.text, a.finish_reason) == (b.token_ids, b.text, b.finish_reason)
    assert len(fast.generate("abc", max_tokens=7).token_ids) <= 7


@torch.inference_mode()
def test_advance_and_rollback_match_stepwise_feeding():
    model = TinyModel()
    contexts = [[5, 6, 7], [9, 10, 11, 12, 13]]
    chunked, stepwise = ContextBank(model.hf_model, contexts), ContextBank(model.hf_model, contexts)
    out = chunked.advance([20, 21, 22])
    steps = [stepwise.log_probs([20, 21, 22][: i + 1]) for i in range(3)]
    torch.testing.assert_close(out, torch.stack(steps, dim=1), atol=1e-5, rtol=1e-5)
    chunked.rollback(2)
    with pytest.raises(RuntimeError, match="rolled back"):
        chunked.log_probs([20])
    again = chunked.advance([25])[:, -1]
    torch.testing.assert_close(again, stepwise.log_probs([20, 25]), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="cannot roll back"):
        chunked.rollback(10)


def test_precision_is_validated():
    with pytest.raises(ValueError, match="precision must be one of"):
        PoEDecoder(base_model=TinyModel(), priors=_priors(1), weights=[0.5, 0.5], precision="fp8")
