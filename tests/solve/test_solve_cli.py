import json

import pytest
from solve_fixtures import git

from aso.cli.main import main
from aso.solve.reward import PLAIN_PYTEST

MODEL = "aso_solve_fake.models:FixingModel"


@pytest.fixture(autouse=True)
def fake_model_package(tmp_path, monkeypatch):
    """`--model` names a class by `package.module:Class`; make the scripted one importable so."""
    package = tmp_path / "aso_solve_fake"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text("from solve_fixtures import FixingModel  # noqa: F401\n")
    monkeypatch.syspath_prepend(str(tmp_path))


def run_cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_solve_cli_writes_a_run_directory(buggy_repo, issue_file, tmp_path, capsys):
    out = tmp_path / "run"
    args = [
        "solve",
        str(issue_file),
        "--repo",
        str(buggy_repo),
        "--group-size",
        "2",
        "--test-cmd",
        PLAIN_PYTEST,
    ]
    code, stdout, err = run_cli([*args, "--model", MODEL, "--output", str(out)], capsys)
    assert code == 0 and stdout.startswith("resolved: best reward 1.00 after 1 iteration(s)")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resolved"] and summary["candidates"] == 2
    assert "return a + b" in (out / "best.diff").read_text()
    assert (out / "patches" / "iter1-cand1.diff").is_file()
    meta, config = json.loads((out / "meta.json").read_text()), json.loads((out / "config.json").read_text())
    assert meta["seed"] == 0 and meta["model_hash"].startswith("sha256:")
    assert config["commit"] == git(buggy_repo, "rev-parse", "HEAD").strip()
    kinds = [json.loads(line)["event"] for line in (out / "events.jsonl").read_text().splitlines()]
    assert kinds.count("candidate") == 2 and kinds[-1] == "run_finished"
    # resuming a finished run redoes nothing and reports the same
    code, again, _ = run_cli([*args, "--model", MODEL, "--resume", str(out)], capsys)
    assert code == 0 and again.split(";")[0] == stdout.split(";")[0]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"issue": "missing.md"}, "missing.md: issue file not found"),
        ({"repo": "notgit"}, "not a git repository"),
        ({"commit": "deadbeef"}, "--commit 'deadbeef': no such commit"),
        ({"test_cmd": "  "}, "--test-cmd is empty"),
        ({"model": "openai:http://127.0.0.1:9/v1#m"}, "cannot reach endpoint http://127.0.0.1:9/v1"),
    ],
)
def test_solve_cli_errors_are_one_line(buggy_repo, issue_file, tmp_path, capsys, change, message):
    (tmp_path / "notgit").mkdir()
    issue = str(tmp_path / change["issue"]) if "issue" in change else str(issue_file)
    repo = str(tmp_path / change["repo"]) if "repo" in change else str(buggy_repo)
    args = ["solve", issue, "--repo", repo, "--test-cmd", change.get("test_cmd", PLAIN_PYTEST)]
    args += ["--commit", change["commit"]] if "commit" in change else []
    args += ["--model", change.get("model", MODEL), "--output", str(tmp_path / "run")]
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert err.startswith("aso: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()  # nothing written half-way


def test_help_has_an_example(capsys):
    for cmd in (["solve", "--help"], ["swe", "solve", "--help"], ["swe", "evaluate", "--help"]):
        main(cmd)
        assert "Example:" in capsys.readouterr().out
