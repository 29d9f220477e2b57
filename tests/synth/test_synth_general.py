import time
from pathlib import Path

import numpy as np
import pytest

from aso.errors import ConfigError
from aso.synth.decision_tree import Leaf, Node, learn_tree
from aso.synth.sygus_solver import _greedy_cover, solve, verify
from aso.synth.sygus_spec import load_sygus_spec
from aso.synth.terms import parse_sexpr
from aso.synth.watchdog import run_limited

SYGUS = Path(__file__).resolve().parents[2] / "benchmarks" / "sygus"


# --- the unifier on small hand-checked point sets --------------------------------------------------
def test_tree_for_max2_points():
    # points (x, y): (1, 2) (3, 1) (2, 2); terms: x, y; predicate: x <= y
    cover = np.array([[False, True, True],    # x is the max at (3,1) and (2,2)
                      [True, False, True]])   # y is the max at (1,2) and (2,2)
    preds = np.array([[True, False, True]])   # x <= y
    assert learn_tree(cover, preds) == Node(0, Leaf(1), Leaf(0))


def test_tree_picks_the_informative_predicate_and_nests():
    # four points, three terms: t0 on p0, t1 on p1 and p2, t2 on p3
    cover = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=bool)
    preds = np.array([[1, 0, 1, 0],     # useless: mixes labels on both sides
                      [1, 1, 1, 0],     # separates p3 (t2)
                      [1, 0, 0, 0]],    # separates p0 (t0)
                     dtype=bool)
    tree = learn_tree(cover, preds)
    assert tree is not None

    def leaf_at(t, p):
        while isinstance(t, Node):
            t = t.then if preds[t.pred, p] else t.other
        return t.term

    assert [leaf_at(tree, p) for p in range(4)] == [0, 1, 1, 2]
    assert tree.pred != 0


def test_tree_single_term_is_a_leaf_and_uncoverable_point_fails():
    assert learn_tree(np.array([[True, True]]), np.zeros((0, 2), dtype=bool)) == Leaf(0)
    assert learn_tree(np.array([[True, False]]), np.array([[True, False]])) is None


def test_tree_fails_when_no_predicate_separates():
    cover = np.array([[True, False], [False, True]])
    assert learn_tree(cover, np.array([[True, True]])) is None


def test_greedy_cover_takes_the_biggest_first():
    cover = np.array([[1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 1]], dtype=bool)
    assert _greedy_cover(cover) == [1, 2]  # t1 covers three points, t2 the last; t0 is not needed


# --- end to end ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["max4_nogrammar", "array_search_4_nogrammar", "array_sum_3_nogrammar"])
def test_clia_without_grammar_solved(name):
    spec = load_sygus_spec(SYGUS / f"{name}.sl")
    res = solve(spec, 60)
    assert res.status == "solved"
    spec.register()
    assert verify(spec, res.bodies, 20_000)[0] == "verified"


def test_non_single_invocation_problem():
    spec = load_sygus_spec(SYGUS / "symmetric_diff.sl")
    assert len(spec.calls()) == 2  # (f x y) and (f y x)
    res = solve(spec, 60)
    assert res.status == "solved" and res.stats.mode == "enum"
    spec.register()
    assert verify(spec, res.bodies, 20_000)[0] == "verified"
    # a wrong answer is refuted (the check is real)
    assert verify(spec, {"f": parse_sexpr("(- x y)")}, 20_000)[0] == "counterexample"


def test_two_function_problem():
    spec = load_sygus_spec(SYGUS / "two_functions.sl")
    res = solve(spec, 60)
    assert res.status == "solved" and set(res.bodies) == {"f", "g"} and res.stats.mode == "sequential"
    lines = res.define_funs(spec)
    assert lines[0].startswith("(define-fun f ((x Int) (y Int)) Int") and lines[1].startswith("(define-fun g")
    spec.register()
    assert verify(spec, res.bodies, 20_000)[0] == "verified"


def test_invariant_problem():
    spec = load_sygus_spec(SYGUS / "inv_counter.sl")
    assert len(spec.constraints) == 3  # pre => inv, inv /\ trans => inv', inv => post
    res = solve(spec, 60)
    assert res.status == "solved"
    spec.register()
    assert verify(spec, res.bodies, 20_000)[0] == "verified"
    assert verify(spec, {"inv": parse_sexpr("(<= x 5)")}, 20_000)[0] == "counterexample"


def test_define_fun_in_grammar_is_one_call(tmp_path):
    p = tmp_path / "qm.sl"
    p.write_text("(set-logic LIA)(define-fun qm ((a Int) (b Int)) Int (ite (< a 0) b a))"
                 "(synth-fun f ((x Int)) Int ((Start Int (x 0 1 (- Start Start) (qm Start Start)))))"
                 "(declare-var x Int)(constraint (= (f x) (ite (< x 0) 1 0)))(check-synth)")
    spec = load_sygus_spec(p)
    res = solve(spec, 60)
    assert res.status == "solved"
    assert "qm" in res.define_funs(spec)[0]


def test_valid_hint_is_used_first():
    spec = load_sygus_spec(SYGUS / "symmetric_diff.sl")
    res = solve(spec, 60, hints={"f": (parse_sexpr("(ite (<= x y) (- y x) (- x y))"),)})
    assert res.status == "solved" and res.stats.rounds == 1 and res.stats.programs == 0


def test_infeasible_single_invocation(tmp_path):
    p = tmp_path / "inf.sl"
    p.write_text("(set-logic LIA)(synth-fun f ((x Int)) Int)(declare-var x Int)"
                 "(constraint (> (f x) x))(constraint (< (f x) (+ x 1)))(check-synth)")
    res = solve(load_sygus_spec(p), 10)
    assert res.status == "infeasible" and "x" in res.witness


def test_infeasible_two_functions(tmp_path):
    # f + g = x + y and f - g = 1 and f = y: then g = y - 1 and f + g = 2y - 1 = x + y only when x = y - 1
    p = tmp_path / "inf2.sl"
    p.write_text("(set-logic LIA)(synth-fun f ((a Int) (b Int)) Int ((Start Int (a b (+ Start Start)))))"
                 "(synth-fun g ((a Int) (b Int)) Int ((Start Int (a b (- Start Start) 1))))"
                 "(declare-var x Int)(declare-var y Int)(constraint (= (+ (f x y) (g x y)) (+ x y)))"
                 "(constraint (= (- (f x y) (g x y)) 1))(constraint (= (f x y) y))(check-synth)")
    res = solve(load_sygus_spec(p), 10)
    assert res.status == "infeasible" and res.witness["x"] != res.witness["y"] - 1


def test_spec_terms_list_in_one_round(tmp_path):
    # search-like spec: the outputs 0, 1, 2 named by the constraints make the list at once
    p = tmp_path / "search.sl"
    p.write_text("(set-logic LIA)(synth-fun f ((a Int) (b Int) (k Int)) Int)"
                 "(declare-var x Int)(declare-var y Int)(declare-var k Int)"
                 "(constraint (=> (< x y) (=> (< k x) (= (f x y k) 0))))"
                 "(constraint (=> (< x y) (=> (and (> k x) (< k y)) (= (f x y k) 1))))"
                 "(constraint (=> (< x y) (=> (> k y) (= (f x y k) 2))))(check-synth)")
    spec = load_sygus_spec(p)
    res = solve(spec, 10)
    assert res.status == "solved" and res.stats.rounds == 1
    assert verify(spec, res.bodies, 10_000)[0] == "verified"


def test_warm_up_solves_its_problems():
    from aso.synth.warmup import warm_up

    assert set(warm_up().values()) == {"solved"}


@pytest.mark.parametrize("text,needle", [("(set-logic LIA)(check-synth)", "no synth-fun"),
                                         ("(synth-fun f ((x Real)) Int)", "unsupported sort"),
                                         ("(synth-fun f ((x Int)) Int)(declare-var a Int)(constraint (g a))",
                                          "unknown function 'g'")])
def test_reader_errors(tmp_path, text, needle):
    p = tmp_path / "bad.sl"
    p.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_sygus_spec(p)


# --- limits ------------------------------------------------------------------------------------------
def test_watchdog_kills_a_child_that_never_returns():
    start = time.perf_counter()
    status, value, stats, _ = run_limited(lambda publish: (publish({"rounds": 7}), time.sleep(120)), 1.0)
    assert status == "timeout" and value is None and stats == {"rounds": 7}
    assert time.perf_counter() - start < 60  # returned long before the child's sleep ended


def test_watchdog_reports_memory_and_crashes():
    status, _, _, _ = run_limited(lambda publish: bytearray(2 * 1024**3), 30.0, memory_mb=512)
    assert status == "memory"
    status, value, _, _ = run_limited(lambda publish: 1 // 0, 30.0)
    assert status == "crashed" and "ZeroDivisionError" in value


def test_unsolvable_problem_times_out_with_statistics():
    spec = load_sygus_spec(SYGUS / "unrealizable.sl")

    def work(publish):
        from aso.synth.sygus_solver import SolveStats

        return solve(spec, 600.0, stats=SolveStats(sink=lambda s: publish(s.to_json()))).status

    status, value, stats, _ = run_limited(work, 2.0)
    assert status == "timeout" and value is None
    assert stats["mode"] == "enum" and stats["programs"] > 0


def test_cli_prints_one_timeout_line(capsys):
    from aso.cli.main import main

    assert main(["synth", "sygus", str(SYGUS / "unrealizable.sl"), "--timeout", "2"]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("; timeout after ") and "programs=" in out[0]


# --- guidance -------------------------------------------------------------------------------------
def test_production_uses_and_learned_costs():
    from aso.synth.guidance import Guidance, production_uses

    spec = load_sygus_spec(SYGUS / "two_functions.sl")
    grammar = spec.fun("f").grammar  # Start: x y 0 1 (+ Start Start) (- Start Start)
    uses = production_uses(grammar, parse_sexpr("(+ x (+ x 1))"))
    assert uses == {("Start", 4): 2, ("Start", 0): 2, ("Start", 3): 1}
    assert production_uses(grammar, parse_sexpr("(* x 2)")) is None
    guidance = Guidance(grammar)
    assert guidance.costs() is None  # nothing learned: the enumerator's own costs
    for _ in range(3):
        guidance.learn(parse_sexpr("(+ x (+ x 1))"))
    costs = guidance.costs()
    assert costs[("Start", 4)] < costs[("Start", 5)]  # + was used, - was not
    assert costs[("Start", 0)] < costs[("Start", 1)]  # x was used, y was not


def test_hint_guidance_cuts_the_search():
    # a wrong hint with the right shape: its productions become cheaper, the answer comes sooner
    spec = load_sygus_spec(SYGUS / "symmetric_diff.sl")
    plain = solve(spec, 60)
    hinted = solve(spec, 60, hints={"f": (parse_sexpr("(ite (<= x y) (- y x) (- y x))"),)})
    assert plain.status == hinted.status == "solved"
    assert hinted.stats.programs < plain.stats.programs / 4


def test_example_points_read_off_guards(tmp_path):
    from aso.synth.sygus_solver import example_points

    p = tmp_path / "pbe.sl"
    p.write_text("(set-logic LIA)(define-fun and2 ((a Bool) (b Bool)) Bool (and a b))"
                 "(synth-fun f ((x Int) (y Int)) Int)(declare-var x Int)(declare-var y Int)"
                 "(constraint (=> (and2 (= x 38) (= y 11)) (= (f x y) 38)))"
                 "(constraint (=> (= x 3) (= (f x y) 3)))(check-synth)")
    assert example_points(load_sygus_spec(p)) == [{"x": 38, "y": 11}]  # the second guard leaves y free


def test_cli_hint_option(capsys):
    from aso.cli.main import main

    sl = str(SYGUS / "symmetric_diff.sl")
    assert main(["synth", "sygus", sl, "--timeout", "30", "--hint", "f=(ite (<= x y) (- y x) (- x y))"]) == 0
    out = capsys.readouterr().out
    assert "(define-fun f ((x Int) (y Int)) Int (ite (<= x y) (- y x) (- x y)))" in out and "rounds=1 " in out
    assert main(["synth", "sygus", sl, "--hint", "g=x"]) == 2
    assert "aso: error: --hint 'g=x'" in capsys.readouterr().err
