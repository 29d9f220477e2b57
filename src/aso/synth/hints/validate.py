"""Validation tiers for candidate hint terms: `none`, `cheap`, `examples`, `full`.

- `cheap`: the term parses, derives from the hole's grammar (`aso.synth.grammar.derives`) and fits
  the spec's style profile (`check_style`). Milliseconds.
- `examples`: the kernel fields the hole fills, with the candidate in place, are compared with the
  `_ref.yaml` kernel's fields on inputs that satisfy bounds, invariants and guard (sampled by the
  engine's `examples.sample_points`). All
  candidates of a hole are evaluated in one batch by the engine's vectorised evaluator (numpy; the
  engine has no torch path, so no GPU is used even where one exists). Reports a mismatch rate; passes
  at 0 mismatches. Unavailable when the spec has no `_ref.yaml`.
- `full`: the synthesizer's hint-only check (`aso.synth.cegis.check_hint`: grammar, style, then Z3 on
  the hole's verification condition in the spec's inductive scope, without the reference). A solver
  `unknown` (timeout) is a failure with its reason.

`--validate T` runs `cheap` first and `T` only on candidates that passed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aso.errors import ConfigError
from aso.synth.cegis import HintStatus, check_hint
from aso.synth.evaluate import evaluate_many
from aso.synth.examples import sample_points
from aso.synth.grammar import check_style, derives
from aso.synth.hints.aggregate import Candidate
from aso.synth.hints.outcomes import Tier, Verdict
from aso.synth.kernel import HOLE, Kernel, load_kernel
from aso.synth.problem import hole_problem
from aso.synth.spec import Hole, HoleSpec, find_ref_kernel
from aso.synth.terms import App, ParseError, Term, parse_sexpr, substitute


@dataclass(frozen=True)
class ValidationSettings:
    """How the expensive tiers run."""

    examples: int = 512
    """Input points sampled for the `examples` tier (those violating the guard are dropped)."""
    seed: int = 0
    """Seed of the example sampler."""
    verify_timeout_ms: int = 10000
    """Z3 timeout per candidate for the `full` tier."""


@dataclass(frozen=True)
class Reference:
    """A spec's `_ref.yaml` kernel for the `examples` tier, or why there is none."""

    kernel: Kernel | None
    """The parsed reference kernel (None when missing or unreadable)."""
    note: str = ""
    """Why `kernel` is None."""
    path: Path | None = None
    """The reference file, when there is one."""


def load_reference(kernel_path: Path) -> Reference:
    """The reference of the spec whose kernel is `kernel_path`; an unreadable one is noted, not raised."""
    path = find_ref_kernel(kernel_path)
    if path is None:
        return Reference(None, "no _ref.yaml for this spec")
    try:
        return Reference(load_kernel(path), "", path)
    except ConfigError as exc:
        return Reference(None, f"reference does not load: {exc}", path)


def check_cheap(spec: HoleSpec, hole: Hole, term: str) -> tuple[Verdict, str]:
    """`cheap` tier: parses, derives from the grammar, fits the style profile."""
    try:
        parsed = parse_sexpr(term)
    except ParseError as exc:
        return Verdict.FAILED, f"does not parse: {exc}"
    grammar = spec.grammar(hole)
    if not derives(grammar, parsed):
        return Verdict.FAILED, f"does not derive from grammar {grammar.grammar_id}"
    problems = check_style(spec.style, parsed)
    if problems:
        return Verdict.FAILED, "style profile: " + "; ".join(problems)
    return Verdict.PASSED, ""


def check_examples(
    spec: HoleSpec,
    hole: Hole,
    ref: Reference | None,
    candidates: Sequence[Candidate],
    settings: ValidationSettings,
) -> None:
    """`examples` tier for all `candidates` at once; sets verdicts, reasons and mismatch rates in place."""
    if ref is None or ref.kernel is None:
        note = ref.note if ref is not None else "no reference given"
        for c in candidates:
            c.verdicts[Tier.EXAMPLES], c.reasons[Tier.EXAMPLES] = Verdict.UNAVAILABLE, note
        return
    try:
        problem = hole_problem(spec, hole, ref.kernel)
    except ConfigError as exc:
        for c in candidates:
            c.verdicts[Tier.EXAMPLES], c.reasons[Tier.EXAMPLES] = Verdict.UNAVAILABLE, str(exc)
        return
    equal = [c.term for c in problem.post if c.label.startswith("equals reference")]
    env = sample_points(
        problem, np.random.default_rng(settings.seed), settings.examples, 8 * settings.examples
    )
    points = len(next(iter(env.values()))) if env else 0
    if not points:
        for c in candidates:
            c.verdicts[Tier.EXAMPLES], c.reasons[Tier.EXAMPLES] = (
                Verdict.UNAVAILABLE,
                "no input satisfies the guard",
            )
        return
    checks: list[Term] = []
    for c in candidates:
        term = parse_sexpr(c.term)
        conj = [substitute(e, {HOLE: term}) for e in equal]
        checks.append(conj[0] if len(conj) == 1 else App("and", tuple(conj)))
    for c, ok in zip(candidates, evaluate_many(checks, env), strict=True):
        rate = 1.0 - float(np.count_nonzero(np.asarray(ok, dtype=bool))) / points
        c.mismatch_rate = round(rate, 4)
        c.verdicts[Tier.EXAMPLES] = Verdict.PASSED if rate == 0 else Verdict.FAILED
        if rate:
            c.reasons[Tier.EXAMPLES] = f"differs from the reference on {rate:.1%} of {points} sampled inputs"


def check_full(spec: HoleSpec, hole: Hole, candidate: Candidate, settings: ValidationSettings) -> None:
    """`full` tier: the engine's hint-only check (`cegis.check_hint`: grammar, style, Z3), in place."""
    try:
        problem = hole_problem(spec, hole)
    except ConfigError as exc:
        candidate.verdicts[Tier.FULL], candidate.reasons[Tier.FULL] = Verdict.UNAVAILABLE, str(exc)
        return
    check, _ = check_hint(problem, candidate.term, settings.verify_timeout_ms)
    if check.status is HintStatus.ACCEPTED:
        candidate.verdicts[Tier.FULL] = Verdict.PASSED
        return
    candidate.verdicts[Tier.FULL] = Verdict.FAILED
    where = f" at {check.counterexample}" if check.counterexample else ""
    candidate.reasons[Tier.FULL] = f"{check.status.value}: {check.detail}{where}"


def validate_candidates(
    spec: HoleSpec,
    hole: Hole,
    candidates: Sequence[Candidate],
    requested: Tier,
    *,
    ref: Reference | None = None,
    settings: ValidationSettings = ValidationSettings(),
) -> None:
    """Run the tiers `requested` asks for on every candidate (in place); later tiers only on survivors."""
    tiers = requested.tiers_to_run()
    for c in candidates:
        for t in tiers:
            c.verdicts.setdefault(t, Verdict.SKIPPED)
    if Tier.CHEAP not in tiers:
        return
    survivors = []
    for c in candidates:
        c.verdicts[Tier.CHEAP], reason = check_cheap(spec, hole, c.term)
        if reason:
            c.reasons[Tier.CHEAP] = reason
        if c.verdicts[Tier.CHEAP] is Verdict.PASSED:
            survivors.append(c)
    if Tier.EXAMPLES in tiers and survivors:
        check_examples(spec, hole, ref, survivors, settings)
    if Tier.FULL in tiers:
        for c in survivors:
            check_full(spec, hole, c, settings)
