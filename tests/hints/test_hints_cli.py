import json
import shutil

import pytest

from aso.cli.main import main
from aso.data import dex_specs_dir
from aso.models import ScriptedModel
from aso.runs import Run
from aso.synth.hints import GenerationSettings, HintGenerator, discover_specs, load_hint_file, run_batch


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["synth", "batch", "/no/such/dir"], "not a directory"),
        (["synth", "batch", str(dex_specs_dir()), "--two-stage"], "--large"),
        (["synth", "batch", str(dex_specs_dir()), "--validate", "bogus"], "--validate"),
        (["synth", "hints-only", "/no/k.yaml", "/no/k.synth.json"], "not found"),
        (["synth", "report", "/no/run"], "not a run directory"),
        (["synth", "batch", str(dex_specs_dir()), "--model", "mlx:qwen"], "Apple"),
    ],
)
def test_user_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aso: error: ") and message in err and "\n" not in err


def test_help_has_examples(capsys):
    for cmd in ("hints-only", "batch", "report"):
        assert main(["synth", cmd, "--help"]) == 0
        assert "Example: aso synth" in capsys.readouterr().out


def test_report_command_renders_a_batch_run(dex, tmp_path, capsys):
    d = tmp_path / "specs"
    d.mkdir()
    for suffix in (".yaml", ".synth.json"):
        shutil.copy(dex / f"swap_fee_calculator_hole{suffix}", d)
    run = Run.create("synth-batch", {}, seed=0, path=tmp_path / "run")
    model = ScriptedModel(outputs=["(safe_div (* amount_in fee_bps) 10000)"], name="scripted")
    run_batch(discover_specs(d), run, HintGenerator(model, GenerationSettings(samples=1)), progress=False)
    assert main(["synth", "report", str(run.path)]) == 0
    out = capsys.readouterr().out
    assert "fee_expr" in out and "report.png" in out
    assert (run.path / "report.png").is_file()


@pytest.mark.model
def test_batch_and_report_with_the_embedded_model(embedded_model, dex, tmp_path, capsys):
    d = tmp_path / "specs"
    d.mkdir()
    for name in ("fee_accumulator_simple_hole", "swap_fee_calculator_hole"):
        for suffix in (".yaml", ".synth.json"):
            shutil.copy(dex / f"{name}{suffix}", d)
    shutil.copy(dex / "swap_fee_calculator_ref.yaml", d)
    out_dir = tmp_path / "run"
    argv = [
        "synth",
        "batch",
        str(d),
        "--samples",
        "2",
        "--validate",
        "cheap",
        "--max-tokens",
        "96",
        "--synth-timeout",
        "20",
        "--output",
        str(out_dir),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out_dir / "summary.json").read_text())
    assert set(summary) == {"fee_accumulator_simple_hole", "swap_fee_calculator_hole"}
    for name, item in summary.items():  # every spec is either hinted or reported as missing, by name
        assert item["status"] in ("hinted", "partial", "no_hint")
        assert name in printed
        for hole in item["hinted"]:
            assert hole in load_hint_file(out_dir / "hints" / f"{name}.llm_hints.json").holes
    assert main(["synth", "report", str(out_dir)]) == 0
    assert (out_dir / "report.png").is_file() and (out_dir / "report.md").is_file()


@pytest.mark.model
def test_hints_only_constrained_with_the_embedded_model_writes_a_grammar_hint(embedded_model, dex, tmp_path):
    from aso.synth.grammar import derives
    from aso.synth.spec import load_hole_spec
    from aso.synth.terms import parse_sexpr

    name = "fee_accumulator_simple_hole"
    kernel, synth = dex / f"{name}.yaml", dex / f"{name}.synth.json"
    out = tmp_path / "run"
    argv = [
        "synth",
        "hints-only",
        str(kernel),
        str(synth),
        "--samples",
        "2",
        "--constrained",
        "--max-tokens",
        "60",
        "--output",
        str(out),
    ]
    assert main(argv) == 0
    hints = load_hint_file(out / "llm_hints.json")  # constrained decoding only emits grammar terms
    spec = load_hole_spec(kernel, synth)
    assert derives(spec.grammar(spec.holes[0]), parse_sexpr(hints.holes["accum_next"].term))
