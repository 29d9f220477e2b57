import pytest

from aso.synth.hints.extract import extract_terms, infix_to_sexpr

GRAMMAR_OPS = ["+", "-", "*", "safe_div", "ite", "<=", "and"]
SYMS = ["accumulated", "fee_amount", "amount_in", "fee_bps"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a code fence with a language tag, and prose with parentheses that are not terms
        (
            "Sure! (see below)\n```lisp\n(+  accumulated\n   fee_amount )\n```\nIt adds (as asked) the fee.",
            ["(+ accumulated fee_amount)"],
        ),
        # several S-expressions inline, in order of appearance
        (
            "Try (safe_div (* amount_in fee_bps) 10000) or maybe (- amount_in 1).",
            ["(safe_div (* amount_in fee_bps) 10000)", "(- amount_in 1)"],
        ),
        # a JSON list of strings, one of them infix
        (
            '["(+ accumulated fee_amount)", "amount_in * fee_bps / 10000"]',
            ["(+ accumulated fee_amount)", "(safe_div (* amount_in fee_bps) 10000)"],
        ),
        # a JSON list of objects
        ('[{"term": "(* fee_amount 10)", "why": "scale"}]', ["(* fee_amount 10)"]),
        # infix in prose, with an assignment and a trailing full stop
        ("The answer is accumulated + fee_amount.", ["(+ accumulated fee_amount)"]),
        ("result = amount_in - fee_bps;", ["(- amount_in fee_bps)"]),
        # numbered list with calls; `div` becomes the grammar's `safe_div`
        (
            "1. (div (* amount_in fee_bps) 10000)\n2. min(amount_in, fee_bps)",
            ["(safe_div (* amount_in fee_bps) 10000)", "(min amount_in fee_bps)"],
        ),
        # duplicates are reported once
        ("(+ accumulated fee_amount)\n(+ accumulated fee_amount)", ["(+ accumulated fee_amount)"]),
        # a term cut off by the token limit is dropped, an inner complete one is kept
        ("(ite (<= accumulated 10) (+ accumulated fee_amount", ["(<= accumulated 10)"]),
        # nothing term-like
        ("I am not sure what you mean.", []),
    ],
)
def test_extract_messy_outputs(text, expected):
    assert extract_terms(text, operators=GRAMMAR_OPS, symbols=SYMS) == expected


def test_infix_with_unknown_names_is_not_taken_when_symbols_are_given():
    assert extract_terms("x + y is a classic", operators=GRAMMAR_OPS, symbols=SYMS) == []
    assert extract_terms("x + y is a classic") == ["(+ x y)"]


def test_bare_symbol_only_when_known_and_bare_constant_only_alone():
    assert extract_terms("accumulated", symbols=SYMS) == ["accumulated"]
    assert extract_terms("hello", symbols=SYMS) == []
    assert extract_terms("0\n`10`", symbols=SYMS) == ["0", "10"]
    assert extract_terms("I have 3 ideas", symbols=SYMS) == []
    assert extract_terms("see http://x.org/n/1989641/64057/1512.html or 2026-01-01", symbols=SYMS) == []


def test_infix_precedence_and_floor_division():
    assert infix_to_sexpr("a + b * c") == "(+ a (* b c))"
    assert infix_to_sexpr("(a + b) // 2") == "(div (+ a b) 2)"
