"""The transformers backend: a tiny random Llama saved as an HF directory, and the embedded GGUF."""

import pytest
import torch

from aso.models import SamplingParams, embedded_gguf_path, get_model, parse_model_name


@pytest.fixture(scope="module")
def tiny_hf_dir(tmp_path_factory, embedded_model):
    from transformers import LlamaConfig, LlamaForCausalLM

    path = tmp_path_factory.mktemp("tiny-llama")
    tok = embedded_model.tokenizer
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=tok.eos_token_id,
        bos_token_id=tok.bos_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.mark.model
def test_hf_directory_samples_and_scores(tiny_hf_dir):
    model = get_model(f"hf:{tiny_hf_dir}")
    assert model.info.backend == "transformers" and model.info.identity.startswith("sha256:")
    out = model.sample(
        ["hello", [{"role": "user", "content": "hi"}]],
        SamplingParams(n=3, max_tokens=5, seed=1, logprobs=True),
    )
    assert [len(g) for g in out] == [3, 3]
    for c in out[0]:
        assert c.n_tokens <= 5 and len(c.logprobs) == c.n_tokens and all(lp <= 0 for lp in c.logprobs)
    again = model.sample(
        ["hello", [{"role": "user", "content": "hi"}]], SamplingParams(n=3, max_tokens=5, seed=1)
    )
    assert [c.text for c in again[0]] == [c.text for c in out[0]]  # the same seeded call, the same samples
    lp = model.next_token_logprobs([model.encode("a b c"), model.encode("x")])
    assert lp.shape == (2, len(model.tokenizer))
    assert torch.allclose(lp.exp().sum(-1), torch.ones(2), atol=1e-4)


@pytest.mark.model
def test_next_token_logprobs_match_a_plain_forward_pass(embedded_model):
    ids = embedded_model.encode("def add(a, b):\n    return")
    ours = embedded_model.next_token_logprobs([ids, embedded_model.encode("x")])[0]
    with torch.inference_mode():
        plain = embedded_model.hf_model(torch.tensor([ids])).logits[0, -1].log_softmax(-1)
    assert torch.allclose(ours, plain, atol=1e-4)  # left padding in a batch does not change the result


@pytest.mark.model
def test_gguf_path_names_the_same_model_as_smollm2(embedded_model):
    ref = parse_model_name(f"gguf:{embedded_gguf_path()}")
    assert get_model(f"gguf:{embedded_gguf_path()}").info.identity == embedded_model.info.identity
    assert ref.model_id == embedded_gguf_path().name


@pytest.mark.model
def test_stop_strings_cut_the_completion(embedded_model):
    out = embedded_model.sample(
        ["def add(a, b):\n"], SamplingParams(temperature=0, max_tokens=40, stop=("return",))
    )
    assert "return" not in out[0][0].text and out[0][0].finish_reason == "stop"
