"""PoEDecoder's batched KV-cached loop against the formula computed from separate full forward passes,
on a tiny random Llama (no weights downloaded, runs in about a second)."""

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from aso.decoding import PoEDecoder, poe_log_probs
from aso.grpo import ExpertSpec, Priors, Reliability, TokenBias
from aso.grpo.library import Experience
from aso.models import ModelInfo

V = 32


class TinyTokenizer:
    eos_token_id = 1
    pad_token_id = 0

    def decode(self, ids, skip_special_tokens=True):
        return " ".join(str(i) for i in ids)


class TinyModel:
    """Minimal local model: prompt text -> ids by character codes."""

    def __init__(self):
        torch.manual_seed(0)
        cfg = LlamaConfig(
            vocab_size=V,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=256,
        )
        self.hf_model = LlamaForCausalLM(cfg).eval()
        self.hf_model.generation_config.eos_token_id = 1
        self.tokenizer = TinyTokenizer()
        self.info = ModelInfo("tiny", "transformers", "memory", "sha256:tiny")

    def encode(self, prompt):
        text = prompt if isinstance(prompt, str) else "".join(m["content"] for m in prompt)
        return [2 + (ord(c) % (V - 2)) for c in text]


@torch.inference_mode()
def _full_logp(model, ids):
    return torch.log_softmax(model.hf_model(torch.tensor([ids])).logits[0, -1].float(), -1)


def test_poe_greedy_equals_formula_from_separate_forward_passes():
    model = TinyModel()
    priors = Priors(
        [Experience("E1", "short lesson"), Experience("E2", "a much longer lesson text here")],
        [ExpertSpec("X1", ["E1"], Reliability(3, 4)), ExpertSpec("X2", ["E2"], Reliability(3, 4))],
        token_bias=TokenBias(V, (3, 7), (0.7, -0.4)),
    )
    weights = [0.6, 0.3, 0.8]
    decoder = PoEDecoder(base_model=model, priors=priors, weights=weights, token_bias_weight=0.5)
    prompt = "abc"
    out = decoder.generate(prompt, max_tokens=8)
    contexts = [model.encode(decoder._expert_prompt(prompt, n)) for n in ("base", "X1", "X2")]
    generated = []
    bias = priors.token_bias.dense()
    for _ in range(8):
        factors = [_full_logp(model, c + generated) for c in contexts] + [bias]
        logp = poe_log_probs(factors, [*weights, 0.5])
        token = int(logp.argmax())
        if token == 1:
            break
        generated.append(token)
    assert out.token_ids == generated
    assert out.experts == pytest.approx({"base": 0.6, "X1": 0.3, "X2": 0.8, "token_bias": 0.5})


def test_generate_batch_matches_generate_per_prompt():
    model = TinyModel()
    priors = Priors(
        [Experience("E1", "lesson one"), Experience("E2", "another lesson, longer")],
        [ExpertSpec("X1", ["E1"]), ExpertSpec("X2", ["E2"])],
        token_bias=TokenBias(V, (5,), (0.3,)),
    )
    decoder = PoEDecoder(base_model=model, priors=priors, weights=[0.5, 0.3, 0.2])
    prompts = ["hello there", "x", "a somewhat longer prompt text"]
    batched = decoder.generate_batch(prompts, max_tokens=6)
    single = [decoder.generate(p, max_tokens=6) for p in prompts]
    assert [b.token_ids for b in batched] == [s.token_ids for s in single]


def test_token_bias_expert_as_transformers_logits_processor_equals_poe():
    from transformers import LogitsProcessorList

    from aso.decoding import TokenBiasExpert

    model = TinyModel()
    bias = torch.zeros(V)
    bias[[4, 9, 17]] = torch.tensor([2.0, 1.5, -3.0])
    nz = [4, 9, 17]
    priors = Priors(token_bias=TokenBias(V, tuple(nz), tuple(bias[nz].tolist())))
    out = PoEDecoder(base_model=model, priors=priors, weights=[1.0], token_bias_weight=1.0).generate(
        "abc", 10
    )
    ids = torch.tensor([model.encode("abc")])
    ref = model.hf_model.generate(
        ids,
        attention_mask=torch.ones_like(ids),
        max_new_tokens=10,
        do_sample=False,
        pad_token_id=0,
        logits_processor=LogitsProcessorList([TokenBiasExpert(bias, 1.0)]),
    )[0, ids.shape[1] :].tolist()
    ref = ref[: ref.index(1)] if 1 in ref else ref
    assert out.token_ids == ref
