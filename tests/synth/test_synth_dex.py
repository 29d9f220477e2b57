"""All nine DEX hole specs through the engine (with the reference kernel where one exists)."""

from pathlib import Path

import pytest

from aso.synth import find_ref_kernel, load_hole_spec, load_kernel
from aso.synth.synthesizer import HoleStatus, synthesize

REPAIRED_CB_REF = (
    Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "circuit_breaker_ref_repaired.yaml"
)

SOLVED_WITH_REF = {
    "simple_fee_multiplier": "(safe_div (* fee_amount fee_bps) 10000)",
    "fee_calculator": "(safe_div (* fee_amount fee_bps) 10000)",
    "swap_fee_calculator": "(safe_div (* amount_in fee_bps) 10000)",
    "cpmm_output_amount": "(safe_div (* reserve_out net_in) (+ reserve_in net_in))",
    "lp_mint_optimal": "(ite (<= (* amount0 reserve1) (* amount1 reserve0)) (safe_div (* amount0 lp_supply) "
    "reserve0) (safe_div (* amount1 lp_supply) reserve1))",
}


def _run(dex, name, ref=None, timeout=30):
    spec = load_hole_spec(dex / f"{name}_hole.yaml", dex / f"{name}_hole.synth.json")
    return synthesize(spec, ref=load_kernel(ref) if ref else None, timeout=timeout)


@pytest.mark.parametrize("name", sorted(SOLVED_WITH_REF))
def test_solved_and_equivalent_to_reference(dex, name):
    res = _run(dex, name, find_ref_kernel(dex / f"{name}_hole.yaml"))
    hole = res.holes[0]
    assert hole.status == HoleStatus.SOLVED and hole.solution == SOLVED_WITH_REF[name]
    assert hole.reference["equivalent"] and hole.cost_optimal


def test_lp_mint_from_grammar_without_reference(dex):
    hole = _run(dex, "lp_mint_optimal").holes[0]
    assert hole.status == HoleStatus.SOLVED and hole.solution == SOLVED_WITH_REF["lp_mint_optimal"]


def test_cpmm_constraints_admit_trivial_zero(dex):
    hole = _run(dex, "cpmm_output_amount").holes[0]
    assert "0 [not in grammar]" in hole.trivial_solutions


@pytest.mark.parametrize(
    "name,hole_ids",
    [("fee_accumulator_simple", ["accum_next"]), ("lp_ratio_calculator", ["amount0_expr", "amount1_expr"])],
)
def test_specs_without_reference_are_trivially_solvable(dex, name, hole_ids):
    res = _run(dex, name)
    assert [h.hole_id for h in res.holes] == hole_ids
    for hole in res.holes:
        assert hole.status == HoleStatus.SOLVED and hole.admits_trivial
        assert hole.solution in [t.split(" ")[0] for t in hole.trivial_solutions]


def test_swap_output_simple_is_infeasible(dex):
    hole = _run(dex, "swap_output_simple").holes[0]
    assert hole.status == HoleStatus.INFEASIBLE
    assert "'reserve_out': 1" in hole.reason


def test_circuit_breaker_reference_contradicts_constraints(dex):
    hole = _run(dex, "circuit_breaker", REPAIRED_CB_REF).holes[0]
    assert hole.status == HoleStatus.INFEASIBLE
    assert "reference kernel contradicts" in hole.reason and "max_volume * 2" in hole.reason
    assert "is in the grammar" in hole.reason
    plain = _run(dex, "circuit_breaker").holes[0]
    assert plain.status == HoleStatus.SOLVED and plain.solution == "0" and plain.admits_trivial


def test_filled_kernel_round_trips(dex, tmp_path):
    res = _run(dex, "swap_fee_calculator", dex / "swap_fee_calculator_ref.yaml")
    out = tmp_path / "filled.yaml"
    out.write_text(res.filled_kernel_yaml())
    filled = load_kernel(out)
    ref = load_kernel(dex / "swap_fee_calculator_ref.yaml")
    for name in ("fee_amount", "net_amount_in"):
        got = filled.actions["calculate_fee"].effects[name].expr
        want = ref.actions["calculate_fee"].effects[name].expr
        from aso.synth.terms import to_sexpr

        assert to_sexpr(got) == to_sexpr(want)
    doc = res.to_json()
    assert doc["model_hash"].startswith("sha256:") and doc["synth_hash"].startswith("sha256:")


def test_vacuous_spec_is_reported(dex, tmp_path):
    text = (dex / "simple_fee_multiplier_hole.yaml").read_text().replace("guard: { bool: true }",
                                                                          "guard: { bool: false }")
    y = tmp_path / "vac_hole.yaml"
    y.write_text(text)
    spec = load_hole_spec(y, dex / "simple_fee_multiplier_hole.synth.json")
    hole = synthesize(spec, timeout=20).holes[0]
    assert hole.status == HoleStatus.SOLVED and hole.reason.startswith("vacuous")
