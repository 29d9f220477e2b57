"""LocalExecutor: in-process and a pool of spawned workers; deaths retried, then recorded as failed."""

from __future__ import annotations

import pytest

from aso.errors import ConfigError
from aso.executors import ItemStatus, LocalExecutor, WorkItem, get_executor, run_items
from aso.executors.testing import loads_by_worker, seeded_draws
from aso.runs import Run

T = "aso.executors.testing"


def draws_items(n: int) -> list[WorkItem]:
    return [WorkItem(f"item-{i}", {"seed": 100 + i, "n": 3}) for i in range(n)]


@pytest.fixture(scope="module")
def pool():
    with LocalExecutor(workers=2) as executor:
        yield executor


def test_in_process_and_pool_give_the_same_values(pool):
    items = draws_items(6)
    inline = run_items(LocalExecutor(workers=1), f"{T}:seeded_draws", items)
    pooled = run_items(pool, f"{T}:seeded_draws", items)
    assert [r.value for r in inline.values()] == [r.value for r in pooled.values()]
    assert [r.value for r in pooled.values()] == [seeded_draws(i.payload) for i in items]
    assert len({r.worker for r in pooled.values()}) >= 1
    assert all(r.status is ItemStatus.DONE and r.attempts == 1 for r in pooled.values())


def test_a_killed_worker_is_replaced_and_its_item_retried(pool, tmp_path):
    items = [*draws_items(3), WorkItem("dies", {"seed": 7, "n": 3, "marker": str(tmp_path / "m")})]
    results = {}
    for item in items:  # one task for the dying item, the scripted draws for the others
        task = f"{T}:die_once" if item.key == "dies" else f"{T}:seeded_draws"
        results.update(run_items(pool, task, [item]))
    assert results["dies"].ok and results["dies"].attempts == 2
    assert results["dies"].value == seeded_draws({"seed": 7, "n": 3})
    assert (tmp_path / "m").exists()


def test_a_worker_that_always_dies_is_failed_after_max_attempts(tmp_path):
    run = Run.create("test", {}, path=tmp_path / "run")
    with LocalExecutor(workers=2, max_attempts=2) as executor:
        results = run_items(executor, f"{T}:always_die", [WorkItem("a"), WorkItem("b")], run)
        after = run_items(executor, f"{T}:seeded_draws", draws_items(2))  # the pool still works
    assert all(r.status is ItemStatus.FAILED and r.attempts == 2 for r in results.values())
    assert "worker died on each of 2 attempt(s)" in results["a"].error
    failed = {e["key"] for e in run.events("item_failed")}
    assert failed == {"a", "b"} and not run.done_items()
    assert all(r.ok for r in after.values())


def test_a_raising_task_fails_its_item_at_once(pool):
    results = run_items(pool, f"{T}:fail", [WorkItem("x", {"key": "x"})])
    assert results["x"].status is ItemStatus.FAILED and results["x"].attempts == 1
    assert "ValueError: scripted failure for x" in results["x"].error


def test_model_loads_once_per_worker(pool):
    items = [WorkItem(f"p{i}", {"model": f"{T}:CountingModel"}) for i in range(8)]
    results = run_items(pool, f"{T}:model_probe", items)
    by_pid = loads_by_worker(results)
    assert all(loads == [1] * len(loads) for loads in by_pid.values())


def test_get_executor_refuses_bad_options():
    with pytest.raises(ConfigError, match="--executor 'slurm'"):
        get_executor("slurm")
    with pytest.raises(ConfigError, match="--workers must be >= 1"):
        get_executor("local", 0)
    with pytest.raises(ConfigError, match="--ray-address needs --executor ray"):
        get_executor("local", 2, ray_address="auto")


def test_duplicate_keys_are_refused(pool):
    with pytest.raises(ConfigError, match="used twice"):
        run_items(pool, f"{T}:seeded_draws", [WorkItem("a", {"seed": 1}), WorkItem("a", {"seed": 2})])


def test_a_ray_address_nothing_answers_on_is_refused_before_any_work(tmp_path, capsys):
    from aso.cli.main import main

    argv = ["dataset", "run", "--executor", "ray", "--ray-address", "127.0.0.1:1", "--budget", "2"]
    assert main([*argv, "--output", str(tmp_path / "run")]) == 2
    assert "--ray-address 127.0.0.1:1: nothing answers there" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
