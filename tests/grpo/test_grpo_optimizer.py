import pytest

from aso.grpo import Task, TFGRPOOptimizer, Verdict, load_priors
from aso.models import ScriptedModel
from aso.runs import Run

LESSON = "Prefer the approach that returns a value over printing it."


def respond(prompt: str, i: int) -> str:
    if "Attempts (best first)" in prompt:
        return f'Here you go:\n[{{"op": "ADD", "text": "{LESSON}"}}, {{"op": "ADD", "text": "no"}}]'
    return "good answer" if i % 2 else "bad answer"


def reward(task: Task, completions):
    if task.data.get("impossible"):
        return [Verdict(0.0, (False, False)) for _ in completions]
    return [Verdict(1.0, (True, True)) if "good" in c else Verdict(0.5, (True, False)) for c in completions]


TASKS = [Task("t1", "Write f."), Task("t2", "Write g.", {"impossible": True}), Task("t3", "Write h.")]


def make(model, **kw):
    args = dict(group_size=4, epochs=1, batch_size=3, n_experts=2, calibration_tasks=2, progress=False)
    return TFGRPOOptimizer(base_model=model, **{**args, **kw})


def test_loop_learns_from_variance_and_skips_flat_groups(tmp_path):
    model = ScriptedModel(respond=respond)
    opt = make(model)
    priors = opt.optimize(TASKS, reward)
    reflections = [p for p in model.calls if "Attempts (best first)" in str(p)]
    assert len(reflections) == 2  # t2 has zero variance: skipped
    assert [e.text for e in priors.experiences] == [LESSON]  # duplicate ADD refused, junk dropped
    assert priors.experiences[0].provenance[0].startswith("epoch1/batch0/")
    assert [e.id for e in priors.experts] == ["X1"]
    assert priors.base.trials == 2 and priors.experts[0].reliability.trials == 2
    assert priors.meta["model_calls"] == {"rollouts": 12, "reflections": 2, "calibration": 4}
    # rollout advantages: "good" above the group mean, "bad" below
    good = [r for r in opt.rollouts if r.task_id == "t1" and "good" in r.text]
    assert good and all(r.advantage > 0 for r in good)
    priors.save(tmp_path / "p.json")
    assert load_priors(tmp_path / "p.json").experiences[0].text == LESSON


def test_rollouts_see_the_lessons_of_earlier_batches():
    model = ScriptedModel(respond=respond)
    make(model, epochs=2).optimize(TASKS, reward)
    rollout_prompts = [str(p) for p in model.calls if "Attempts (best first)" not in str(p)]
    assert LESSON not in rollout_prompts[0]
    assert any(LESSON in p for p in rollout_prompts[3:])


def test_reflector_junk_never_crashes():
    model = ScriptedModel(
        respond=lambda p, i: "```json\n{{{ not json" if "Attempts" in p else ("good" if i % 2 else "x")
    )
    priors = make(model).optimize(TASKS, reward)
    assert priors.experiences == []


def test_echoed_prompt_examples_are_not_lessons():
    echo = '[{"op": "ADD", "text": "Handle the empty-list case before indexing."}]'
    model = ScriptedModel(respond=lambda p, i: echo if "Attempts" in p else ("good" if i % 2 else "x"))
    assert make(model).optimize(TASKS, reward).experiences == []


def test_resume_skips_finished_batches(tmp_path):
    run = Run.create("optimize", {"x": 1}, path=tmp_path / "run")
    first = ScriptedModel(respond=respond)
    make(first).optimize(TASKS, reward, run=run)
    second = ScriptedModel(respond=respond)
    priors = make(second).optimize(TASKS, reward, run=Run.resume(tmp_path / "run"))
    assert second.calls == []  # rollouts, reflections and calibration all restored
    assert [e.text for e in priors.experiences] == [LESSON]


def test_group_size_one_is_refused():
    with pytest.raises(ValueError):
        TFGRPOOptimizer(base_model=ScriptedModel(outputs=["x"]), group_size=1)
