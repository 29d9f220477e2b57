import json

from aso.cli.main import main
from aso.synth.hashing import canonical_hash, model_hash, synth_hash


def test_run_writes_result_and_filled_kernel(dex, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["synth", "run", str(dex / "cpmm_output_amount_hole.yaml"),
                 str(dex / "cpmm_output_amount_hole.synth.json"),
                 "--ref", str(dex / "cpmm_output_amount_ref.yaml"),
                 "--timeout", "30", "--output", str(out)])
    assert code == 0
    doc = json.loads((out / "result.json").read_text())
    hole = doc["holes"][0]
    assert hole["status"] == "solved"
    assert hole["solution"] == "(safe_div (* reserve_out net_in) (+ reserve_in net_in))"
    assert hole["reference"]["equivalent"] and hole["admits_trivial_solution"]
    for key in ("cost", "cegis_rounds", "programs_enumerated", "seconds", "hints_helped"):
        assert key in hole
    filled = (out / "cpmm_output_amount_hole_filled.yaml").read_text()
    assert "op: div" in filled and "ir_version: esso-ir/v1" in filled


def test_run_with_hint_file_hint_only(dex, tmp_path):
    from aso.synth import load_hole_spec

    spec = load_hole_spec(dex / "swap_fee_calculator_hole.yaml", dex / "swap_fee_calculator_hole.synth.json")
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"schema": "esso-llm-hints/v1", "model_hash": model_hash(spec.kernel),
                                 "synth_hash": synth_hash(spec),
                                 "holes": {"fee_expr": {"term": "(safe_div (* amount_in fee_bps) 100)",
                                                        "source": "test", "rank": 0}}}))
    out = tmp_path / "run"
    code = main(["synth", "run", str(dex / "swap_fee_calculator_hole.yaml"),
                 str(dex / "swap_fee_calculator_hole.synth.json"), "--hints", str(hints), "--hint-only",
                 "--output", str(out)])
    assert code == 1  # the only hint is wrong
    hole = json.loads((out / "result.json").read_text())["holes"][0]
    assert hole["status"] == "hints_rejected" and hole["hints"][0]["counterexample"]


def test_user_errors_are_one_line(dex, tmp_path, capsys):
    bad = tmp_path / "bad.synth.json"
    bad.write_text("{")
    code = main(["synth", "run", str(dex / "fee_calculator_hole.yaml"), str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("aso: error: ") and "invalid JSON" in err
    assert len(err.splitlines()) == 1


def test_sygus_command(capsys):
    from pathlib import Path

    sl = Path(__file__).resolve().parents[2] / "benchmarks" / "sygus" / "max2.sl"
    assert main(["synth", "sygus", str(sl), "--timeout", "30"]) == 0
    assert "(define-fun max2 ((x Int) (y Int)) Int" in capsys.readouterr().out


def test_canonical_hash_ignores_key_order():
    assert canonical_hash({"a": 1, "b": [1, 2]}) == canonical_hash({"b": [1, 2], "a": 1})
    assert canonical_hash({"a": 1}) != canonical_hash({"a": 2})
    assert canonical_hash({"a": "x"}).startswith("sha256:") and len(canonical_hash({})) == 71


def test_sygus_command_reports_infeasible(tmp_path, capsys):
    sl = tmp_path / "inf.sl"
    sl.write_text("(set-logic LIA)(synth-fun f ((x Int)) Int)(declare-var x Int)"
                  "(constraint (> (f x) x))(constraint (< (f x) (+ x 1)))(check-synth)")
    assert main(["synth", "sygus", str(sl), "--timeout", "10"]) == 1
    assert "; infeasible" in capsys.readouterr().out
