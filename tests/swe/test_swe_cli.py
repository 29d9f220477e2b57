"""`aso swe` end to end on a throw-away repository in instance form (no network, no mirrors): the
environment is built, gold graded resolved and empty not, by swebench's own grading and parser."""

import json

import pyarrow.parquet as pq
import pytest

from aso.cli.main import main
from aso.swe import DEFAULT_DATA, load_instances, test_files

pytest.importorskip("swebench.harness.grading")


def test_the_real_verified_parquet_has_500_instances():
    instances = load_instances(DEFAULT_DATA)
    assert len(instances) == 500
    columns = set(pq.read_schema(DEFAULT_DATA).names)
    assert {"FAIL_TO_PASS", "PASS_TO_PASS", "difficulty", "version", "environment_setup_commit"} <= columns
    pytest_ones = [i for i in instances if i.repo == "pytest-dev/pytest"]
    assert len(pytest_ones) == 19 and all(i.fail_to_pass and i.environment_setup_commit for i in pytest_ones)
    assert test_files(pytest_ones[0].test_patch)[0].startswith("testing/")


def test_list_filters_by_repo_and_zero_found_is_an_error(swe, capsys):
    assert main(["swe", "list", "--data", str(swe["data"]), "--repo", "acme/calc"]) == 0
    assert capsys.readouterr().out == "acme__calc-1\tacme/calc\t<15 min fix\n1 instance(s)\n"
    assert main(["swe", "list", "--data", str(swe["data"]), "--repo", "acme/none"]) == 2
    assert "no instance of this repository" in capsys.readouterr().err


def _preds(path, patch):
    path.write_text(
        json.dumps({"instance_id": "acme__calc-1", "model_name_or_path": "m", "model_patch": patch})
    )
    return path


def test_env_build_then_evaluate_gold_resolved_empty_not(swe, capsys, tmp_path):
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"]), "--env-dir", str(swe["envs"])]
    assert main(["swe", "env", "build", "acme__calc-1", *common]) == 0
    out = capsys.readouterr().out
    assert out.startswith("acme__calc-1.0\tok\tPython ")
    env_json = json.loads((swe["envs"] / "acme__calc-1.0" / "env.json").read_text())
    assert env_json["status"] == "ok" and (swe["envs"] / "acme__calc-1.0" / "build.log").exists()
    gold = _preds(tmp_path / "gold.jsonl", swe["row"]["patch"])
    assert main(["swe", "evaluate", str(gold), *common, "--output", str(tmp_path / "ev1")]) == 0
    assert "resolved\tFAIL_TO_PASS 1/1\tPASS_TO_PASS 1/1" in capsys.readouterr().out
    report = json.loads((tmp_path / "ev1" / "report.json").read_text())
    assert report["resolved_ids"] == ["acme__calc-1"] and report["schema_version"] == 2
    log = (tmp_path / "ev1" / "logs" / "acme__calc-1" / "test_output.txt").read_text()
    assert ">>>>> Start Test Output" in log and "PASSED test_calc.py::test_add" in log
    empty = _preds(tmp_path / "empty.jsonl", "")
    assert main(["swe", "evaluate", str(empty), *common, "--output", str(tmp_path / "ev2")]) == 0
    out = capsys.readouterr().out
    assert "empty patch\tFAIL_TO_PASS 0/1\tPASS_TO_PASS 1/1" in out and "resolved 0/1 (0.0%)" in out
    report = json.loads((tmp_path / "ev2" / "report.json").read_text())
    assert report["empty_patch_ids"] == ["acme__calc-1"] and report["resolved_ids"] == []
    bad = _preds(tmp_path / "bad.jsonl", swe["row"]["patch"].replace("a - b", "a / b"))
    assert main(["swe", "evaluate", str(bad), *common, "--output", str(tmp_path / "ev3")]) == 0
    report = json.loads((tmp_path / "ev3" / "report.json").read_text())
    assert report["error_ids"] == ["acme__calc-1"]  # a patch that does not apply: the harness's error id


def test_zero_predictions_is_an_error(swe, capsys, tmp_path):
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    assert main(["swe", "evaluate", str(empty), "--data", str(swe["data"])]) == 2
    assert "no predictions" in capsys.readouterr().err


def test_a_repository_that_is_nowhere_names_what_was_tried(swe, capsys, tmp_path, monkeypatch):
    import aso.swe.repos

    monkeypatch.setattr(aso.swe.repos, "CLONE_DIR", tmp_path / "clones")
    monkeypatch.setenv("GIT_ALLOW_PROTOCOL", "file")  # no network in tests: https is refused at once
    (tmp_path / "empty_cache").mkdir()
    preds = _preds(tmp_path / "p.jsonl", "")
    args = [
        "swe",
        "env",
        "build",
        "acme__calc-1",
        "--data",
        str(swe["data"]),
        "--repo-cache",
        str(tmp_path / "empty_cache"),
        "--env-dir",
        str(swe["envs"]),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("aso: error: acme/calc: cannot clone https://github.com/acme/calc")
    assert "--repo-cache" in err and err.count("\n") == 1
    del preds


def test_unknown_instance_is_a_user_error(swe, capsys):
    args = ["swe", "env", "build", "nope-1", "--data", str(swe["data"])]
    assert main(args) == 2
    assert "instance 'nope-1': not in the SWE-bench data" in capsys.readouterr().err


REPRO = "```python\nfrom calc import add\n\n\ndef test_reproduction():\n    assert add(1, 1) == 2\n```\n"
FIX = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"


def _recording_model(monkeypatch):
    import aso.models
    from aso.models import ScriptedModel

    prompts: list[str] = []

    def respond(text, i):
        prompts.append(text)
        if "reproduce" in text:
            return REPRO
        return FIX if "SEARCH/REPLACE" in text else "[]"

    monkeypatch.setattr(aso.models, "get_model", lambda name=None: ScriptedModel(respond=respond))
    return prompts


def test_honest_solve_never_shows_the_hidden_tests_and_is_rewarded_by_its_reproduction_test(
    swe, capsys, monkeypatch, tmp_path
):
    prompts = _recording_model(monkeypatch)
    preds = tmp_path / "preds.jsonl"
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"]), "--env-dir", str(swe["envs"])]
    args = [
        "swe",
        "solve",
        "acme__calc-1",
        *common,
        "--predictions",
        str(preds),
        "--group-size",
        "2",
        "--edit-format",
        "search-replace",
        "--output",
        str(tmp_path / "run"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "[honest]: passes its counted tests" in out
    hidden = swe["row"]["test_patch"]
    assert prompts and all("assert add(2, 3) == 5" not in p and "test_add" not in p for p in prompts)
    assert "def test_add" in hidden  # the marker is really in the hidden test patch
    protocol = json.loads((tmp_path / "run" / "protocol.json").read_text())
    assert protocol["protocol"] == "honest"
    assert "test_aso_reproduction.py::test_reproduction" in protocol["counted_tests"]
    assert "test_calc.py::test_mul" in protocol["counted_tests"]
    assert not any("test_add" in t for t in protocol["counted_tests"])
    [pred] = [json.loads(line) for line in preds.read_text().splitlines()]
    assert pred["protocol"] == "honest" and "return a + b" in pred["model_patch"]
    assert "test_aso_reproduction" not in pred["model_patch"]
    assert main(["swe", "evaluate", str(preds), *common, "--output", str(tmp_path / "ev")]) == 0
    assert "resolved 1/1" in capsys.readouterr().out


def test_oracle_tests_is_labelled_not_leaderboard_comparable(swe, capsys, monkeypatch, tmp_path):
    _recording_model(monkeypatch)
    preds = tmp_path / "preds.jsonl"
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"]), "--env-dir", str(swe["envs"])]
    args = [
        "swe",
        "solve",
        "acme__calc-1",
        *common,
        "--predictions",
        str(preds),
        "--group-size",
        "2",
        "--edit-format",
        "search-replace",
        "--oracle-tests",
        "--output",
        str(tmp_path / "run"),
    ]
    assert main(args) == 0
    assert "[oracle-tests (not leaderboard-comparable)]" in capsys.readouterr().out
    [pred] = [json.loads(line) for line in preds.read_text().splitlines()]
    assert pred["protocol"].startswith("oracle-tests (not leaderboard-comparable)")


def test_bench_solves_grades_and_reports_with_an_interval_and_a_histogram(swe, capsys, monkeypatch, tmp_path):
    _recording_model(monkeypatch)
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"]), "--env-dir", str(swe["envs"])]
    out_dir = tmp_path / "bench"
    args = [
        "swe",
        "bench",
        "--repo",
        "acme/calc",
        *common,
        "--group-size",
        "2",
        "--max-iterations",
        "1",
        "--edit-format",
        "search-replace",
        "--output",
        str(out_dir),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "protocol: honest" in out and "acme/calc\t1\t1\t1" in out and "resolved 1/1 (100.0%, 95% CI" in out
    report = json.loads((out_dir / "report.json").read_text())
    assert report["leaderboard_comparable"] and report["resolved_interval_95"][1] == 1.0
    assert report["results"][0]["localisation_hit"] and report["results"][0]["patch_similarity"] == 1.0
    assert (out_dir / "iterations.png").read_bytes()[:4] == b"\x89PNG"
    assert (out_dir / "logs" / "acme__calc-1" / "test_output.txt").exists()
    resumed = [a if a != "--output" else "--resume" for a in args]
    assert main(resumed) == 0 and "resolved 1/1" in capsys.readouterr().out  # all done: nothing re-run
