"""Selection among G Python programs for one function: sandboxed runs, then `ranking.select`.

`select_programs(candidates, entry, tests, example_args)` runs each candidate once in the sandbox on the
visible tests (`PublicTest`) and on the shared inputs (`inputs.shared_inputs` of the tests' arguments),
then ranks. Identical programs are run once (their runs are shared; `sandbox_runs` counts real runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aso.humaneval.prompting import program
from aso.humaneval.public_tests import PublicTest, public_tests
from aso.sandbox import Sandbox
from aso.select.inputs import shared_inputs
from aso.select.python_exec import PythonRun, run_candidate
from aso.select.ranking import Choice, Scored, select


@dataclass(frozen=True)
class ProgramCandidate:
    """One candidate program with what the model said about it."""

    program: str
    mean_logprob: float = 0.0


@dataclass(frozen=True)
class ProgramSelection:
    """The choice, the per-candidate runs and scores, and the sandbox runs it cost."""

    choice: Choice
    runs: tuple[PythonRun, ...]
    scored: tuple[Scored, ...]
    sandbox_runs: int


def select_programs(
    sandbox: Sandbox,
    candidates: Sequence[ProgramCandidate],
    entry: str,
    tests: Sequence[PublicTest],
    generated: Sequence[PublicTest] = (),
    n_inputs: int = 24,
) -> ProgramSelection:
    """Run and rank `candidates` by visible tests, generated tests, agreement, logprob, length."""
    public = [t for t in tests if t.source == "docstring"]
    weak = [t for t in (*tests, *generated) if t.source != "docstring"]
    statements = [t.assertion() for t in (*public, *weak)]
    inputs = shared_inputs([t.args for t in (*public, *weak) if t.args])
    cache: dict[str, PythonRun] = {}
    runs = []
    for c in candidates:
        if c.program not in cache:
            cache[c.program] = run_candidate(sandbox, c.program, entry, statements, inputs)
        runs.append(cache[c.program])
    scored = tuple(
        Scored(
            tests=run.tests[: len(public)],
            generated_tests=run.tests[len(public) :],
            signature=run.outputs if run.loaded else (None,) * len(inputs),
            mean_logprob=c.mean_logprob,
            length=len(c.program),
        )
        for c, run in zip(candidates, runs, strict=True)
    )
    return ProgramSelection(select(scored), tuple(runs), scored, len(cache))


def select_for_problem(
    sandbox: Sandbox,
    problem: dict[str, Any],
    answers: Sequence[str],
    mean_logprobs: Sequence[float] | None = None,
    generated: Sequence[PublicTest] = (),
) -> ProgramSelection:
    """Select among a HumanEval problem's answers using only its prompt (docstring examples).

    The problem's hidden `test` and `canonical_solution` are never read here.
    """
    visible = {"prompt": problem["prompt"], "entry_point": problem["entry_point"]}
    logprobs = list(mean_logprobs) if mean_logprobs is not None else [0.0] * len(answers)
    candidates = [ProgramCandidate(program(visible, a), lp) for a, lp in zip(answers, logprobs, strict=True)]
    return select_programs(sandbox, candidates, visible["entry_point"], public_tests(visible), generated)
