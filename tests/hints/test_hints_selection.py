"""Hint terms ranked by `aso.select`: Z3 verdicts as tests, agreement of values on sampled inputs."""

from __future__ import annotations

from aso.synth.hints.aggregate import collect_candidates
from aso.synth.hints.outcomes import Tier
from aso.synth.hints.selection import rank_by_selection, term_signatures
from aso.synth.hints.validate import validate_candidates


def test_equivalent_terms_agree_and_z3_verdicts_rank_first(dex_spec) -> None:
    spec, ref = dex_spec("fee_accumulator_simple_hole")
    hole = spec.holes[0]
    # frequency favours the wrong term (3 samples); two spellings of the right one agree on every input
    samples = [["(- accumulated fee_amount)"]] * 3 + [
        ["(+ accumulated fee_amount)"],
        ["(+ fee_amount accumulated)"],
    ]
    cands = collect_candidates(samples, "test")
    sigs = term_signatures(spec, hole, cands)
    assert sigs[1] == sigs[2] and sigs[0] != sigs[1] and len(sigs[0]) > 0
    ranked = rank_by_selection(spec, hole, cands)  # no verdicts yet: agreement decides
    assert {ranked[0].term, ranked[1].term} == {"(+ accumulated fee_amount)", "(+ fee_amount accumulated)"}
    validate_candidates(spec, hole, cands, Tier.FULL, ref=ref)
    ranked = rank_by_selection(spec, hole, cands)
    assert ranked[0].passed(Tier.FULL) and ranked[-1].term == "(- accumulated fee_amount)"
