"""Synthesis engine for ESSO hole specs and SyGuS LIA problems.

Usage::

    from aso.synth import load_hole_spec, load_kernel, synthesize
    spec = load_hole_spec("fee_calculator_hole.yaml", "fee_calculator_hole.synth.json")
    result = synthesize(spec, ref=load_kernel("fee_calculator_ref.yaml"), timeout=30)
    result.holes[0].solution        # '(safe_div (* fee_amount fee_bps) 10000)'
    result.filled_kernel_yaml()     # the kernel with the hole filled, esso-ir/v1

Index:
- `terms`: the Term AST, `parse_sexpr`, `to_sexpr`, size/depth/subterms.
- `kernel`, `spec`: readers for `esso-ir/v1` kernels and `synth_version 1.1` hole files.
- `grammar`: grammars, `derives`, style limits and cost.
- `evaluate`, `z3_encode`: one evaluator (numpy, vectorised) and one Z3 encoding that agree.
- `problem`, `verifier`: a hole's verification condition and the Z3 check.
- `examples`, `enumerator`, `unify`, `cegis`, `synthesizer`: example points, bottom-up enumeration
  with observational equivalence, decision-tree unification, the CEGIS loop with hints, and the
  per-spec driver (infeasibility, trivial solutions, reference, result record, filled kernel).
- `sygus_spec`, `sygus_solver`: general SyGuS-IF (v1/v2) problems (several functions, any calls,
  invariants) and their solver: single-invocation decision lists, EUSolver-style divide and conquer
  (`decision_tree`: ID3), enumeration with Probe-style `guidance`, one-function-at-a-time search.
- `watchdog`: a hard wall-clock and memory limit (the solve runs in a forked child that is killed).
- `sygus`, `sygus_export`: single-invocation SyGuS problems as hole problems, and the hole-spec ->
  SyGuS translator.
- `hashing`: the canonical hash behind `model_hash` and `synth_hash`.
"""

from aso.synth.cegis import CegisResult, CegisStatus, HintStatus, cegis
from aso.synth.grammar import Grammar, StyleProfile, check_style, derives, style_cost
from aso.synth.hashing import canonical_hash, model_hash, synth_hash
from aso.synth.kernel import Kernel, load_kernel
from aso.synth.spec import Hole, HoleSpec, find_ref_kernel, load_hole_spec
from aso.synth.sygus import SygusProblem, load_sygus
from aso.synth.synthesizer import HoleResult, HoleStatus, SynthResult, synthesize, verify_term
from aso.synth.terms import (
    App,
    Const,
    ParseError,
    Term,
    Var,
    parse_sexpr,
    subterms,
    term_depth,
    term_size,
    to_sexpr,
)
from aso.synth.verifier import VerifyOutcome, VerifyStatus

__all__ = [
    "App", "CegisResult", "CegisStatus", "Const", "Grammar", "HintStatus", "Hole", "HoleResult", "HoleSpec",
    "HoleStatus", "Kernel", "ParseError", "StyleProfile", "SygusProblem", "SynthResult", "Term", "Var",
    "VerifyOutcome", "VerifyStatus", "canonical_hash", "cegis", "check_style", "derives", "find_ref_kernel",
    "load_hole_spec", "load_kernel", "load_sygus", "model_hash", "parse_sexpr", "style_cost", "subterms",
    "synth_hash", "synthesize", "term_depth", "term_size", "to_sexpr", "verify_term",
]
