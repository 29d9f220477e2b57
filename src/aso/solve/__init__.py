"""Solving an issue in a repository with verified patches (HIP-002 Dev CLI workflow, `aso solve`).

Index:
- `SolveWorkflow`, `SolveConfig`, `SolveResult`, `Candidate` (`workflow`)   the loop
- `Issue`, `read_issue` (`issue`)                         title and body from a Markdown/text file
- `Workspace`, `resolve_commit` (`workspace`)             a private copy of the repo at a commit
- `localize`, `Localization` (`localize`)                  BM25 file ranking, numbered code for the prompt
- `apply_edits`, `parse_edits`, `unified_diff`, `EditStatus` (`edits`)   SEARCH/REPLACE blocks -> diff
- `TestReward`, `parse_pytest_summary` (`reward`)          tests in the sandbox -> reward and feedback
"""

from aso.solve.edits import EditStatus, apply_edits, parse_edits, unified_diff
from aso.solve.issue import Issue, read_issue
from aso.solve.localize import Localization, localize
from aso.solve.reward import TestReward, parse_pytest_summary, split_command
from aso.solve.workflow import Candidate, SolveConfig, SolveResult, SolveWorkflow, StopReason
from aso.solve.workspace import Workspace, resolve_commit

__all__ = [
    "Candidate",
    "EditStatus",
    "Issue",
    "Localization",
    "SolveConfig",
    "SolveResult",
    "SolveWorkflow",
    "StopReason",
    "TestReward",
    "Workspace",
    "apply_edits",
    "localize",
    "parse_edits",
    "parse_pytest_summary",
    "read_issue",
    "resolve_commit",
    "split_command",
    "unified_diff",
]
