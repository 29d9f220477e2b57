"""Selection of HumanEval programs in the sandbox, and that it never reads the hidden tests."""

from __future__ import annotations

from aso.humaneval.data import load_problems
from aso.humaneval.scoring import HumanEvalReward
from aso.sandbox import Sandbox, SandboxLimits
from aso.select import select_for_problem

GCD = load_problems()["HumanEval/13"]
RIGHT = (
    "```python\ndef greatest_common_divisor(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n```"
)
WRONG_MIN = "```python\ndef greatest_common_divisor(a, b):\n    return min(a, b)\n```"
WRONG_ONE = "```python\ndef greatest_common_divisor(a, b):\n    return 1\n```"
BROKEN = "```python\ndef greatest_common_divisor(a, b)\n    return a\n```"
ANSWERS = [WRONG_ONE, BROKEN, WRONG_MIN, RIGHT]


def _sandbox() -> Sandbox:
    return Sandbox(SandboxLimits(timeout_s=10, cpu_s=10))


def test_the_candidate_passing_the_docstring_examples_is_chosen() -> None:
    sel = select_for_problem(_sandbox(), GCD, ANSWERS, [-0.1, -0.2, -0.3, -2.0])
    # examples: gcd(3, 5) == 1 (RIGHT and WRONG_ONE), gcd(25, 15) == 5 (RIGHT only)
    assert [sum(s.tests) for s in sel.scored] == [1, 0, 0, 2]
    assert sel.choice.index == 3
    assert HumanEvalReward().verdict(GCD, ANSWERS[sel.choice.index]).solved
    assert sel.sandbox_runs == 4


def test_poisoned_hidden_tests_do_not_change_the_choice() -> None:
    before = select_for_problem(_sandbox(), GCD, ANSWERS).choice
    poisoned = dict(GCD)
    poisoned["test"] = (
        "def check(candidate):\n    assert candidate(3, 5) == 99\n    assert candidate(1, 1) == 0\n"
    )
    poisoned["canonical_solution"] = "    return 1\n"
    after = select_for_problem(_sandbox(), poisoned, ANSWERS).choice
    assert after == before


def test_identical_programs_run_once_and_agree() -> None:
    sel = select_for_problem(_sandbox(), GCD, [WRONG_MIN, WRONG_MIN, RIGHT])
    assert sel.sandbox_runs == 2
    assert sel.runs[0] == sel.runs[1]
    assert sel.choice.index == 2
