"""Execution-based selection: choose one of G candidates by what they do, never by hidden tests.

Index:
- `Scored`, `Choice`, `select` (`ranking`)   the general selector over any candidates: (a) public tests
  passed, (b) agreement of outputs with the other candidates (MBR-exec / CodeT dual agreement),
  (c) mean token log-probability, (d) shorter. Domain-free: HumanEval programs, synthesis hint terms
  (Z3 verdicts as tests), patches of `aso solve` (test outcomes as tests).
- `shared_inputs` (`inputs`)    example arguments plus simple mutations, shared by all candidates
- `PythonRun`, `run_candidate` (`python_exec`)   one sandboxed run of a Python candidate on the public
  tests and the shared inputs
- `select_programs`, `select_for_problem` (`programs`)  the pipeline for Python functions (HumanEval
  and alike); `select_for_problem` sees only a problem's prompt and entry point
"""

from aso.select.inputs import shared_inputs
from aso.select.programs import ProgramCandidate, ProgramSelection, select_for_problem, select_programs
from aso.select.python_exec import PythonRun, run_candidate
from aso.select.ranking import Choice, Scored, agreement_scores, select

__all__ = [
    "Choice",
    "ProgramCandidate",
    "ProgramSelection",
    "PythonRun",
    "Scored",
    "agreement_scores",
    "run_candidate",
    "select",
    "select_for_problem",
    "select_programs",
    "shared_inputs",
]
