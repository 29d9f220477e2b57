"""Shared base of adapters whose examples run in `aso.sandbox` through a shipped runner script."""

from __future__ import annotations

import json
from importlib import resources

from aso.dataset.adapters.vocabulary import load_builtin_vocabulary


class SandboxedAdapter:
    """Vocabulary from `vocab/<vocabulary_name>.yaml`; `run_script` runs `runner` in the sandbox.

    The runner prints its result as JSON on a line starting with `marker` (the last such line counts).
    """

    vocabulary_name = ""
    runner = ""
    marker = ""

    def __init__(self, timeout_s: float = 10.0) -> None:
        self._descriptions = load_builtin_vocabulary(self.vocabulary_name)
        self._timeout_s = timeout_s
        self._sandbox = None

    def vocabulary(self) -> list[str]:
        """The shipped default vocabulary, in file order."""
        return list(self._descriptions)

    def describe(self, construct: str) -> str:
        """The vocabulary file's description of a construct."""
        return self._descriptions.get(construct, f"a `{construct}` node")

    def runner_source(self) -> str:
        """Source of the sandbox-side runner script shipped beside this module."""
        return resources.files("aso.dataset.adapters").joinpath(self.runner).read_text(encoding="utf-8")

    def run_script(self, files: dict[str, str]):
        """Run the runner with `files` in the sandbox -> (SandboxResult, payload dict or None)."""
        from aso.sandbox import Sandbox, SandboxLimits

        if self._sandbox is None:
            limits = SandboxLimits(timeout_s=self._timeout_s, cpu_s=int(self._timeout_s))
            self._sandbox = Sandbox(limits)
        result = self._sandbox.run_python(self.runner_source(), files=files)
        for line in reversed(result.stdout.splitlines()):
            if line.startswith(self.marker):
                try:
                    return result, json.loads(line[len(self.marker) :])
                except json.JSONDecodeError:
                    return result, None
        return result, None
