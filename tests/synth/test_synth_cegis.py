import numpy as np

from aso.synth import load_hole_spec, load_kernel, parse_sexpr
from aso.synth.cegis import CegisStatus, HintStatus, cegis, check_hint
from aso.synth.enumerator import Enumerator
from aso.synth.evaluate import evaluate
from aso.synth.examples import sample_points
from aso.synth.grammar import derives
from aso.synth.problem import hole_problem
from aso.synth.sygus import load_sygus
from aso.synth.synthesizer import HoleStatus, synthesize, verify_term
from aso.synth.terms import to_sexpr
from aso.synth.verifier import VerifyStatus

MAX2 = """(set-logic LIA)
(synth-fun max2 ((x Int) (y Int)) Int
  ((Start Int) (B Bool))
  ((Start Int (x y 0 1 (+ Start Start) (- Start Start) (ite B Start Start)))
   (B Bool ((<= Start Start) (and B B) (not B)))))
(declare-var x Int) (declare-var y Int)
(constraint (>= (max2 x y) x)) (constraint (>= (max2 x y) y))
(constraint (or (= x (max2 x y)) (= y (max2 x y))))
(check-synth)
"""


def _spec(dex, name):
    return load_hole_spec(dex / f"{name}_hole.yaml", dex / f"{name}_hole.synth.json")


def test_cegis_adds_counterexamples_and_result_verifies(tmp_path):
    path = tmp_path / "max2.sl"
    path.write_text(MAX2)
    sy = load_sygus(path)
    res = cegis(sy.problem, timeout_s=60, n_initial=1, seed=3)
    assert res.status == CegisStatus.SOLVED
    assert len(res.counterexamples) >= 1 and res.examples == 1 + len(res.counterexamples)
    assert res.rounds == len(res.counterexamples) + 1 + len(res.unknown)
    # every counterexample refutes something, and the final answer is correct on all of them
    env = {k: np.array([c[k] for c in res.counterexamples]) for k in "xy"}
    got = evaluate(res.solution, env)
    assert np.all(got == np.maximum(env["x"], env["y"]))
    from aso.synth.verifier import verify

    assert verify(sy.problem, res.solution).ok


def test_enumerator_prunes_observational_equivalents(dex):
    spec = _spec(dex, "simple_fee_multiplier")
    problem = hole_problem(spec, spec.holes[0])
    points = sample_points(problem, np.random.default_rng(0), 6)
    enum = Enumerator(problem.grammar, problem.style, points)
    seen = set()
    for level, entries in enum.levels():
        for e in entries:
            key = e.values.tobytes()
            assert key not in seen  # no two start terms with the same behaviour
            seen.add(key)
            assert derives(problem.grammar, e.term)
        if level > 6:
            break
    assert enum.enumerated > enum.kept / 2 and len(seen) > 20


def test_hint_only_accepts_right_and_rejects_wrong(dex):
    spec = _spec(dex, "swap_fee_calculator")
    res = synthesize(
        spec,
        hints={
            "fee_expr": ["(safe_div (* amount_in fee_bps) 1000)", "(safe_div (* amount_in fee_bps) 10000)"]
        },
        hint_only=True,
        timeout=30,
    )
    hole = res.holes[0]
    assert hole.status == HoleStatus.SOLVED
    assert hole.solution == "(safe_div (* amount_in fee_bps) 10000)"
    wrong, right = hole.hints
    assert wrong.status == HintStatus.REJECTED and wrong.counterexample is not None
    assert "result <= amount_in" in wrong.detail
    ce = wrong.counterexample
    assert ce["amount_in"] * ce["fee_bps"] // 1000 > ce["amount_in"]  # the counterexample really refutes it
    assert right.status == HintStatus.ACCEPTED and right.helped and programs_zero(hole)


def programs_zero(hole):
    return hole.programs_enumerated == 0


def test_hint_only_with_only_wrong_hint(dex):
    spec = _spec(dex, "swap_fee_calculator")
    res = synthesize(spec, hints={"fee_expr": ["(* amount_in 10)"]}, hint_only=True, timeout=30)
    assert res.holes[0].status == HoleStatus.HINTS_REJECTED and res.holes[0].solution is None


def test_hint_checks_grammar_and_parse(dex):
    spec = _spec(dex, "fee_calculator")
    problem = hole_problem(spec, spec.holes[0])
    assert check_hint(problem, "(safe_div (* fee_amount fee_bps) 7)")[0].status == HintStatus.NOT_IN_GRAMMAR
    assert check_hint(problem, "(safe_div (* fee_amount")[0].status == HintStatus.PARSE_ERROR


def test_partly_right_hint_seeds_search(dex):
    spec = _spec(dex, "simple_fee_multiplier")
    ref = load_kernel(dex / "simple_fee_multiplier_ref.yaml")
    plain = synthesize(spec, timeout=30, ref=ref).holes[0]
    hinted = synthesize(
        spec, hints={"fee_result_expr": ["(safe_div (* fee_amount fee_bps) 1000)"]}, timeout=30, ref=ref
    )
    h = hinted.holes[0]
    assert h.solution == plain.solution == "(safe_div (* fee_amount fee_bps) 10000)"
    assert h.hints[0].status == HintStatus.REJECTED and h.hints[0].helped
    assert h.programs_enumerated < plain.programs_enumerated


def test_verify_term_counterexample(dex):
    spec = _spec(dex, "lp_mint_optimal")
    wrong = parse_sexpr("(safe_div (* amount0 lp_supply) reserve0)")
    out = verify_term(spec, wrong)
    assert out.status == VerifyStatus.COUNTEREXAMPLE
    assert any("reserve1" in f for f in out.failed)
    assert to_sexpr(wrong) == out.term


def test_hint_only_on_infeasible_spec_records_hints(dex):
    spec = _spec(dex, "swap_output_simple")
    res = synthesize(spec, hints={"output_expr": ["(safe_div (* input_amount reserve_out) (+ reserve_in "
                                                  "input_amount))"]}, hint_only=True, timeout=30)
    hole = res.holes[0]
    assert hole.status == HoleStatus.INFEASIBLE
    assert hole.hints[0].status == HintStatus.REJECTED and hole.hints[0].counterexample
