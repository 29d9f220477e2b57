import json

import pytest
from solve_fixtures import FAST

from aso.runs import Run
from aso.solve import Issue, SolveConfig, SolveWorkflow, TestReward, Workspace, split_command


@pytest.mark.model
def test_the_embedded_model_runs_a_solve_and_writes_a_valid_run(embedded_model, buggy_repo, tmp_path):
    reward = TestReward(split_command("python -m pytest -q -p no:cacheprovider"), env=FAST)
    config = SolveConfig(group_size=2, max_iterations=1, max_tokens=48, context_chars=1500)
    run = Run.create(
        "solve", {"test": "model"}, seed=0, model_hash=embedded_model.info.identity, path=tmp_path / "r"
    )
    with Workspace.create(buggy_repo) as ws:
        issue = Issue.from_text("# add() subtracts\n\ncalc.add(2, 3) returns -1 instead of 5.", "issue")
        result = SolveWorkflow(embedded_model, reward, config, progress=False).solve(
            issue, ws.path, ws.files(), run
        )
    assert len(result.candidates) == 2 and result.calls["rollouts"] == 2
    summary = json.loads((run.path / "summary.json").read_text())
    assert summary["iterations"] == 1 and summary["candidates"] == 2
    assert "iteration1" in run.done_items() and (run.path / "patches" / "iter1-cand0.diff").exists()
    assert all(0.0 <= c.verdict.reward <= 1.0 for c in result.candidates)
