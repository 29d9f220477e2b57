"""The honest solving protocol (the default of `aso swe solve`): the model sees the problem statement
and the repository at the base commit, never the instance's test patch, FAIL_TO_PASS or PASS_TO_PASS.
Its reward while solving comes from, run in the instance's environment (`aso.swe.testbed`):

- the repository's existing tests near the code the issue points at (test files named after the
  localised source files, `test_<module>.py` / `<module>_test.py`), the ones that pass at the base
  commit (a candidate must keep them passing), and
- a reproduction test the model writes from the issue (Agentless style), kept only when it fails at
  the base commit (a test that already passes reproduces nothing); it must pass after the fix.

When neither exists the reward signal is dead: `HonestReward.dead` says why, and the CLI says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from aso.models import Model, SamplingParams
from aso.solve import TestReward
from aso.solve.issue import Issue
from aso.solve.reward import TestRun
from aso.swe.envs import Env
from aso.swe.specs import parse_log_text
from aso.swe.testbed import run_tests

REPRO_FILE = "test_aso_reproduction.py"
"""Where the model's reproduction test is written (repository root)."""
_PASSING = {"PASSED", "XFAIL"}
_CODE = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)


def reproduction_prompt(issue: Issue) -> list[dict[str, str]]:
    """Ask for one pytest test file that fails now because of the issue and passes once it is fixed."""
    return [
        {"role": "system", "content": "You write minimal pytest tests that reproduce bug reports."},
        {
            "role": "user",
            "content": f"Issue:\n{issue.text}\n\nWrite one Python test file with a function "
            "`test_reproduction` that fails because of this issue and passes once it is fixed. "
            "Import the project as its users do. Answer with one ```python code block.",
        },
    ]


def reproduction_test(model: Model, issue: Issue, seed: int = 0, max_tokens: int = 384) -> str | None:
    """The model's reproduction test file (the first python code block with a `def test`), or None."""
    params = SamplingParams(n=1, temperature=0.0, max_tokens=max_tokens, seed=seed)
    text = model.sample([reproduction_prompt(issue)], params)[0][0].text
    for block in _CODE.findall(text) or [text]:
        if re.search(r"^def test\w*\(", block, re.M):
            return block.strip() + "\n"
    return None


def nearby_test_files(root: Path, source_files: Sequence[str], limit: int = 3) -> list[str]:
    """Existing test files named after `source_files` (in order), at most `limit`."""
    stems = [Path(s).stem for s in source_files if not Path(s).name.startswith("test")]
    found: list[str] = []
    for stem in stems:
        names = {f"test_{stem}.py", f"{stem}_test.py", f"tests_{stem}.py"}
        for path in sorted(root.rglob("*.py")):
            if path.name in names:
                rel = path.relative_to(root).as_posix()
                if rel not in found:
                    found.append(rel)
    return found[:limit]


class HonestReward(TestReward):
    """Nearby existing tests + the reproduction test, run by the harness's test command in `env`,
    parsed by the repository's official parser."""

    def __init__(
        self,
        env: Env,
        test_files: Sequence[str],
        reproduction: str | None,
        *,
        timeout: float = 900.0,
        scm_version: str | None = None,
        expected: Sequence[str] | None = None,
    ) -> None:
        self.testbed = env
        self.test_files = list(test_files)
        self.reproduction = reproduction
        directives = [*self.test_files, *([REPRO_FILE] if reproduction else [])]
        self.test_cmd = " ".join([env.spec.test_cmd, *directives])
        self.timeout = timeout
        self.scm_version = scm_version
        self.dead = ""
        """Why the reward cannot tell candidates apart ("" when it can)."""
        self.notes: list[str] = []
        super().__init__(self.test_cmd.split(), expected=expected)
        self.fixed = expected is not None
        """The counted tests were given (the oracle-tests setting), not chosen at the base commit."""

    def run(self, root: str | Path, files: Mapping[str, str] | None = None) -> TestRun:
        """Run the counted tests on `root` with `files` (and the reproduction test) written over it."""
        extra = dict(files or {})
        if self.reproduction:
            extra[REPRO_FILE] = self.reproduction
        run = run_tests(
            self.testbed, root, self.test_cmd, files=extra, timeout=self.timeout, scm_version=self.scm_version
        )
        self.runs += 1
        status = parse_log_text(self.testbed.spec.repo, self.testbed.spec.version, run.log)
        parsed = {t: s in _PASSING for t, s in status.items()}
        return self._judge(parsed, run.exit_code == 0, run.log, "timeout" if run.timed_out else "ok")

    def baseline(self, root: str | Path) -> TestRun:
        """At the base commit: counted = nearby tests that pass + reproduction tests that fail; a
        reproduction test that passes (or is not reported) is dropped, with a note."""
        first = self.run(root)
        if self.fixed:
            return first
        keep_existing = [t for t, ok in first.results.items() if ok and REPRO_FILE not in t]
        repro = [t for t, ok in first.results.items() if REPRO_FILE in t]
        failing_repro = [t for t in repro if not first.results[t]]
        if self.reproduction and not failing_repro:
            why = "passes at the base commit" if repro else "was not collected (syntax or import error)"
            self.notes.append(f"reproduction test {why}: not counted")
        self.expected = tuple(keep_existing + failing_repro)
        if not failing_repro and not keep_existing:
            self.dead = "no nearby test passes at the base commit and no reproduction test fails there"
        elif not failing_repro:
            self.dead = "no reproduction test fails at the base commit: only regressions can be detected"
        if not self.expected:
            self.expected = ("<exit code 0>",)
        return self._judge(first.results, first.exit_ok, first.output, first.outcome)
