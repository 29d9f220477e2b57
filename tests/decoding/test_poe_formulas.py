import math
import warnings

import pytest
import torch

from aso.decoding import (
    DecodeMode,
    GrammarExpert,
    PoEDecoder,
    TokenBiasExpert,
    WeightOutcome,
    fixed_weights,
    odds,
    poe_log_probs,
    reliability_weights,
)
from aso.grpo import ExpertSpec, Priors, Reliability
from aso.grpo.library import Experience
from aso.models import ScriptedModel


def test_poe_on_tiny_vocabulary_equals_the_formula():
    p0 = [0.5, 0.3, 0.2]
    p1 = [0.2, 0.2, 0.6]
    unnorm = [p0[i] ** 1.0 * p1[i] ** 0.5 for i in range(3)]  # 0.22361, 0.13416, 0.15492
    z = sum(unnorm)
    expected = [u / z for u in unnorm]
    got = poe_log_probs([torch.tensor(p0).log(), torch.tensor(p1).log()], [1.0, 0.5]).exp()
    assert got.tolist() == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx([0.43615, 0.26169, 0.30217], abs=1e-4)


def test_poe_with_bias_and_mask():
    base = torch.tensor([0.5, 0.3, 0.2]).log()
    bias = torch.tensor([0.0, math.log(2.0), 0.0])
    mask = torch.tensor([0.0, 0.0, float("-inf")])
    got = poe_log_probs([base, bias, mask], [1.0, 1.0, 1.0]).exp()
    assert got.tolist() == pytest.approx([0.5 / 1.1, 0.6 / 1.1, 0.0])


def test_zero_weight_mask_does_not_make_nan():
    got = poe_log_probs([torch.zeros(3), torch.tensor([0.0, float("-inf"), 0.0])], [1.0, 0.0])
    assert torch.isfinite(got).all()


def test_eta_from_q_and_dropping():
    assert odds(0.75) == pytest.approx(3.0)
    assert odds(0.5) == 0.0 and odds(0.2) == 0.0
    w = reliability_weights({"base": Reliability(5, 6), "X1": Reliability(3, 3), "X2": Reliability(1, 6)})
    # q = 6/8 = 0.75 -> 3; q = 4/5 = 0.8 -> 4; q = 2/8 = 0.25 -> dropped
    assert w.q == pytest.approx({"base": 0.75, "X1": 0.8, "X2": 0.25})
    assert w.etas == pytest.approx({"base": 3 / 7, "X1": 4 / 7})
    assert w.dropped == ("X2",)
    assert w.outcome is WeightOutcome.RELIABILITY


def test_all_dropped_falls_back_to_base():
    w = reliability_weights({"base": Reliability(0, 8), "X1": Reliability(1, 8)})
    assert w.outcome is WeightOutcome.ALL_DROPPED
    assert w.etas == {"base": 1.0} and w.dropped == ("X1",)


def test_fixed_weights():
    assert fixed_weights(["base", "X1"], [1.0, 0.0]).etas == {"base": 1.0}
    assert fixed_weights(["base", "X1"], {"X1": 2.0}).dropped == ("base",)
    with pytest.raises(ValueError):
        fixed_weights(["base"], [1.0, 2.0])


def test_expert_as_logits_processor_handles_shapes():
    expert = TokenBiasExpert(torch.tensor([1.0, -1.0]), weight=2.0)
    assert expert(torch.tensor([5, 6]), torch.zeros(3)).tolist() == [2.0, -2.0, 0.0]  # 1-D, padded vocab
    out = expert(torch.tensor([[5], [6]]), torch.zeros(2, 2))
    assert out.tolist() == [[2.0, -2.0], [2.0, -2.0]]


def test_grammar_expert_from_mask_or_processor():
    allowed = GrammarExpert(lambda ids, v: torch.arange(v) % 2 == 0)
    assert allowed(torch.tensor([[1]]), torch.zeros(1, 4)).isinf().tolist() == [[False, True, False, True]]

    def processor(input_ids, scores):  # a constrained-decoding processor forbidding token 0
        scores[:, 0] = float("-inf")
        return scores

    wrapped = GrammarExpert(processor=processor)
    assert wrapped(torch.tensor([[1]]), torch.ones(1, 3)).tolist() == [[float("-inf"), 1.0, 1.0]]


def test_openai_like_model_falls_back_to_prompt_priors():
    model = ScriptedModel(outputs=["def f(): return 1"])
    priors = Priors([Experience("E1", "Return values, do not print them.")], [ExpertSpec("X1", ["E1"])])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoder = PoEDecoder(base_model=model, priors=priors, weights=[1.0, 1.0])
    assert decoder.mode is DecodeMode.PROMPT_FALLBACK
    assert any("falls back to prompt-level priors" in str(w.message) for w in caught)
    out = decoder.generate([{"role": "user", "content": "Write f."}], max_tokens=8)
    assert out.text == "def f(): return 1"
    assert "Return values, do not print them." in model.calls[0][0]["content"]


def test_fallback_batch_samples_each_row_with_its_own_seed():
    seeds = []

    class SeedRecorder(ScriptedModel):
        def sample(self, prompts, params):
            seeds.append(params.seed)
            return super().sample(prompts, params)

    model = SeedRecorder(outputs=["x"])
    priors = Priors([Experience("E1", "Return values.")], [ExpertSpec("X1", ["E1"])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decoder = PoEDecoder(base_model=model, priors=priors, weights=[1.0, 1.0], temperature=0.7, seed=5)
    prompt = [{"role": "user", "content": "Write f."}]
    assert len(decoder.generate_batch([prompt] * 3, max_tokens=8, seed=10)) == 3
    decoder.generate_batch([prompt] * 2, max_tokens=8)
    assert seeds == [10, 11, 12, 5, 6]
