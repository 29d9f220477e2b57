"""The reward of a candidate patch: the repository's tests, run in `aso.sandbox.Sandbox` on a patched
copy. Reward = fraction of the tests passed.

Per-test results come from pytest's short summary (`-rA` is added to a pytest command): lines
`PASSED id`, `FAILED id - message`, `ERROR id - message`, `XFAIL`/`XPASS id` (an expected failure
counts as passed, an unexpected pass as failed, as the SWE-bench log parser does). Which tests count:
the `expected` ids when given (SWE-bench's FAIL_TO_PASS + PASS_TO_PASS; a missing one failed), else
the ids the unpatched run reported (`TestReward.baseline`). A command that reports no pytest ids is one
test: exit code 0 passes. Feedback is the first failure's summary line and the start of its traceback.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aso.errors import ConfigError
from aso.grpo.tasks import Verdict
from aso.sandbox import Sandbox, SandboxLimits, SandboxPolicy

_SUMMARY = re.compile(r"^(PASSED|FAILED|ERROR|XFAIL|XPASS)\s+(\S.*?)(?:\s+-\s+(.*))?$")
_PASSING = {"PASSED", "XFAIL"}
PLAIN_PYTEST = "env PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 python -m pytest -q -p no:cacheprovider"
"""A `--test-cmd` for repositories that need no pytest plugin: ~1.3 s less per sandboxed run than
loading every plugin of the interpreter's site-packages (the demo and the solve benchmark use it)."""
EXIT_CODE_TEST = "<exit code 0>"
"""The one test of a command whose output has no pytest ids."""


def parse_pytest_summary(output: str) -> dict[str, bool]:
    """Test id -> passed, from pytest's `-rA` short summary lines (the last report of an id wins)."""
    results: dict[str, bool] = {}
    for line in output.splitlines():
        m = _SUMMARY.match(line.strip())
        if m and ("::" in m.group(2) or m.group(2).endswith(".py")):
            results[m.group(2)] = m.group(1) in _PASSING
    return results


def split_command(test_cmd: str) -> list[str]:
    """`test_cmd` as argv (`-rA` added to a pytest command); ConfigError when empty or unparsable."""
    try:
        argv = shlex.split(test_cmd)
    except ValueError as exc:
        raise ConfigError(f"--test-cmd {test_cmd!r}: {exc}") from None
    if not argv:
        raise ConfigError(
            "--test-cmd is empty; give the command that runs the tests, e.g. 'python -m pytest -q'"
        )
    if any(a == "pytest" or a.endswith("/pytest") for a in argv) and not any(
        a.startswith("-r") for a in argv
    ):
        argv = [*argv, "-rA"]
    return argv


@dataclass(frozen=True)
class TestRun:
    """One run of the tests."""

    __test__ = False
    verdict: Verdict
    results: dict[str, bool] = field(default_factory=dict)
    """Test id -> passed, as parsed (all ids reported, not only the counted ones)."""
    outcome: str = "ok"
    """The sandbox outcome (`aso.sandbox.Outcome` value)."""
    exit_ok: bool = False
    """The command exited with status 0."""
    output: str = ""
    """stdout and stderr (their ends, as the sandbox keeps them)."""

    @property
    def tail(self) -> str:
        """The end of the output, for the run log."""
        return self.output[-2000:]


class TestReward:
    """Runs `argv` in the sandbox on `root` with candidate files written over it."""

    __test__ = False

    def __init__(
        self,
        argv: Sequence[str],
        *,
        expected: Sequence[str] | None = None,
        limits: SandboxLimits | None = None,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = list(argv)
        self.expected = tuple(expected) if expected is not None else None
        self.sandbox = Sandbox(
            limits or SandboxLimits(timeout_s=120, cpu_s=120), SandboxPolicy(python=python)
        )
        self.env = dict(env or {})
        self.runs = 0
        """Sandbox runs so far."""

    def run(self, root: str | Path, files: Mapping[str, str] | None = None) -> TestRun:
        """Run the tests on a copy of `root` with `files` (relative path -> text) written over it."""
        env = dict(self.env)
        if (Path(root) / "src").is_dir() and "PYTHONPATH" not in env:
            env["PYTHONPATH"] = "src"  # src layouts import the patched copy, not an installed one
        result = self.sandbox.run(self.argv, source_dir=root, files=dict(files or {}), env=env)
        self.runs += 1
        output = result.stdout + "\n" + result.stderr
        parsed = parse_pytest_summary(result.stdout)
        return self._judge(parsed, result.exit_code == 0, output, result.outcome.value)

    def baseline(self, root: str | Path) -> TestRun:
        """Run the unpatched tests; without `expected`, the ids found become the counted tests."""
        first = self.run(root)
        if self.expected is None:
            self.expected = tuple(first.results) or (EXIT_CODE_TEST,)
            first = self._judge(first.results, first.exit_ok, first.output, first.outcome)
        return first

    def _judge(self, parsed: dict[str, bool], exit_ok: bool, output: str, outcome: str) -> TestRun:
        counted = self.expected or tuple(parsed) or (EXIT_CODE_TEST,)
        outcomes = tuple(exit_ok if t == EXIT_CODE_TEST else parsed.get(t, False) for t in counted)
        reward = sum(outcomes) / len(outcomes)
        failed = [t for t, ok in zip(counted, outcomes, strict=True) if not ok]
        feedback = first_failure(output, failed[0]) if failed else ""
        return TestRun(Verdict(reward, outcomes, feedback), parsed, outcome, exit_ok, output)


def first_failure(output: str, test_id: str, limit: int = 800) -> str:
    """The summary line of `test_id` and the start of pytest's report of its failure (or of errors)."""
    lines = output.splitlines()
    summary = next(
        (
            ln
            for ln in lines
            if test_id != EXIT_CODE_TEST and test_id in ln and ln.startswith(("FAILED", "ERROR"))
        ),
        "",
    )
    name = test_id.split("::")[-1]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("_") and f" {name} " in ln), None)
    if start is None:
        start = next((i for i, ln in enumerate(lines) if re.match(r"^=+ (FAILURES|ERRORS) =+$", ln)), None)
    body = "\n".join(lines[start : start + 30]) if start is not None else "\n".join(lines[-15:])
    head = summary or f"{test_id}: not passed"
    return (head + "\n" + body.strip())[:limit]
