"""SWE-bench plumbing without Docker: instances from the Verified parquet, pre-cloned repositories in a
cache directory, `aso solve` on an instance, predictions in SWE-bench's JSONL format, and evaluation.

Index:
- `Instance`, `load_instances`, `find_repo`, `DEFAULT_DATA` (`instances`)
- `prepare`, `instance_reward`, `solve_patch_of`, `evaluate_prediction`, `append_prediction`,
  `read_predictions` (`harness`)

Not handled: building each instance's own environment (the harness's conda/Docker images). Tests run
with the interpreter the user names; it must have the instance's dependencies and pytest installed.
Only pytest-style test ids are parsed (not Django's or sympy's own runners).
"""

from aso.swe.harness import (
    EvalOutcome,
    append_prediction,
    evaluate_prediction,
    instance_reward,
    prepare,
    read_predictions,
    without_files,
)
from aso.swe.instances import DEFAULT_DATA, Instance, find_repo, load_instances, test_files

__all__ = [
    "DEFAULT_DATA",
    "EvalOutcome",
    "Instance",
    "append_prediction",
    "evaluate_prediction",
    "find_repo",
    "instance_reward",
    "load_instances",
    "prepare",
    "read_predictions",
    "test_files",
    "without_files",
]
