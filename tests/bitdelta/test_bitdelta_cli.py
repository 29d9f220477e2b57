"""The CLI end to end on the real embedded model (marked `model`), plus user errors without a model."""

import pytest
import torch
from safetensors.torch import load_file

from aso.bitdelta import load
from aso.cli.main import main


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["bitdelta", "info", str(tmp_path / "missing.safetensors")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("aso: error: BitDelta file not found") and err.count("\n") == 1


@pytest.mark.model
def test_compress_distill_apply_on_the_embedded_model(tmp_path, capsys):
    from aso.bitdelta.models import load_model, save_model_dir

    base = load_model("smollm2")
    ft = load_model("smollm2")
    changed = ["model.layers.3.self_attn.q_proj.weight", "model.layers.7.mlp.up_proj.weight"]
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        state = ft.model.state_dict()
        for name in changed:
            state[name].add_(0.01 * torch.randn(state[name].shape, generator=g))
    ft_dir = save_model_dir(ft.model, ft.tokenizer, tmp_path / "ft")
    calib = tmp_path / "calib.txt"
    calib.write_text("def add(a, b):\n    return a + b\n" * 20)
    out = tmp_path / "delta.safetensors"
    argv = ["bitdelta", "compress", "--base", "smollm2", "--finetuned", str(ft_dir), "--out", str(out)]
    distill = ["--distill-scales", "--calib", str(calib), "--steps", "2", "--seq-len", "16"]
    assert main([*argv, *distill, "--output", str(tmp_path / "run")]) == 0
    assert "16.0x smaller than fp16" in capsys.readouterr().out
    from aso.runs import Run

    run = Run(tmp_path / "run")
    assert [e["step"] for e in run.events("distill_step")] == [0, 1]
    assert run.meta["seed"] == 0 and list(run.events("run_finished"))

    delta = load(out)
    assert sorted(delta.compressed) == sorted(changed) and not delta.dense
    assert delta.info["distillation"]["steps"] == 2
    assert delta.sources["finetuned"].startswith("sha256:")

    patched = tmp_path / "patched"
    assert main(["bitdelta", "apply", "--base", "smollm2", "--delta", str(out), "--out", str(patched)]) == 0
    weights = load_file(patched / "model.safetensors")
    b = base.model.state_dict()
    for name in changed:
        diff = state[name] - b[name]
        alpha = delta.compressed[name].scale
        assert torch.equal(weights[name], b[name] + torch.where(diff >= 0, alpha, -alpha))
    assert torch.equal(
        weights["model.layers.0.self_attn.q_proj.weight"], b["model.layers.0.self_attn.q_proj.weight"]
    )
