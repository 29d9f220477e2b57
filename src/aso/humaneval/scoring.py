"""Scoring HumanEval attempts in `aso.sandbox`, one outcome per test.

HumanEval's `check(candidate)` is a list of asserts. Each top-level statement of `check` that contains
an `assert` becomes one test: it is wrapped so its pass/fail is printed as a line, and the run goes on
after a failure. Other statements (setup) run as they are. The candidate program is a separate file
loaded with `exec`; if it does not load, every test fails. Tests not reported before a timeout fail.
Reward r = fraction of tests passed (+ `quality_weight` · quality, if a quality function is given).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aso.grpo.tasks import Task, Verdict
from aso.humaneval.prompting import program

_MARK = "@@ASO-TEST"

_HARNESS = """
import json as __json
def __report(i, ok, msg=""):
    print("{mark}", i, int(ok), __json.dumps(str(msg)[:160]), flush=True)
try:
    exec(compile(open("solution.py").read(), "solution.py", "exec"), globals())
except BaseException as __e:
    print("{mark}-LOAD", __json.dumps(repr(__e)[:200]), flush=True)
    raise SystemExit(0)
{tests}
check({entry})
"""


@dataclass(frozen=True)
class TestHarness:
    """The harness source of one problem and how many tests it reports."""

    __test__ = False
    source: str
    n_tests: int


def build_harness(problem: dict[str, Any]) -> TestHarness:
    """Rewrite `check` so each assert-bearing top-level statement reports its own outcome."""
    module = ast.parse(problem["test"])
    count = 0
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            body = []
            for stmt in node.body:
                if any(isinstance(n, ast.Assert) for n in ast.walk(stmt)):
                    body.append(_wrapped(stmt, count))
                    count += 1
                else:
                    body.append(stmt)
            node.body = body or [ast.Pass()]
    tests = ast.unparse(ast.fix_missing_locations(module))
    source = _HARNESS.format(mark=_MARK, tests=tests, entry=problem["entry_point"])
    return TestHarness(source, count)


def _wrapped(stmt: ast.stmt, index: int) -> ast.stmt:
    code = (
        "try:\n    pass\n"
        f"except BaseException as __e:\n    __report({index}, False, repr(__e))\n"
        f"else:\n    __report({index}, True)\n"
    )
    tree = ast.parse(code).body[0]
    assert isinstance(tree, ast.Try)
    tree.body = [stmt]
    return tree


def parse_outcomes(stdout: str, n_tests: int) -> tuple[list[bool], str]:
    """Per-test outcomes from the harness output (unreported = failed) and the first failure message."""
    outcomes = [False] * n_tests
    feedback = ""
    for line in stdout.splitlines():
        if line.startswith(f"{_MARK}-LOAD"):
            return outcomes, "program does not load: " + json.loads(line.split(" ", 1)[1])
        if line.startswith(_MARK + " "):
            _, idx, ok, msg = line.split(" ", 3)
            i = int(idx)
            if 0 <= i < n_tests:
                outcomes[i] = ok == "1"
                if ok != "1" and not feedback:
                    feedback = f"test {i + 1} failed: {json.loads(msg)}"
    return outcomes, feedback


class HumanEvalReward:
    """Reward function for `TFGRPOOptimizer`: runs each attempt's tests in the sandbox."""

    def __init__(
        self,
        timeout_s: float = 10.0,
        quality: Callable[[str], float] | None = None,
        quality_weight: float = 0.0,
    ) -> None:
        from aso.sandbox import Sandbox, SandboxLimits

        self.sandbox = Sandbox(SandboxLimits(timeout_s=timeout_s, cpu_s=int(timeout_s)))
        self.quality, self.quality_weight = quality, quality_weight

    def verdict(self, problem: dict[str, Any], answer: str) -> Verdict:
        """Run one answer's tests."""
        harness = build_harness(problem)
        result = self.sandbox.run_python(harness.source, files={"solution.py": program(problem, answer)})
        outcomes, feedback = parse_outcomes(result.stdout, harness.n_tests)
        if result.timed_out and not feedback:
            feedback = "timed out"
        reward = sum(outcomes) / max(1, len(outcomes))
        if self.quality is not None and self.quality_weight:
            reward += self.quality_weight * self.quality(answer)
        return Verdict(reward, tuple(outcomes), feedback)

    def __call__(self, task: Task, completions: Sequence[str]) -> list[Verdict]:
        """One verdict per completion; `task.data` is the HumanEval problem."""
        return [self.verdict(task.data, c) for c in completions]


def task_of(problem: dict[str, Any]) -> Task:
    """The optimiser's view of a problem: its prompt, with the problem as data."""
    return Task(problem["task_id"], problem["prompt"], dict(problem))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c correct: 1 − C(n−c, k) / C(n, k)."""
    if n - c < k:
        return 1.0
    prob = 1.0
    for i in range(n - c + 1, n + 1):
        prob *= 1.0 - k / i
    return 1.0 - prob
