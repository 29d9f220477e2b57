from aso.synth.hints.aggregate import Candidate, choose, collect_candidates, rank_candidates
from aso.synth.hints.outcomes import Tier, Verdict


def cand(term, size, freq=1, pos=0, sample=0, **verdicts):
    c = Candidate(term, "m", size, freq, pos, sample)
    c.verdicts = {Tier(k): Verdict(v) for k, v in verdicts.items()}
    return c


def test_collect_counts_samples_not_repeats_and_keeps_earliest_position():
    cands = collect_candidates([["(+ a b)", "a", "(+ a b)"], ["a"], ["(- a b)", "a"]], "m")
    by = {c.term: c for c in cands}
    assert (
        by["a"].frequency == 3 and by["a"].position == 0 and by["a"].first_sample == 0
    )  # index 1 in sample 0, 0 in 1
    assert by["(+ a b)"].frequency == 1 and by["(+ a b)"].size == 3
    assert by["(- a b)"].first_sample == 2


def test_order_full_beats_examples_beats_cheap():
    a = cand("a", 1, freq=5, cheap="passed")
    b = cand("b", 1, freq=1, cheap="passed", examples="passed")
    c = cand("c", 9, freq=1, cheap="passed", examples="failed", full="passed")
    assert [x.term for x in rank_candidates([a, b, c])] == ["c", "b", "a"]


def test_then_frequency_then_ast_size_not_string_length_then_position():
    often = cand("(+ a b)", 3, freq=3, cheap="passed")
    rare = cand("a", 1, freq=1, cheap="passed")
    assert rank_candidates([rare, often])[0] is often
    # same frequency: fewer AST nodes wins even though its text is longer
    long_text = cand("(+ accumulated fee_amount)", 3, cheap="passed")
    short_text = cand("(+ (* a 1) b)", 5, cheap="passed")
    assert rank_candidates([short_text, long_text])[0] is long_text
    # same size and frequency: earlier position, then earlier sample
    late = cand("x", 1, pos=2, cheap="passed")
    early = cand("y", 1, pos=0, sample=3, cheap="passed")
    earliest = cand("z", 1, pos=0, sample=1, cheap="passed")
    assert [c.term for c in rank_candidates([late, early, earliest])] == ["z", "y", "x"]


def test_choose_skips_invalid_and_unavailable_tier_does_not_block():
    bad = cand("a", 1, freq=9, cheap="failed", examples="skipped")
    good = cand("b", 3, cheap="passed", examples="unavailable")
    ranked = rank_candidates([bad, good])
    assert choose(ranked, Tier.EXAMPLES) == (ranked.index(good), good)
    assert choose([bad], Tier.CHEAP) is None
    assert choose([bad], Tier.NONE) == (0, bad)
