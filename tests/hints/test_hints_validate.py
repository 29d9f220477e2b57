from aso.synth.hints.aggregate import collect_candidates
from aso.synth.hints.outcomes import Tier, Verdict
from aso.synth.hints.validate import ValidationSettings, validate_candidates

FAST = ValidationSettings(examples=256, seed=0, verify_timeout_ms=5000)


def check(dex_spec, name, terms, tier):
    spec, ref = dex_spec(name)
    cands = collect_candidates([terms], "m")
    validate_candidates(spec, spec.holes[0], cands, tier, ref=ref, settings=FAST)
    return {c.term: c for c in cands}


def test_cheap_accepts_grammar_terms_and_rejects_others(dex_spec):
    got = check(
        dex_spec,
        "swap_fee_calculator_hole",
        [
            "(safe_div (* amount_in fee_bps) 10000)",
            "(+ amount_in 1)",
            "(min amount_in fee_bps)",
            "(ite (<= amount_in 1) (ite (<= fee_bps 1) 0 1) 0)",
        ],
        Tier.CHEAP,
    )
    assert got["(safe_div (* amount_in fee_bps) 10000)"].verdicts[Tier.CHEAP] is Verdict.PASSED
    assert got["(+ amount_in 1)"].verdicts[Tier.CHEAP] is Verdict.FAILED  # Lin + Term: 1 is not a Term
    assert "grammar" in got["(min amount_in fee_bps)"].reasons[Tier.CHEAP]
    nested = got["(ite (<= amount_in 1) (ite (<= fee_bps 1) 0 1) 0)"]
    assert nested.verdicts[Tier.CHEAP] is Verdict.FAILED and "style" in nested.reasons[Tier.CHEAP]


def test_examples_tier_uses_the_reference_and_reports_mismatch_rate(dex_spec):
    got = check(
        dex_spec,
        "swap_fee_calculator_hole",
        [
            "(safe_div (* amount_in fee_bps) 10000)",
            "(safe_div (* amount_in fee_bps) 1000)",
            "(+ amount_in 1)",
        ],
        Tier.EXAMPLES,
    )
    right, wrong = got["(safe_div (* amount_in fee_bps) 10000)"], got["(safe_div (* amount_in fee_bps) 1000)"]
    assert right.verdicts[Tier.EXAMPLES] is Verdict.PASSED and right.mismatch_rate == 0
    assert wrong.verdicts[Tier.EXAMPLES] is Verdict.FAILED and wrong.mismatch_rate > 0.5
    assert got["(+ amount_in 1)"].verdicts[Tier.EXAMPLES] is Verdict.SKIPPED  # failed cheap first


def test_examples_tier_is_unavailable_without_a_reference(dex_spec):
    got = check(dex_spec, "fee_accumulator_simple_hole", ["(+ accumulated fee_amount)"], Tier.EXAMPLES)
    assert got["(+ accumulated fee_amount)"].verdicts[Tier.EXAMPLES] is Verdict.UNAVAILABLE


def test_full_tier_verifies_with_z3_and_rejects_with_a_counterexample(dex_spec):
    got = check(
        dex_spec,
        "fee_accumulator_simple_hole",
        ["(+ accumulated fee_amount)", "(- accumulated fee_amount)"],
        Tier.FULL,
    )
    assert got["(+ accumulated fee_amount)"].verdicts[Tier.FULL] is Verdict.PASSED
    bad = got["(- accumulated fee_amount)"]
    assert bad.verdicts[Tier.FULL] is Verdict.FAILED and "rejected" in bad.reasons[Tier.FULL]


def test_none_runs_nothing(dex_spec):
    got = check(dex_spec, "fee_accumulator_simple_hole", ["(min a b)"], Tier.NONE)
    assert got["(min a b)"].verdicts == {}
