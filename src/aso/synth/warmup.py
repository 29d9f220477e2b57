"""One-time warm-up of the general SyGuS solver in a process that will fork a child per problem.

The first solve in a fresh process pays one-time costs that have nothing to do with the problem:
lazy imports inside functions, Z3's first solver, simplifier and quantifier-engine set-up, numpy's
first calls of each kernel. A process that forks one child per problem (`aso.synth.watchdog`) pays
them again in every child unless the parent has paid them once before forking: `warm_up()` solves a
few tiny built-in problems (one per search mode: decision lists, divide and conquer with a grammar,
plain enumeration of an invariant, two functions) in the calling process. It takes ~50 ms.
"""

from __future__ import annotations

from pathlib import Path

from aso.synth.sygus_spec import parse_sygus_text

_PROBLEMS = {
    "si": """(set-logic LIA)
(synth-fun f ((x Int) (y Int)) Int)
(declare-var x Int)
(declare-var y Int)
(constraint (>= (f x y) x))
(constraint (>= (f x y) y))
(constraint (or (= x (f x y)) (= y (f x y))))
""",
    "dnc": """(set-logic LIA)
(synth-fun f ((x Int) (y Int)) Int ((Start Int) (B Bool))
  ((Start Int (x y 0 1 (+ Start Start) (- Start Start) (ite B Start Start)))
   (B Bool ((and B B) (not B) (<= Start Start) (= Start Start)))))
(declare-var x Int)
(declare-var y Int)
(constraint (<= (f x y) x))
(constraint (<= (f x y) y))
(constraint (or (= x (f x y)) (= y (f x y))))
""",
    "enum": """(set-logic LIA)
(synth-inv inv ((x Int)))
(declare-primed-var x Int)
(define-fun pre ((x Int)) Bool (= x 0))
(define-fun trans ((x Int) (x! Int)) Bool (and (< x 3) (= x! (+ x 1))))
(define-fun post ((x Int)) Bool (<= x 3))
(inv-constraint inv pre trans post)
""",
    "product": """(set-logic LIA)
(synth-fun f ((x Int)) Int ((Start Int (x 0 1 (+ Start Start)))))
(synth-fun g ((x Int)) Int ((Start Int (x 0 1 (+ Start Start)))))
(declare-var a Int)
(constraint (= (+ (f a) (g a)) (+ a 1)))
(constraint (>= (f a) (+ a 1)))
""",
}


def warm_up(timeout_s: float = 2.0) -> dict[str, str]:
    """Solve the built-in tiny problems in this process; returns mode -> status (all `solved`)."""
    from aso.synth.sygus_solver import solve

    out = {}
    for mode, text in _PROBLEMS.items():
        spec = parse_sygus_text(text, Path(f"<warm-up {mode}>"))
        out[mode] = solve(spec, timeout_s).status
    return out
