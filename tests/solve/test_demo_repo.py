from solve_fixtures import FAST, git

from aso.solve import TestReward, Workspace, split_command
from aso.solve.demo_repo import write_demo_repo


def test_the_demo_repository_has_one_failing_test_and_an_issue(tmp_path):
    repo, issue = write_demo_repo(tmp_path / "calc-repo")
    assert git(repo, "status", "--porcelain") == "" and "add()" in issue.read_text()
    reward = TestReward(split_command("python -m pytest -q -p no:cacheprovider"), env=FAST)
    with Workspace.create(repo) as ws:
        baseline = reward.baseline(ws.path).verdict
    assert baseline.outcomes.count(False) == 2 and len(baseline.outcomes) == 3
