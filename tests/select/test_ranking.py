"""The selector's order: tests, then generated tests, then agreement, then logprob, then length."""

from __future__ import annotations

import pytest

from aso.select import Scored, agreement_scores, select, shared_inputs


def test_public_tests_dominate() -> None:
    cands = [Scored(tests=(True, False), mean_logprob=-0.1), Scored(tests=(True, True), mean_logprob=-3.0)]
    assert select(cands).index == 1


def test_agreement_breaks_ties_among_equal_tests() -> None:
    cands = [
        Scored(tests=(True,), signature=("1", "2"), mean_logprob=-0.1),
        Scored(tests=(True,), signature=("1", "3"), mean_logprob=-0.5),
        Scored(tests=(True,), signature=("1", "3"), mean_logprob=-0.9),
        Scored(tests=(False,), signature=("1", "3"), mean_logprob=0.0),
    ]
    assert agreement_scores([c.signature for c in cands]) == [3, 5, 5, 5]
    assert select(cands).order[:3] == (1, 2, 0)


def test_generated_tests_rank_after_public_ones() -> None:
    cands = [
        Scored(tests=(True,), generated_tests=(False,)),
        Scored(tests=(False,), generated_tests=(True,)),
        Scored(tests=(True,), generated_tests=(True,)),
    ]
    assert select(cands).order == (2, 0, 1)


def test_logprob_then_shorter_then_first() -> None:
    assert select([Scored(mean_logprob=-1.0), Scored(mean_logprob=-0.5)]).index == 1
    assert select([Scored(length=30), Scored(length=10)]).index == 1
    assert select([Scored(length=10), Scored(length=10)]).index == 0


def test_failed_outputs_do_not_agree() -> None:
    assert agreement_scores([(None, "1"), (None, "1"), (None, "2")]) == [1, 1, 0]


def test_no_candidates_is_an_error() -> None:
    with pytest.raises(ValueError):
        select([])


def test_shared_inputs_are_examples_then_mutations() -> None:
    got = shared_inputs(["(3, 'ab')"], limit=6)
    assert got == ["(3, 'ab')", "(4, 'ab')", "(2, 'ab')", "(0, 'ab')", "(3, 'ba')", "(3, 'a')"]
    assert shared_inputs(["not a literal"]) == []
