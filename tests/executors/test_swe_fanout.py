"""`aso swe evaluate` and `aso swe bench` with their instances spread over workers (local processes and a
real local Ray instance), on the throw-away `acme/calc` repository in instance form (no network): the
same report as one process, finished instances not graded again on --resume, a worker killed mid-grading
retried, the model loaded once per worker and never by the command itself."""

from __future__ import annotations

import json
import os
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aso.cli.main import main

pytest.importorskip("swebench.harness.grading")

IDS = ("acme__calc-1", "acme__calc-2", "acme__calc-3")


def _three_instances(swe):
    """The fixture's instance three times over (ids -1, -2, -3), with a gold, an empty and a broken
    prediction (resolved, empty patch, error id)."""
    rows = [{**swe["row"], "instance_id": iid} for iid in IDS]
    pq.write_table(pa.Table.from_pylist(rows), swe["data"])
    gold = swe["row"]["patch"]
    patches = [gold, "", gold.replace("a - b", "a / b")]
    preds = swe["tmp"] / "preds.jsonl"
    preds.write_text(
        "".join(
            json.dumps({"instance_id": i, "model_name_or_path": "m", "model_patch": p}) + "\n"
            for i, p in zip(IDS, patches, strict=True)
        )
    )
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"]), "--env-dir", str(swe["envs"])]
    return preds, common


def _report(run_dir):
    """report.json without what differs between two gradings of one prediction (time, log path)."""
    report = json.loads((run_dir / "report.json").read_text())
    for row in report["results"]:
        row.pop("seconds", None)
        row.pop("log", None)
    return report


def _graded(run_dir):
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    return [e["key"] for e in events if e["event"] == "item_done"]


def _forget(run_dir, iid):
    """Make `iid` unfinished, as a run killed before it was graded leaves it."""
    events = run_dir / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join(x for x in lines if not ('"item_done"' in x and f'"key": "{iid}"' in x)))


def _kill_the_workers_when_grading_starts(run_dir, killed):
    """SIGKILL every local worker process once the first instance's log directory appears."""
    import multiprocessing
    import signal

    for _ in range(1500):
        if (run_dir / "logs").exists():
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
            return
        time.sleep(0.02)


def _pooled_evaluate(evaluate, kind, out, kill=False):
    """`aso swe evaluate` over two workers of `kind` into `out` (with `kill`: both local workers
    SIGKILLed once grading starts); returns the item_retried events."""
    killed: list[int] = []
    killer = threading.Thread(target=_kill_the_workers_when_grading_starts, args=(out, killed))
    if kill:
        killer.start()
    try:
        assert main([*evaluate, "--executor", kind, "--workers", "2", "--output", str(out)]) == 0
    finally:
        if kill:
            killer.join()
    assert len(killed) == (2 if kill else 0)
    events = [json.loads(x) for x in (out / "events.jsonl").read_text().splitlines()]
    return [e for e in events if e["event"] == "item_retried"]


def test_evaluate_over_local_and_ray_workers_gives_the_serial_report_retries_and_resumes(swe, tmp_path):
    preds, common = _three_instances(swe)
    evaluate = ["swe", "evaluate", str(preds), *common]
    # first, with no environment built yet: two workers need it, one builds it, the other waits for it
    retried = _pooled_evaluate(evaluate, "local", tmp_path / "local", kill=True)
    assert retried and all(e["attempts"] == 2 for e in retried)  # the killed workers' items, again
    assert main([*evaluate, "--output", str(tmp_path / "serial")]) == 0
    serial = _report(tmp_path / "serial")
    assert serial["resolved_ids"] == [IDS[0]] and serial["empty_patch_ids"] == [IDS[1]]
    assert serial["error_ids"] == [IDS[2]] and len(serial["results"]) == 3
    assert _pooled_evaluate(evaluate, "ray", tmp_path / "ray") == []
    for kind in ("local", "ray"):
        out = tmp_path / kind
        assert _report(out) == serial
        assert sorted(_graded(out)) == sorted(IDS)
        assert all((out / "logs" / i / "test_output.txt").exists() for i in IDS)
        _forget(out, IDS[1])
        assert main([*evaluate, "--executor", kind, "--workers", "2", "--resume", str(out)]) == 0
        assert _graded(out) == [i for i in _graded(out) if i != IDS[1]] + [IDS[1]]  # only the forgotten one
        assert sorted(_graded(out)) == sorted(IDS) and _report(out) == serial


def test_bench_over_two_workers_gives_the_serial_report_and_loads_the_model_once_per_worker(
    swe, tmp_path, monkeypatch
):
    from aso.executors.testing import LOADS_ENV

    _three_instances(swe)
    loads = tmp_path / "loads.txt"
    monkeypatch.setenv(LOADS_ENV, str(loads))
    bench = [
        "swe", "bench", IDS[0], IDS[1], "--data", str(swe["data"]), "--repo-cache", str(swe["cache"]),
        "--env-dir", str(swe["envs"]), "--model", "aso.executors.testing:CalcFixModel",
        "--group-size", "2", "--max-iterations", "1", "--edit-format", "search-replace",
    ]  # fmt: skip
    assert main([*bench, "--output", str(tmp_path / "serial")]) == 0
    loads.unlink(missing_ok=True)
    assert main([*bench, "--workers", "2", "--output", str(tmp_path / "pool")]) == 0
    serial, pool = _report(tmp_path / "serial"), _report(tmp_path / "pool")
    assert pool == serial and serial["resolved"] == 2
    pids = loads.read_text().split()
    assert str(os.getpid()) not in pids and len(pids) == len(set(pids)) <= 2  # once per worker, none here
    preds = [json.loads(x) for x in (tmp_path / "pool" / "predictions.jsonl").read_text().splitlines()]
    assert sorted(p["instance_id"] for p in preds) == [IDS[0], IDS[1]]
    assert all("return a + b" in p["model_patch"] for p in preds)


def test_an_instance_that_fails_on_the_workers_is_recorded_and_named_not_lost(
    swe, tmp_path, monkeypatch, capsys
):
    preds, common = _three_instances(swe)
    monkeypatch.setenv("ASO_SWE_REPOS", str(tmp_path / "clones"))  # read by the workers at import
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")  # no network: the clone from GitHub is refused at once
    (tmp_path / "no_repos").mkdir()
    out = tmp_path / "run"
    common[common.index("--repo-cache") + 1] = str(tmp_path / "no_repos")
    args = ["swe", "evaluate", str(preds), *common, "--workers", "2"]
    assert main([*args, "--output", str(out)]) == 2
    err = capsys.readouterr().err.split("\r")[-1].split("\n", 1)[-1]  # after the progress bar
    assert err.startswith("aso: error: 3 of 3 instance(s) failed on the workers and were not graded (first: ")
    assert "cannot clone https://github.com/acme/calc" in err and f"--resume {out}" in err
    assert err.count("\n") == 1
    report = json.loads((out / "report.json").read_text())
    assert report["incomplete_ids"] == sorted(IDS) and report["results"] == []
    events = [json.loads(x) for x in (out / "events.jsonl").read_text().splitlines()]
    assert sorted(e["key"] for e in events if e["event"] == "item_failed") == sorted(IDS)
