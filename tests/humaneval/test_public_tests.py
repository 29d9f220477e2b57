"""The docstring-example extractor on real HumanEval prompts: the exact tests expected of each."""

from __future__ import annotations

import pytest

from aso.humaneval.data import load_problems
from aso.humaneval.public_tests import PublicTest, generated_tests, public_tests

# task number -> the (expression, expected) pairs read off its docstring by hand
EXPECTED: dict[int, list[tuple[str, str]]] = {
    0: [
        ("has_close_elements([1.0, 2.0, 3.0], 0.5)", "False"),
        ("has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)", "True"),
    ],
    2: [("truncate_number(3.5)", "0.5")],
    3: [("below_zero([1, 2, 3])", "False"), ("below_zero([1, 2, -4, 5])", "True")],
    5: [("intersperse([], 4)", "[]"), ("intersperse([1, 2, 3], 4)", "[1, 4, 2, 4, 3]")],
    8: [("sum_product([])", "(0, 1)"), ("sum_product([1, 2, 3, 4])", "(10, 24)")],
    10: [
        ("make_palindrome('')", "''"),
        ("make_palindrome('cat')", "'catac'"),
        ("make_palindrome('cata')", "'catac'"),
    ],
    13: [("greatest_common_divisor(3, 5)", "1"), ("greatest_common_divisor(25, 15)", "5")],
    18: [
        ("how_many_times('', 'a')", "0"),
        ("how_many_times('aaa', 'a')", "3"),
        ("how_many_times('aaaa', 'aa')", "3"),
    ],
    25: [("factorize(8)", "[2, 2, 2]"), ("factorize(25)", "[5, 5]"), ("factorize(70)", "[2, 5, 7]")],
    32: [("round(find_zero([1, 2]), 2)", "-0.5"), ("round(find_zero([-6, 11, -6, 1]), 2)", "1.0")],
    38: [],  # no examples: no tests
    66: [
        ('digitSum("")', "0"),
        ('digitSum("abAB")', "131"),
        ('digitSum("abcCd")', "67"),
        ('digitSum("helloE")', "69"),
        ('digitSum("woArBld")', "131"),
        ('digitSum("aAaaaXa")', "153"),
    ],
    67: [],  # every example is an arithmetic explanation, not a literal
    72: [
        ("will_it_fly([1, 2], 5)", "False"),
        ("will_it_fly([3, 2, 3], 1)", "False"),
        ("will_it_fly([3, 2, 3], 9)", "True"),
        ("will_it_fly([3], 5)", "True"),
    ],
    76: [
        ("is_simple_power(1, 4)", "True"),
        ("is_simple_power(2, 2)", "True"),
        ("is_simple_power(8, 2)", "True"),
        ("is_simple_power(3, 2)", "False"),
        ("is_simple_power(3, 1)", "False"),
        ("is_simple_power(5, 3)", "False"),
    ],
    77: [
        ("iscube(1)", "True"),
        ("iscube(2)", "False"),
        ("iscube(-1)", "True"),
        ("iscube(64)", "True"),
        ("iscube(0)", "True"),
        ("iscube(180)", "False"),
    ],
    80: [],  # is_happy(a): the argument is not a literal
    86: [
        ("anti_shuffle('Hi')", "'Hi'"),
        ("anti_shuffle('hello')", "'ehllo'"),
        ("anti_shuffle('Hello World!!!')", "'Hello !!!Wdlor'"),
    ],
    97: [
        ("multiply(148, 412)", "16"),
        ("multiply(19, 28)", "72"),
        ("multiply(2020, 1851)", "0"),
        ("multiply(14,-15)", "20"),
    ],
    102: [("choose_num(12, 15)", "14"), ("choose_num(13, 12)", "-1")],
    151: [
        ("double_the_difference([-1, -2, 0])", "0"),
        ("double_the_difference([9, -2])", "81"),
        ("double_the_difference([0])", "0"),
    ],
}


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_extracted_tests_are_exactly_the_docstring_examples(number: int) -> None:
    problem = load_problems()[f"HumanEval/{number}"]
    got = [(t.expr, t.expected) for t in public_tests(problem)]
    assert got == EXPECTED[number]


def test_at_least_twenty_prompts_checked_with_examples() -> None:
    assert len(EXPECTED) >= 20


def test_tests_never_come_from_the_hidden_check() -> None:
    problem = dict(load_problems()["HumanEval/13"])
    problem["test"] = "def check(candidate):\n    assert candidate(100, 10) == 10\n"
    assert all("100" not in t.expr for t in public_tests(problem))


def test_direct_call_arguments_are_kept_for_shared_inputs() -> None:
    tests = public_tests(load_problems()["HumanEval/13"])
    assert [t.args for t in tests] == ["(3, 5)", "(25, 15)"]
    assert tests[0].assertion() == "assert _aso_eq(greatest_common_divisor(3, 5), 1)"


def test_generated_tests_are_a_separate_weaker_source() -> None:
    answer = "assert add(1, 2) == 3\nassert add(x, 1) == 2\nprint(add(1, 1))\nassert add(2, 2) == 4\n"
    tests = generated_tests(answer, "add")
    assert tests == [
        PublicTest("add(1, 2)", "3", "(1, 2)", "generated"),
        PublicTest("add(2, 2)", "4", "(2, 2)", "generated"),
    ]
