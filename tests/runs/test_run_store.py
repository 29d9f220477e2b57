import json

import pytest

from aso.errors import RunStateError
from aso.runs import Run, open_run


def test_create_writes_config_meta_and_events(tmp_path):
    run = Run.create("demo", {"a": 1}, seed=7, model_hash="sha256:x", path=tmp_path / "r")
    run.mark_done("item-1", value=3)
    run.write_json("out.json", {"ok": True})
    assert run.config == {"a": 1}
    assert run.meta["seed"] == 7 and run.meta["model_hash"] == "sha256:x"
    lines = (tmp_path / "r" / "events.jsonl").read_text().splitlines()
    assert [json.loads(x)["event"] for x in lines] == ["run_started", "item_done"]
    assert json.loads((tmp_path / "r" / "out.json").read_text()) == {"ok": True}


def test_resume_keeps_done_items_and_ignores_torn_line(tmp_path):
    run = Run.create("demo", {"a": 1}, path=tmp_path / "r")
    run.mark_done("x", v=1)
    with open(tmp_path / "r" / "events.jsonl", "a") as fh:
        fh.write('{"event": "item_done", "key": "y"')  # killed mid-write: no newline, no close
    again = Run.resume(tmp_path / "r", {"a": 1})
    assert set(again.done_items()) == {"x"}
    again.mark_done("z")
    assert set(again.done_items()) == {"x", "z"}


def test_resume_refuses_changed_config_and_missing_dir(tmp_path):
    Run.create("demo", {"a": 1, "b": 2}, path=tmp_path / "r")
    with pytest.raises(RunStateError, match="config differs .* in: b"):
        Run.resume(tmp_path / "r", {"a": 1, "b": 3})
    with pytest.raises(RunStateError, match="not a run directory"):
        Run.resume(tmp_path / "nothing")


def test_create_refuses_existing_run_and_open_run_dispatches(tmp_path):
    open_run("demo", {"a": 1}, resume=None, seed=0, model_hash=None, output=tmp_path / "r")
    with pytest.raises(RunStateError, match="already exists"):
        Run.create("demo", {"a": 1}, path=tmp_path / "r")
    assert open_run("demo", {"a": 1}, resume=tmp_path / "r", seed=0, model_hash=None).path == tmp_path / "r"


def test_default_root_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ASO_RUNS_DIR", str(tmp_path / "elsewhere"))
    run = Run.create("gen", {})
    assert run.path.parent == tmp_path / "elsewhere"
    assert run.path.name.startswith("gen-")
