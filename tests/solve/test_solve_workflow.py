import subprocess

from solve_fixtures import CALC, FIX, MALFORMED, WRONG, answers, git, solve

from aso.grpo import ExperienceLibrary
from aso.runs import Run
from aso.solve import StopReason


def test_a_correct_answer_resolves_and_stops_early(buggy_repo, tmp_path):
    head = git(buggy_repo, "rev-parse", "HEAD")
    result, model, _ = solve(buggy_repo, answers(FIX, WRONG))
    assert result.resolved and result.stop is StopReason.RESOLVED
    assert result.iterations == 1 and len(result.candidates) == 2
    assert result.best.verdict.reward == 1.0 and result.best.text == FIX
    assert result.baseline.reward < 1.0
    assert result.localization.shown[0] in ("calc.py", "test_calc.py")
    # the user's checkout is untouched; the patch applies to the original commit
    assert git(buggy_repo, "status", "--porcelain") == "" and git(buggy_repo, "rev-parse", "HEAD") == head
    assert (buggy_repo / "calc.py").read_text() == CALC
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(buggy_repo), str(clone)], check=True)
    subprocess.run(["git", "apply", "-"], cwd=clone, input=result.best.patch.encode(), check=True)
    assert "return a + b" in (clone / "calc.py").read_text()


def test_a_wrong_answer_scores_lower_with_feedback_and_the_group_reflects(buggy_repo, tmp_path):
    result, model, _ = solve(buggy_repo, answers(WRONG, MALFORMED), iterations=1)
    wrong, malformed = result.candidates
    assert not result.resolved and result.stop is StopReason.MAX_ITERATIONS
    assert wrong.verdict.reward < malformed.verdict.reward  # breaking mul() loses a passing test
    assert "test_" in wrong.verdict.feedback and "assert" in wrong.verdict.feedback
    assert malformed.patch == "" and malformed.dropped and malformed.dropped[0].startswith("unterminated")
    assert wrong.advantage < 0 < malformed.advantage
    assert [e.text for e in result.library] == ["Read the failing assertion before changing arithmetic."]
    assert result.calls == {"rollouts": 2, "reflections": 1}


def test_lessons_reach_the_next_iterations_prompt(buggy_repo, tmp_path):
    result, model, _ = solve(buggy_repo, answers(WRONG, MALFORMED, FIX, FIX), iterations=3)
    assert result.resolved and result.iterations == 2
    solve_prompts = [str(p) for p in model.calls if "SEARCH/REPLACE" in str(p)]
    assert "Read the failing assertion" not in solve_prompts[0]
    assert "Read the failing assertion" in solve_prompts[1]


def test_identical_patches_are_tested_once(buggy_repo, tmp_path):
    _, _, reward = solve(buggy_repo, answers(WRONG), group=3, iterations=1)
    assert reward.runs == 2  # the unpatched baseline and one distinct patch


def test_resume_skips_finished_iterations(buggy_repo, tmp_path):
    run = Run.create("solve", {"x": 1}, path=tmp_path / "run")
    first, _, _ = solve(buggy_repo, answers(WRONG, MALFORMED), iterations=2, run=run)
    assert set(run.done_items()) == {"baseline", "iteration1", "iteration2"}
    assert (run.path / "patches" / "iter2-cand0.diff").read_text() == first.candidates[2].patch
    again, model, reward = solve(buggy_repo, answers(FIX), iterations=2, run=Run.resume(run.path))
    assert model.calls == [] and reward.runs == 0
    assert [c.verdict.reward for c in again.candidates] == [c.verdict.reward for c in first.candidates]
    assert isinstance(again.library, ExperienceLibrary) and len(again.library) == len(first.library)
    assert (run.path / "summary.json").is_file() and (run.path / "best.diff").is_file()
