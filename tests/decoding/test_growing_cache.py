"""GrowingCache gives bit-identical logits to transformers' DynamicCache, across buffer growth and with
left padding; models with sliding-window layers keep their own cache."""

import torch
from test_poe_tiny_llama import TinyModel, V
from transformers import MistralConfig

from aso.decoding.growing_cache import GrowingCache, growing_cache_for


def _tiny_llama():
    return TinyModel().hf_model


@torch.inference_mode()
def _decode(model, cache, steps=80):
    ids = torch.randint(2, V, (3, 12), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, :4] = 0  # left padding on one row
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True)
    cache, nxt = out.past_key_values, pos[:, -1:] + 1
    logits = [out.logits[:, -1]]
    for step in range(steps):  # 12 + 80 tokens: the growing buffers (64 at first) must grow
        mask = torch.cat([mask, torch.ones((3, 1), dtype=torch.long)], dim=-1)
        token = torch.full((3, 1), 2 + step % (V - 2))
        out = model(
            input_ids=token, attention_mask=mask, position_ids=nxt, past_key_values=cache, use_cache=True
        )
        cache, nxt = out.past_key_values, nxt + 1
        logits.append(out.logits[:, -1])
    return torch.stack(logits), cache


def test_growing_cache_equals_dynamic_cache_bit_for_bit():
    model = _tiny_llama()
    reference, dynamic = _decode(model, None)
    grown, growing = _decode(model, GrowingCache())
    assert type(growing) is GrowingCache and type(dynamic) is not GrowingCache
    assert growing.get_seq_length() == dynamic.get_seq_length() == 92
    assert torch.equal(grown, reference)


def test_sliding_window_models_keep_their_own_cache():
    assert isinstance(growing_cache_for(_tiny_llama().config), GrowingCache)
    assert growing_cache_for(MistralConfig(sliding_window=16, num_hidden_layers=2)) is None
