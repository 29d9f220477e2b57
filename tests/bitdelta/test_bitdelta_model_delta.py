import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from aso.bitdelta import (
    DeltaSelection,
    DistillConfig,
    DistillLoss,
    TensorRole,
    apply,
    compress_model,
    decompress,
    distill_scales,
    load,
    load_selection,
    plan,
    save,
)
from aso.errors import ConfigError


def tiny_model(seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=48,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config).eval()


def finetune_like(base: LlamaForCausalLM, scale: float = 0.02, seed: int = 1) -> LlamaForCausalLM:
    """A 'fine-tuned' copy: every attention/MLP matrix and one norm perturbed."""
    ft = tiny_model()
    ft.load_state_dict(base.state_dict())
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in ft.named_parameters():
            if "proj" in name:
                # a delta with structure (low rank + noise), like real fine-tuning deltas
                u, v = torch.randn(p.shape[0], 2, generator=g), torch.randn(2, p.shape[1], generator=g)
                p.add_(scale * (u @ v + 0.3 * torch.randn(p.shape, generator=g)))
        ft.model.layers[0].input_layernorm.weight.mul_(1.1)
    return ft


def test_default_selection_compresses_projections_and_keeps_norms_dense():
    base = tiny_model()
    ft = finetune_like(base)
    roles = plan(base.state_dict(), ft.state_dict(), DeltaSelection())
    assert roles["model.layers.0.self_attn.q_proj.weight"] is TensorRole.COMPRESSED
    assert roles["model.layers.1.mlp.down_proj.weight"] is TensorRole.COMPRESSED
    assert roles["model.layers.0.input_layernorm.weight"] is TensorRole.DENSE
    assert roles["model.embed_tokens.weight"] is TensorRole.UNCHANGED
    keep_all = DeltaSelection(skip_unchanged=False)
    assert (
        keep_all.role("model.embed_tokens.weight", base.model.embed_tokens.weight, None) is TensorRole.DENSE
    )
    only_q = DeltaSelection(compress=("*q_proj.weight",))
    assert only_q.role("x.mlp.up_proj.weight", torch.ones(3, 3), torch.zeros(3, 3)) is TensorRole.DENSE


def test_apply_gives_base_plus_alpha_sign_and_stored_dense_values(tmp_path):
    base = tiny_model()
    ft = finetune_like(base)
    b, f = base.state_dict(), ft.state_dict()
    delta = load(save(tmp_path / "d.safetensors", compress_model(b, f, sources={"base": "x"})))
    out = apply(b, delta)
    name = "model.layers.1.self_attn.k_proj.weight"
    diff = f[name] - b[name]
    alpha = delta.compressed[name].scale
    assert torch.equal(out[name], b[name] + torch.where(diff >= 0, alpha, -alpha))
    assert torch.equal(out[name], b[name] + decompress(delta.compressed[name]))
    norm = "model.layers.0.input_layernorm.weight"
    assert torch.equal(out[norm], f[norm].half().float())
    assert out["model.embed_tokens.weight"] is b["model.embed_tokens.weight"]


def test_apply_refuses_a_different_base():
    base = tiny_model()
    delta = compress_model(base.state_dict(), finetune_like(base).state_dict())
    with pytest.raises(ConfigError, match="different base"):
        apply(tiny_model(seed=5).state_dict(), delta)
    apply(tiny_model(seed=5).state_dict(), delta, check_base=False)


def test_selection_file_errors_name_the_field(tmp_path):
    good = tmp_path / "sel.yaml"
    good.write_text("compress: ['*.q_proj.weight']\ndense_dtype: bfloat16\n")
    sel = load_selection(good)
    assert sel.compress == ("*.q_proj.weight",) and sel.dense_torch_dtype() is torch.bfloat16
    bad = tmp_path / "bad.yaml"
    bad.write_text("compres: ['x']\n")
    with pytest.raises(ConfigError, match="compres"):
        load_selection(bad)
    bad.write_text("dense_dtype: int8\n")
    with pytest.raises(ConfigError, match="dense_dtype"):
        load_selection(bad)


def _kl(teacher, student, ids):
    with torch.no_grad():
        p = torch.log_softmax(teacher(input_ids=ids).logits, -1)
        q = torch.log_softmax(student(input_ids=ids).logits, -1)
    return float((p.exp() * (p - q)).sum(-1).mean())


@pytest.mark.parametrize("loss", [DistillLoss.LOGIT_MSE, DistillLoss.KL])
def test_scale_distillation_lowers_the_loss_and_keeps_signs(loss):
    base = tiny_model()
    ft = finetune_like(base, scale=0.05)
    delta = compress_model(base.state_dict(), ft.state_dict())
    g = torch.Generator().manual_seed(0)
    calib = torch.randint(0, 64, (16, 12), generator=g)
    held_out = torch.randint(0, 64, (8, 12), generator=g)
    result = distill_scales(base, ft, delta, calib, DistillConfig(steps=40, batch_size=4, lr=0.05, loss=loss))
    assert sum(result.losses[-5:]) < sum(result.losses[:5])
    for name, bt in result.delta.compressed.items():
        assert (bt.signs == delta.compressed[name].signs).all()
    before = tiny_model()
    before.load_state_dict(apply(base.state_dict(), delta))
    after = tiny_model()
    after.load_state_dict(apply(base.state_dict(), result.delta))
    assert _kl(ft, after, held_out) < _kl(ft, before, held_out)
    assert result.delta.info["distillation"]["steps"] == 40
