"""End to end with the real embedded model: the five rows on one held-out problem (small budget)."""

from __future__ import annotations

import pytest

from aso.grpo.solutions import SolutionLibrary
from aso.humaneval import problems
from aso.humaneval.gain import ROWS, GainConfig, run_gain, summarise


@pytest.mark.model
def test_five_rows_on_a_held_out_problem(embedded_model) -> None:
    train = problems("train", 1)[0]
    lib = SolutionLibrary()
    lib.add(
        train["task_id"], train["prompt"], train["prompt"] + train["canonical_solution"], None, "reference"
    )
    cfg = GainConfig(group_size=2, max_tokens=48, exemplars=1, seed=0, tasks_per_call=1)
    task = problems("heldout", 1)[0]
    records = run_gain(embedded_model, [task], lib, cfg, progress=False)
    rec = records[task["task_id"]]
    assert set(rec["solved"]) == set(ROWS)
    assert len(rec["answers"]) == 2 and len(rec["experience_answers"]) == 2
    assert rec["exemplars"] == [train["task_id"]]
    assert rec["pass_at_g"] == any(rec["hidden"])  # the ceiling is what the samples reached
    assert rec["solved"]["selection"] == rec["hidden"][rec["chosen"]["selection"]]
    summary = summarise(records, cfg)
    assert summary["tasks"] == 1 and [r["row"] for r in summary["rows"]] == list(ROWS)
