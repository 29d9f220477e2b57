import json
import shutil

import pytest

from aso.errors import ConfigError
from aso.models import ScriptedModel
from aso.runs import Run
from aso.synth.hints import GenerationSettings, HintGenerator, discover_specs, load_hint_file, run_batch
from aso.synth.hints.report import render_report

ANSWERS = {
    "swap_fee_calculator_hole": "```\n(safe_div (* amount_in fee_bps) 10000)\n(+ amount_in 1)\n```",
    "fee_accumulator_simple_hole": "accumulated + fee_amount",
}


def respond(text, i):
    for name, answer in ANSWERS.items():
        if f"Kernel `{name}`" in text:
            return answer
    return "no idea"


def fake_timer(spec, hint_file, timeout):
    # Deterministic stand-in for the synthesizer: "with hint" is reported as twice as fast.
    return {
        h.hole_id: {
            "status": "solved",
            "seconds": 1.0 if hint_file else 2.0,
            "programs": 10 if hint_file else 50,
            "solution": None,
        }
        for h in spec.holes
    }


@pytest.fixture
def spec_dir(dex, tmp_path):
    d = tmp_path / "specs"
    d.mkdir()
    for name in ("swap_fee_calculator_hole", "fee_accumulator_simple_hole", "cpmm_output_amount_hole"):
        for suffix in (".yaml", ".synth.json"):
            shutil.copy(dex / f"{name}{suffix}", d / f"{name}{suffix}")
    shutil.copy(dex / "swap_fee_calculator_ref.yaml", d)
    (d / "broken_hole.synth.json").write_text('{"synth_version": "1.1", "holes": []}')
    (d / "broken_hole.yaml").write_text((dex / "fee_accumulator_simple_hole.yaml").read_text())
    (d / "orphan.synth.json").write_text("{}")
    return d


def test_batch_writes_hints_says_which_it_cannot_and_resumes(spec_dir, tmp_path):
    specs = discover_specs(spec_dir)
    assert [s.name for s in specs] == [
        "broken_hole",
        "cpmm_output_amount_hole",
        "fee_accumulator_simple_hole",
        "orphan",
        "swap_fee_calculator_hole",
    ]
    run = Run.create("synth-batch", {"d": str(spec_dir)}, seed=0, path=tmp_path / "run")
    model = ScriptedModel(respond=respond, name="scripted")
    gen = HintGenerator(model, GenerationSettings(samples=2))
    summary = run_batch(
        specs, run, gen, synth_timer=fake_timer, progress=False, feedback=tmp_path / "all.jsonl"
    )

    assert summary["swap_fee_calculator_hole"]["status"] == "hinted"
    assert summary["fee_accumulator_simple_hole"]["hinted"] == ["accum_next"]
    assert summary["cpmm_output_amount_hole"]["status"] == "no_hint"
    assert summary["broken_hole"]["status"] == "cannot" and "holes" in summary["broken_hole"]["reason"]
    assert summary["orphan"]["status"] == "cannot" and "orphan.yaml" in summary["orphan"]["reason"]
    hint = load_hint_file(run.path / "hints" / "fee_accumulator_simple_hole.llm_hints.json")
    assert hint.holes["accum_next"].term == "(+ accumulated fee_amount)"
    assert not (run.path / "hints" / "cpmm_output_amount_hole.llm_hints.json").exists()
    feedback = [json.loads(line) for line in (run.path / "feedback.jsonl").read_text().splitlines()]
    assert (tmp_path / "all.jsonl").read_text() == (run.path / "feedback.jsonl").read_text()
    assert [(f["spec"], f["term"], f["tier"]) for f in feedback] == [
        ("swap_fee_calculator_hole", "(+ amount_in 1)", "cheap")
    ]
    quality = json.loads((run.path / "quality.json").read_text())["scripted"]
    assert quality["hinted"] == 2 and quality["speedup_geomean"] == 2.0

    calls = len(model.calls)
    resumed = Run.resume(run.path, {"d": str(spec_dir)})
    again = run_batch(specs, resumed, gen, synth_timer=fake_timer, progress=False)
    assert len(model.calls) == calls  # nothing redone
    assert again == summary

    rows, cannot = render_report(run.path)
    assert set(cannot) == {"broken_hole", "orphan"}
    by = {r.hole_id: r for r in rows}
    assert by["fee_expr"].chosen == "(safe_div (* amount_in fee_bps) 10000)"
    assert by["fee_expr"].time_without == 2.0 and by["fee_expr"].time_with == 1.0
    assert by["output_expr"].chosen is None and by["output_expr"].time_with is None
    assert (run.path / "report.png").stat().st_size > 10_000
    assert "swap_fee_calculator_hole" in (run.path / "report.md").read_text()


def test_discover_refuses_a_missing_or_empty_directory(tmp_path):
    with pytest.raises(ConfigError, match="not a directory"):
        discover_specs(tmp_path / "nope")
    with pytest.raises(ConfigError, match="no \\*.synth.json"):
        discover_specs(tmp_path)
