"""Verified-solution library: retrieval, usefulness, reliability, retirement and its JSON form."""

from __future__ import annotations

from aso.grpo.solutions import SolutionLibrary


def _library() -> SolutionLibrary:
    lib = SolutionLibrary()
    lib.add(
        "T/1",
        "def is_prime(n):\n    '''Return True if n is a prime number.'''",
        "def is_prime(n): ...",
        1.2,
        "rollout",
    )
    lib.add(
        "T/2",
        "def reverse_words(s):\n    '''Reverse the words of a sentence.'''",
        "def reverse_words(s): ...",
        None,
        "reference",
    )
    lib.add(
        "T/3",
        "def count_primes(n):\n    '''Count the prime numbers below n.'''",
        "def count_primes(n): ...",
        0.4,
        "rollout",
    )
    return lib


def test_bm25_retrieves_the_most_similar_prompts_first() -> None:
    lib = _library()
    got = [
        s.task_id for s in lib.retrieve("def largest_prime(n): return the largest prime number below n", k=2)
    ]
    assert got == ["T/3", "T/1"] or got == ["T/1", "T/3"]
    assert [s.task_id for s in lib.retrieve("reverse the words of a sentence", k=1)] == ["T/2"]


def test_retrieval_never_returns_the_task_itself_or_retired_ones() -> None:
    lib = _library()
    assert all(s.task_id != "T/2" for s in lib.retrieve("Reverse the words", k=3, exclude_task="T/2"))
    lib.solutions[0].retired = True
    assert "T/1" not in [s.task_id for s in lib.retrieve("prime number", k=3)]


def test_adding_the_same_solution_twice_keeps_one() -> None:
    lib = _library()
    lib.add("T/1", "x", "def is_prime(n): ...", 0.0, "rollout")
    assert len(lib) == 3


def test_usefulness_reliability_and_retirement() -> None:
    lib = _library()
    helpful, useless, fresh = lib.solutions
    for _ in range(3):
        helpful.usefulness.record(with_passed=4, with_samples=8, without_passed=1, without_samples=8)
        useless.usefulness.record(with_passed=0, with_samples=8, without_passed=2, without_samples=8)
    assert helpful.reliability.q() == (3 + 1) / (3 + 2)
    assert useless.reliability.q() == 1 / 5
    assert helpful.usefulness.delta == 4 / 8 - 1 / 8
    assert lib.retire(min_trials=3) == [useless.id]
    assert not helpful.retired and not fresh.retired  # fresh: never measured, kept


def test_json_round_trip_keeps_usefulness_and_retirement() -> None:
    lib = _library()
    lib.solutions[1].usefulness.record(1, 8, 0, 8)
    lib.solutions[1].retired = True
    again = SolutionLibrary.from_list(lib.to_list())
    assert again.to_list() == lib.to_list()


def test_priors_keep_solutions_and_older_files_still_load(tmp_path) -> None:
    from aso.grpo.priors import Priors, load_priors

    old = Priors()
    assert "solutions" not in old.to_dict()  # the earlier layout, unchanged
    path = tmp_path / "p.json"
    Priors(solutions=_library().to_list()).save(path)
    assert SolutionLibrary.from_list(load_priors(path).solutions).to_list() == _library().to_list()


def test_the_optimizer_keeps_the_best_verified_rollout_of_each_task() -> None:
    from aso.grpo import Task, TFGRPOOptimizer, Verdict
    from aso.models import ScriptedModel

    model = ScriptedModel(respond=lambda p, i: "[]" if "Attempts" in p else ("good" if i % 2 else "bad"))

    def reward(task, completions):
        return [Verdict(1.0, (True,)) if c == "good" else Verdict(0.0, (False,)) for c in completions]

    tasks = [Task("t1", "Write f."), Task("t2", "Write g.")]
    opt = TFGRPOOptimizer(
        base_model=model, group_size=4, epochs=1, batch_size=2, calibration_tasks=1, progress=False
    )
    sols = SolutionLibrary.from_list(opt.optimize(tasks, reward).solutions)
    assert sorted((s.task_id, s.prompt, s.code, s.source) for s in sols.solutions) == [
        ("t1", "Write f.", "good", "rollout"),
        ("t2", "Write g.", "good", "rollout"),
    ]
    assert all(s.advantage is not None and s.advantage > 0 for s in sols.solutions)
