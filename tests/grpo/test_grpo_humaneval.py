import pytest

from aso.errors import ConfigError
from aso.humaneval import (
    HumanEvalReward,
    build_harness,
    extract_code,
    parse_outcomes,
    pass_at_k,
    problems,
    program,
    split_ids,
)


def test_split_is_fixed_disjoint_and_complete():
    train, held = split_ids("train"), split_ids("heldout")
    assert len(train) == 64 and len(held) == 100
    assert not set(train) & set(held)
    assert sorted(train + held, key=lambda t: int(t.split("/")[1])) == list(split_ids("all"))
    assert train[:3] == split_ids("train")[:3]
    with pytest.raises(ConfigError):
        split_ids("test")


def test_extract_code_and_program():
    answer = "Here it is:\n```python\ndef add(a, b):\n    return a + b\n```\nThis adds."
    assert extract_code(answer) == "def add(a, b):\n    return a + b\n"
    assert extract_code("```python\ndef f():\n    return 1") == "def f():\n    return 1"  # unclosed
    problem = {
        "prompt": "from typing import List\n\n\ndef add(a: int, b: int) -> int:\n",
        "entry_point": "add",
    }
    assert program(problem, answer).startswith("from typing import List\n\ndef add(a, b):")
    assert program(problem, "    return a + b") == problem["prompt"] + "    return a + b\n"  # raw completion


def test_pass_at_k_hand_values():
    assert pass_at_k(4, 0, 1) == 0.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - 3 / 6)  # 1 - C(3,2)/C(4,2)
    assert pass_at_k(4, 3, 2) == 1.0


def test_harness_counts_tests_and_parses_outcomes():
    p = problems("all")[0]
    harness = build_harness(p)
    assert harness.n_tests == 7
    out = '@@ASO-TEST 0 1 ""\n@@ASO-TEST 1 0 "AssertionError()"\n'
    outcomes, feedback = parse_outcomes(out, 3)
    assert outcomes == [True, False, False] and "test 2 failed" in feedback


def test_sandbox_scores_canonical_partial_and_broken_answers():
    p = problems("all")[0]
    reward = HumanEvalReward(timeout_s=10)
    good = reward.verdict(p, "```python\n" + p["prompt"] + p["canonical_solution"] + "```")
    assert good.solved and good.reward == 1.0
    partial = reward.verdict(
        p, "```python\ndef has_close_elements(numbers, threshold):\n    return False\n```"
    )
    assert 0.0 < partial.reward < 1.0 and partial.outcomes.count(True) == 3
    broken = reward.verdict(p, "```python\ndef has_close_elements(:\n```")
    assert broken.reward == 0.0 and "does not load" in broken.feedback
    loop = HumanEvalReward(timeout_s=2).verdict(
        p, "```python\ndef has_close_elements(n, t):\n    while True: pass\n```"
    )
    assert loop.reward == 0.0
