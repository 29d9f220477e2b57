import json
import shutil

import pytest

from aso.errors import ConfigError
from aso.synth import derives, find_ref_kernel, load_hole_spec, load_kernel, parse_sexpr
from aso.synth.kernel import HOLE
from aso.synth.terms import Var, to_sexpr

NINE = [
    "fee_accumulator_simple",
    "swap_fee_calculator",
    "fee_calculator",
    "simple_fee_multiplier",
    "swap_output_simple",
    "cpmm_output_amount",
    "lp_mint_optimal",
    "lp_ratio_calculator",
    "circuit_breaker",
]


@pytest.mark.parametrize("name", NINE)
def test_real_specs_load(dex, name):
    spec = load_hole_spec(dex / f"{name}_hole.yaml", dex / f"{name}_hole.synth.json")
    for hole in spec.holes:
        assert hole.sites and all(HOLE in to_sexpr(s.template) for s in hole.sites)
        assert spec.grammar(hole).start in spec.grammar(hole).productions


def test_hole_located_inside_field(dex):
    spec = load_hole_spec(dex / "fee_calculator_hole.yaml", dex / "fee_calculator_hole.synth.json")
    sites = {s.field: to_sexpr(s.template) for s in spec.holes[0].sites}
    assert sites == {"total_fees_collected": f"(+ total_fees_collected {HOLE})", "fee_calculated": HOLE}


def test_ref_partner(dex):
    assert find_ref_kernel(dex / "lp_mint_optimal_hole_v2.yaml") == dex / "lp_mint_optimal_ref.yaml"
    assert find_ref_kernel(dex / "fee_accumulator_simple_hole.yaml") is None


def test_broken_real_reference_is_reported(dex):
    with pytest.raises(ConfigError, match="circuit_breaker_ref.yaml: invalid YAML"):
        load_kernel(dex / "circuit_breaker_ref.yaml")


def test_derives_and_aliases(dex):
    spec = load_hole_spec(dex / "fee_calculator_hole.yaml", dex / "fee_calculator_hole.synth.json")
    g = spec.grammar(spec.holes[0])
    assert derives(g, parse_sexpr("(safe_div (* fee_amount fee_bps) 10000)"))
    assert derives(g, parse_sexpr("(div (* fee_amount fee_bps) 10000)"))
    assert not derives(g, parse_sexpr("(safe_div (* fee_amount fee_bps) 7)"))
    assert not derives(g, Var("total_fees_collected"))


def _copy(dex, tmp_path, name="fee_calculator"):
    y, j = tmp_path / f"{name}_hole.yaml", tmp_path / f"{name}_hole.synth.json"
    shutil.copy(dex / y.name, y)
    shutil.copy(dex / j.name, j)
    return y, j


def _edit_json(path, fn):
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "edit,needle",
    [
        (lambda d: d.update(synth_version="2.0"), "synth_version"),
        (lambda d: d["holes"][0].update(grammar_id="G_missing"), "holes[0].grammar_id"),
        (lambda d: d["holes"][0]["used_in"][0].update(action="nope"), "unknown action 'nope'"),
        (lambda d: d["holes"][0]["used_in"][0].update(field="nofield"), "no update or effect 'nofield'"),
        (lambda d: d["holes"][0].update(semantic_constraints=["result <= "]), "semantic_constraints[0]"),
        (
            lambda d: d["holes"][0].update(semantic_constraints=["result <= ghost"]),
            "unknown variable 'ghost'",
        ),
        (lambda d: d["grammars"][0]["productions"].update(Term=["(* fee_amount"]), "productions.Term[0]"),
        (lambda d: d["grammars"][0]["productions"].update(Term=["mystery"]), "unknown variable 'mystery'"),
        (
            lambda d: d["grammars"][0]["productions"].update(Term=["(frob fee_amount)"]),
            "unknown operator 'frob'",
        ),
        (lambda d: d["style_profile"].update(max_nesting=-1), "style_profile.max_nesting"),
        (lambda d: d.pop("holes"), "missing field 'holes'"),
    ],
)
def test_malformed_hole_file_errors_name_file_and_field(dex, tmp_path, edit, needle):
    y, j = _copy(dex, tmp_path)
    _edit_json(j, edit)
    with pytest.raises(ConfigError) as exc:
        load_hole_spec(y, j)
    assert str(j) in str(exc.value) and needle in str(exc.value)


@pytest.mark.parametrize(
    "old,new,needle",
    [
        ('ir_version: "esso-ir/v1"', 'ir_version: "esso-ir/v9"', "ir_version"),
        (
            '{ param: "fee_amount" }, { const: 0 }',
            '{ param: "fee_amount" }, { konst: 0 }',
            "actions[0].guard.args[0]",
        ),
        ("min: 1, max: 1000000", "min: 5, max: 1", "min 5 > max 1"),
        (
            '{ param: "fee_amount" }, { const: 0 }',
            '{ param: "ghost" }, { const: 0 }',
            "unknown variable 'ghost'",
        ),
        ('  - id: "calculate_and_collect"', "  - id: [1, 2]", "actions[0]"),
    ],
)
def test_malformed_kernel_errors_name_file_and_field(dex, tmp_path, old, new, needle):
    y, j = _copy(dex, tmp_path)
    text = y.read_text()
    assert old in text
    y.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as exc:
        load_hole_spec(y, j)
    assert str(y) in str(exc.value) and needle in str(exc.value)


def test_missing_files(tmp_path):
    with pytest.raises(ConfigError, match="kernel file not found"):
        load_hole_spec(tmp_path / "a.yaml", tmp_path / "a.json")
