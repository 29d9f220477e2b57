"""A tiny git repository with a bug and a failing test, an issue about it, and scripted answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aso.models import ScriptedModel
from aso.solve import Issue, SolveConfig, SolveWorkflow, TestReward, Workspace, split_command

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
TESTS = (
    "from calc import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_add_zero():\n    assert add(0, 0) == 0\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
)
ISSUE = "# add() subtracts\n\n`calc.add(2, 3)` returns -1 instead of 5.\n"
FIX = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
WRONG = "calc.py\n<<<<<<< SEARCH\n    return a * b\n=======\n    return a * b + 1\n>>>>>>> REPLACE\n"
MALFORMED = "calc.py\n<<<<<<< SEARCH\n    return a - b\n"
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # 1.3 s less per sandboxed pytest run
LESSON = '[{"op": "ADD", "text": "Read the failing assertion before changing arithmetic."}]'


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout


def answers(*solutions: str):
    """A `respond` callback: the i-th solve prompt gets solutions[i % n]; reflections get LESSON."""
    count = {"solve": 0}

    def respond(prompt: str, i: int) -> str:
        if "SEARCH/REPLACE" in prompt:
            k = count["solve"]
            count["solve"] += 1
            return solutions[k % len(solutions)]
        return LESSON

    return respond


class FixingModel(ScriptedModel):
    """Always answers with the fix (named `solve_fixtures:FixingModel` on the command line)."""

    def __init__(self) -> None:
        super().__init__(respond=answers(FIX), name="fixing")


class WrongModel(ScriptedModel):
    """Always answers with a wrong edit."""

    def __init__(self) -> None:
        super().__init__(respond=answers(WRONG), name="wrong")


def solve(repo: Path, respond, *, group=2, iterations=3, run=None, edit_format="auto"):  # noqa: ANN001, ANN201
    """Run the workflow on a copy of `repo` with a ScriptedModel answering by `respond`, on ISSUE;
    returns (result, model, reward)."""
    model = ScriptedModel(respond=respond)
    reward = TestReward(split_command("python -m pytest -q -p no:cacheprovider"), env=FAST)
    config = SolveConfig(group_size=group, max_iterations=iterations, edit_format=edit_format)
    flow = SolveWorkflow(model, reward, config, progress=False)
    with Workspace.create(repo) as ws:
        result = flow.solve(Issue.from_text(ISSUE, "issue.md"), ws.path, ws.files(), run=run)
    return result, model, reward
