"""The evaluator and the Z3 encoding agree on random terms and inputs (division by zero, negatives)."""

import random

import numpy as np
import pytest
import z3

from aso.synth.evaluate import evaluate, evaluate_point
from aso.synth.terms import App, Const, Var, parse_sexpr
from aso.synth.z3_encode import to_z3

INT_OPS = [
    ("+", 2),
    ("-", 2),
    ("-", 1),
    ("*", 2),
    ("div", 2),
    ("safe_div", 2),
    ("mod", 2),
    ("min", 2),
    ("max", 2),
    ("abs", 1),
]
CMP = ["<=", "<", ">=", ">", "="]


def rand_int(rng, depth):
    if depth == 0 or rng.random() < 0.25:
        return Var(rng.choice("xyz")) if rng.random() < 0.6 else Const(rng.randint(-6, 6))
    if rng.random() < 0.15:
        return App("ite", (rand_bool(rng, depth - 1), rand_int(rng, depth - 1), rand_int(rng, depth - 1)))
    op, n = rng.choice(INT_OPS)
    return App(op, tuple(rand_int(rng, depth - 1) for _ in range(n)))


def rand_bool(rng, depth):
    r = rng.random()
    if depth == 0 or r < 0.5:
        return App(rng.choice(CMP), (rand_int(rng, depth - 1 if depth else 0), rand_int(rng, 0)))
    if r < 0.7:
        return App("not", (rand_bool(rng, depth - 1),))
    return App(rng.choice(["and", "or", "=>"]), (rand_bool(rng, depth - 1), rand_bool(rng, depth - 1)))


def z3_eval(term, point):
    env = {k: z3.IntVal(v) for k, v in point.items()}
    v = z3.simplify(to_z3(term, env))
    return z3.is_true(v) if z3.is_bool(v) else v.as_long()


@pytest.mark.parametrize("seed", range(4))
def test_evaluator_matches_z3_on_random_terms(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(150):
        term = rand_int(rng, 4) if rng.random() < 0.7 else rand_bool(rng, 3)
        points = [
            {
                "x": rng.randint(-9, 9),
                "y": rng.choice([0, 0, -3, 4, rng.randint(-9, 9)]),
                "z": rng.randint(-9, 9),
            }
            for _ in range(6)
        ]
        env = {k: np.array([p[k] for p in points], dtype=np.int64) for k in "xyz"}
        batch = np.broadcast_to(evaluate(term, env), (len(points),))
        for i, p in enumerate(points):
            want = z3_eval(term, p)
            assert evaluate_point(term, p) == want, (term, p)
            assert (bool(batch[i]) if isinstance(want, bool) else int(batch[i])) == want, (term, p)
            checked += 1
    assert checked == 900


@pytest.mark.parametrize(
    "text,expected",
    [
        ("(div -7 2)", -4),
        ("(div 7 -2)", -3),
        ("(div -7 -2)", 4),
        ("(div 7 2)", 3),
        ("(safe_div 5 0)", 0),
        ("(mod -7 2)", 1),
        ("(mod 7 -2)", 1),
        ("(mod 5 0)", 5),
        ("(min 3 -4)", -4),
        ("(abs -3)", 3),
    ],
)
def test_euclidean_total_division(text, expected):
    term = parse_sexpr(text)
    assert evaluate_point(term, {}) == expected
    assert z3_eval(term, {}) == expected


def test_big_products_do_not_overflow():
    term = parse_sexpr("(* (* x x) (* x x))")
    env = {"x": np.array([10**6, -(10**6)], dtype=np.int64)}
    assert list(evaluate(term, env)) == [10**24, 10**24]
