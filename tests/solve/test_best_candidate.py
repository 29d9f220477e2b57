"""`best_candidate`: `aso solve` submits the patch `aso.select` ranks first over the test outcomes."""

from aso.grpo import Verdict
from aso.solve.workflow import Candidate, best_candidate


def cand(iteration: int, index: int, patch: str, outcomes: tuple[bool, ...]) -> Candidate:
    reward = sum(outcomes) / len(outcomes) if outcomes else 0.0
    return Candidate(iteration, index, "answer", patch, Verdict(reward, outcomes))


def test_most_tests_passed_wins_whatever_its_position():
    a = cand(1, 0, "diff a", (True, False, False))
    b = cand(2, 1, "diff b longer", (True, True, False))
    assert best_candidate([a, b]) is b


def test_among_equal_test_scores_the_shorter_patch_wins():
    long_ = cand(1, 0, "x" * 50, (True, True))
    short = cand(1, 1, "x" * 10, (True, True))
    assert best_candidate([long_, short]) is short


def test_full_ties_go_to_the_earliest_candidate_and_empty_patches_never_win():
    first = cand(2, 0, "same", (True,))
    later = cand(2, 1, "same", (True,))
    earliest = cand(1, 3, "same", (True,))
    empty = cand(1, 0, "", (True,))
    assert best_candidate([later, first, earliest, empty]) is earliest
    assert best_candidate([empty]) is None
    assert best_candidate([]) is None
