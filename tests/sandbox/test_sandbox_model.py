"""End to end with the real embedded model: code it writes runs only through the sandbox."""

from __future__ import annotations

import re

import pytest

from aso.sandbox import Outcome, Sandbox, SandboxLimits, SandboxResult

PROMPT = "Write a Python function add(a, b) that returns the sum of a and b. Reply with only the code."
CHECK = "\n\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\nprint('passed')\n"


def _code(text: str) -> str:
    block = re.search(r"```(?:python)?\n(.*?)(?:```|$)", text, re.S)  # a cut-off block counts too
    return block.group(1) if block else text


@pytest.mark.model
def test_embedded_model_completions_run_in_the_sandbox() -> None:
    from aso.models import SamplingParams, get_model

    model = get_model()
    completions = model.sample(
        [[{"role": "user", "content": PROMPT}]], SamplingParams(n=1, temperature=0.7, max_tokens=48, seed=0)
    )[0]
    sandbox = Sandbox(SandboxLimits(timeout_s=10))
    results = [sandbox.run_python(_code(c.text) + CHECK) for c in completions]
    assert len(results) == 1
    for res in results:
        assert isinstance(res, SandboxResult) and isinstance(res.outcome, Outcome)
        assert res.outcome is not Outcome.SETUP_ERROR, res.error
        assert res.ok == (res.stdout.strip().endswith("passed"))
    passed = sum(r.ok for r in results)
    print(f"embedded model: {passed}/1 completion of add(a, b) pass in the sandbox")
