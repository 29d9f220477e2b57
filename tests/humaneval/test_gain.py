"""The five-row comparison with a scripted model: rows, call counts, the ceiling and the paired CI."""

from __future__ import annotations

from aso.grpo.solutions import SolutionLibrary
from aso.humaneval.data import load_problems
from aso.humaneval.gain import GainConfig, paired_bootstrap, record_usefulness, run_gain, summarise
from aso.models import ScriptedModel
from aso.models.scripted import prompt_text

GCD = load_problems()["HumanEval/13"]
RIGHT = (
    "```python\ndef greatest_common_divisor(a, b):\n    while b:\n        a, b = b, a % b\n    return a\n```"
)
WRONG = "```python\ndef greatest_common_divisor(a, b):\n    return 1\n```"


def test_rows_on_a_scripted_model() -> None:
    # greedy (first call) wrong; plain samples: 1 right of 4; with an exemplar in the prompt: all right
    def respond(text: str, i: int) -> str:
        if "EXEMPLAR_CODE" in text:
            return RIGHT
        return RIGHT if i == 3 else WRONG

    model = ScriptedModel(respond=respond)
    lib = SolutionLibrary()
    lib.add(
        "HumanEval/2",
        "def gcd_like(a, b):\n    '''greatest common divisor'''",
        "EXEMPLAR_CODE",
        None,
        "reference",
    )
    cfg = GainConfig(group_size=4, max_tokens=32, exemplars=1, seed=0, tasks_per_call=1)
    records = run_gain(model, [GCD], lib, cfg, progress=False)
    rec = records["HumanEval/13"]
    assert rec["exemplars"] == ["HumanEval/2"]
    assert rec["solved"]["greedy"] is False
    assert rec["solved"]["best_of_public"] is True and rec["solved"]["selection"] is True
    assert rec["solved"]["selection_experience"] is True
    assert rec["hidden"] == [False, False, True, False]  # calls: greedy=0, samples=1..4
    assert "EXEMPLAR_CODE" in prompt_text(model.calls[-1])
    summary = summarise(records, cfg)
    rows = {r["row"]: r for r in summary["rows"]}
    assert rows["greedy"]["model_calls_per_task"] == 1 and rows["selection"]["model_calls_per_task"] == 4
    assert summary["pass@G"] == 1.0 and summary["expected_pass@1_one_sample"] == 0.25
    record_usefulness(records, lib, cfg)
    assert lib.solutions[0].usefulness.with_wins == 1


def test_paired_bootstrap_interval() -> None:
    low, high = paired_bootstrap([True] * 30 + [False] * 70, [False] * 100)
    assert 0.2 < low < 0.3 < high < 0.4
    assert paired_bootstrap([True, False], [True, False]) == (0.0, 0.0)
