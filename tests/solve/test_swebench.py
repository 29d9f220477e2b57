import json
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from solve_fixtures import CALC

from aso.cli.main import main
from aso.solve.demo_repo import init_repo
from aso.swe import DEFAULT_DATA, load_instances, read_predictions, test_files

OLD_TESTS = "from calc import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
NEW_TESTS = OLD_TESTS + "\n\ndef test_add():\n    assert add(2, 3) == 5\n"
GOLD = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"


def diff(repo, path, text):
    (repo / path).write_text(text)
    out = subprocess.run(["git", "-C", str(repo), "diff"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--", path], check=True)
    return out


@pytest.fixture
def swe(tmp_path):
    """A repo cache with acme/calc and a parquet holding one instance with SWE-bench's columns."""
    repo = init_repo(tmp_path / "cache" / "acme__calc", {"calc.py": CALC, "test_calc.py": OLD_TESTS})
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout
    row = {
        "repo": "acme/calc",
        "instance_id": "acme__calc-1",
        "base_commit": head.strip(),
        "patch": diff(repo, "calc.py", CALC.replace("a - b", "a + b")),
        "test_patch": diff(repo, "test_calc.py", NEW_TESTS),
        "problem_statement": "add() subtracts\n\ncalc.add(2, 3) returns -1.",
        "hints_text": "",
        "created_at": "2024-01-01T00:00:00Z",
        "version": "1.0",
        "FAIL_TO_PASS": json.dumps(["test_calc.py::test_add"]),
        "PASS_TO_PASS": json.dumps(["test_calc.py::test_mul"]),
        "environment_setup_commit": head.strip(),
        "difficulty": "<15 min fix",
    }
    data = tmp_path / "instances.parquet"
    pq.write_table(pa.Table.from_pylist([row]), data)
    return {"cache": tmp_path / "cache", "data": data, "row": row, "tmp": tmp_path}


def test_the_real_verified_parquet_has_500_instances():
    instances = load_instances(DEFAULT_DATA)
    assert len(instances) == 500
    columns = set(pq.read_schema(DEFAULT_DATA).names)
    assert {"repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement"} <= columns
    assert {"FAIL_TO_PASS", "PASS_TO_PASS", "difficulty", "version"} <= columns
    pytest_ones = [i for i in instances if i.repo == "pytest-dev/pytest"]
    assert len(pytest_ones) == 19 and all(i.fail_to_pass for i in pytest_ones)
    assert test_files(pytest_ones[0].test_patch)[0].startswith("testing/")


def test_list_filters_by_repo(swe, capsys):
    assert main(["swe", "list", "--data", str(swe["data"]), "--repo", "acme/calc"]) == 0
    assert capsys.readouterr().out == "acme__calc-1\tacme/calc\t<15 min fix\n1 instance(s)\n"


def test_solve_appends_a_prediction_and_evaluate_resolves_gold_not_empty(swe, capsys, monkeypatch, tmp_path):
    from aso.models import ScriptedModel

    class Gold(ScriptedModel):
        def __init__(self):
            super().__init__(respond=lambda text, i: GOLD if "SEARCH/REPLACE" in text else "[]")

    import aso.models

    monkeypatch.setattr(aso.models, "get_model", lambda name=None: Gold())
    preds = tmp_path / "preds.jsonl"
    common = ["--data", str(swe["data"]), "--repo-cache", str(swe["cache"])]
    code = main(["swe", "solve", "acme__calc-1", *common, "--predictions", str(preds), "--group-size", "2"])
    assert code == 0 and "passes its tests" in capsys.readouterr().out
    [pred] = read_predictions(preds)
    assert pred["instance_id"] == "acme__calc-1" and "return a + b" in pred["model_patch"]
    assert "test_calc.py" not in pred["model_patch"]  # test files are the harness's, never the model's
    with open(preds, "a") as fh:  # a second prediction file line: the empty patch, as another model
        fh.write(
            json.dumps({"instance_id": "acme__calc-1", "model_name_or_path": "x", "model_patch": ""}) + "\n"
        )
    both = tmp_path / "both.jsonl"
    gold = {"instance_id": "acme__calc-1", "model_name_or_path": "gold", "model_patch": swe["row"]["patch"]}
    both.write_text(json.dumps(gold) + "\n")
    assert main(["swe", "evaluate", str(both), *common, "--output", str(tmp_path / "ev1")]) == 0
    assert "resolved 1/1 (100.0%)" in capsys.readouterr().out
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({**gold, "model_patch": ""}) + "\n")
    assert main(["swe", "evaluate", str(empty), *common, "--output", str(tmp_path / "ev2")]) == 0
    out = capsys.readouterr().out
    assert "unresolved\tFAIL_TO_PASS 0/1\tPASS_TO_PASS 1/1" in out and "resolved 0/1 (0.0%)" in out
    report = json.loads((tmp_path / "ev2" / "report.json").read_text())
    assert report["resolved_rate"] == 0.0


def test_a_missing_repository_says_it_must_be_pre_cloned(swe, capsys, tmp_path):
    (tmp_path / "empty_cache").mkdir()
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"instance_id": "acme__calc-1", "model_patch": ""}) + "\n")
    args = [
        "swe",
        "evaluate",
        str(preds),
        "--data",
        str(swe["data"]),
        "--repo-cache",
        str(tmp_path / "empty_cache"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("aso: error: acme/calc: not in the repo cache") and "must be pre-cloned" in err
    assert err.count("\n") == 1


def test_unknown_instance_is_a_user_error(swe, capsys):
    args = ["swe", "solve", "nope-1", "--data", str(swe["data"]), "--repo-cache", str(swe["cache"])]
    assert main(args) == 2
    assert "instance 'nope-1': not in the SWE-bench data" in capsys.readouterr().err
