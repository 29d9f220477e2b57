"""RayExecutor on a real local Ray instance (one per module): same values as local, deaths retried,
resumed runs skip finished items, the model loads once per actor."""

from __future__ import annotations

import os

import pytest

from aso.executors import ItemStatus, LocalExecutor, RayExecutor, WorkItem, run_items, stream_items
from aso.executors.testing import loads_by_worker
from aso.runs import Run

T = "aso.executors.testing"


@pytest.fixture(scope="module")
def ray_session():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_executor(ray_session):
    with RayExecutor(workers=2, cpus_per_worker=0.5) as executor:  # room for one more actor
        yield executor


def draws_items(n: int) -> list[WorkItem]:
    return [WorkItem(f"item-{i}", {"seed": 1000 + i, "n": 5}) for i in range(n)]


def test_ray_gives_the_local_executors_values_on_the_same_seeds(ray_executor):
    items = draws_items(10)
    with LocalExecutor(workers=2) as local:
        local_values = {k: r.value for k, r in run_items(local, f"{T}:seeded_draws", items).items()}
    ray_results = run_items(ray_executor, f"{T}:seeded_draws", items)
    assert {k: r.value for k, r in ray_results.items()} == local_values
    assert all(r.status is ItemStatus.DONE for r in ray_results.values())


def test_a_killed_actor_is_replaced_and_the_run_completes(ray_executor, tmp_path):
    run = Run.create("test", {}, path=tmp_path / "run")
    items = [WorkItem("dies", {"seed": 5, "n": 5, "marker": str(tmp_path / "marker")})]
    results = run_items(ray_executor, f"{T}:die_once", items, run)
    assert results["dies"].ok and results["dies"].attempts == 2
    assert run.done_items()["dies"]["attempts"] == 2
    assert results["dies"].value == run_items(ray_executor, f"{T}:seeded_draws", items)["dies"].value
    then = run_items(ray_executor, f"{T}:seeded_draws", draws_items(4))  # both actors serve again
    assert all(r.ok for r in then.values())


def test_an_actor_that_always_dies_is_recorded_failed(ray_session, tmp_path):
    run = Run.create("test", {}, path=tmp_path / "run")
    with RayExecutor(workers=1, max_attempts=2, cpus_per_worker=0.5) as executor:
        results = run_items(executor, f"{T}:always_die", [WorkItem("a")], run)
    assert results["a"].status is ItemStatus.FAILED and results["a"].attempts == 2
    assert [e["key"] for e in run.events("item_failed")] == ["a"]


@pytest.mark.parametrize("kind", ["local", "ray"])
def test_a_resumed_run_does_not_redo_finished_items(kind, ray_executor, tmp_path):
    log = tmp_path / "executions.log"
    items = [WorkItem(f"k{i}", {"key": f"k{i}", "log": str(log)}) for i in range(8)]
    run = Run.create("test", {}, path=tmp_path / "run")
    executor = ray_executor if kind == "ray" else LocalExecutor(workers=2)
    try:
        first = []
        for result in stream_items(executor, f"{T}:record_and_echo", items, run):
            first.append(result.key)
            if len(first) == 3:
                break  # the driver stops: a kill of the command after three results
        resumed = Run.resume(run.path)
        second = run_items(executor, f"{T}:record_and_echo", items, resumed)
    finally:
        if kind == "local":
            executor.close()
    assert set(resumed.done_items()) == {i.key for i in items}
    assert {k for k, r in second.items() if r.resumed} == set(first)
    executions = log.read_text().splitlines()
    assert all(executions.count(key) == 1 for key in first)  # finished before the stop: never run again
    assert sorted(r.value["key"] for r in second.values()) == sorted(i.key for i in items)


def test_the_model_loads_once_per_actor(ray_executor):
    items = [WorkItem(f"p{i}", {"model": f"{T}:CountingModel"}) for i in range(8)]
    results = run_items(ray_executor, f"{T}:model_probe", items)
    by_pid = loads_by_worker(results)
    assert all(loads == [1] * len(loads) for loads in by_pid.values())
    assert sum(len(v) for v in by_pid.values()) == 8


def test_sampling_split_over_workers_is_the_same_on_local_and_ray(ray_executor):
    from aso.executors.sampling import sample_over
    from aso.models import SamplingParams

    prompts = [f"prompt {i}" for i in range(5)]
    params = SamplingParams(n=2, seed=40)
    model = f"{T}:SeededModel"
    with LocalExecutor(workers=2) as local:
        here = sample_over(local, None, model, prompts, params)
    there = sample_over(ray_executor, None, model, prompts, params)
    assert [[c.text for c in g] for g in here] == [[c.text for c in g] for g in there]
    seeds = [g[0].text.split()[2] for g in here]
    assert seeds == ["40", "40", "40", "43", "43"]  # chunks of 3 and 2 prompts, seeded seed + start


@pytest.mark.parametrize("kind", ["local", "ray"])
def test_a_worker_killed_from_outside_mid_task_is_retried(kind, ray_executor, tmp_path):
    import signal
    import threading
    import time

    pidfile = tmp_path / "pid"

    def kill_when_started():
        for _ in range(600):
            if pidfile.exists() and pidfile.read_text():
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    item = WorkItem("victim", {"seed": 9, "n": 3, "pidfile": str(pidfile)})
    executor = ray_executor if kind == "ray" else LocalExecutor(workers=2)
    try:
        result = run_items(executor, f"{T}:wait_to_be_killed", [item])["victim"]
    finally:
        killer.join()
        if kind == "local":
            executor.close()
    assert result.ok and result.attempts == 2
    assert result.worker.split(":")[-1] != pidfile.read_text()  # answered by the replacement worker
