import json
import shutil

import pytest

from aso.dataset.config import DatasetConfig
from aso.dataset.construct_map import default_map_path
from aso.dataset.loop import run_dataset
from aso.dataset.report import write_report
from aso.errors import RunStateError
from aso.models import ScriptedModel

PROGRAMS = {
    ("For", "AugAssign"): "total = 0\nfor i in range(4):\n    total += i\nassert total == 6\n",
    ("FunctionDef", "Return"): "def sq(x):\n    return x * x\n\nassert sq(3) == 9\n",
    ("If", "Raise"): "x = 3\nif x < 0:\n    raise ValueError(x)\nassert x == 3\n",
}


def respond(prompt: str, i: int) -> str:
    """A scripted generator: answers with a program for the constructs it recognises in the prompt."""
    if i % 5 == 4:
        return "```python\ndef broken(:\n```"
    body = [f"n{i} = {i}"]
    for keys, code in PROGRAMS.items():
        if any(f"- {k}:" in prompt or f"{k} (" in prompt for k in keys):
            body.append(code.replace("total", f"total{i}"))
    return "```python\n" + "\n".join(body) + "\n```"


def config(mode, **kw):
    return DatasetConfig(
        mode=mode,
        budget=kw.pop("budget", 10),
        batch_size=5,
        execute=False,
        retrieval=False,
        prior_max_files=5,
        **kw,
    )


@pytest.mark.parametrize("mode", ["reward", "map-elites", "prior"])
def test_each_mode_runs_and_logs_stage1_rejections(tmp_path, mode):
    run, metrics = run_dataset(
        config(mode), model=ScriptedModel(respond=respond), output=tmp_path / mode, progress=False
    )
    assert metrics["generated"] == 10
    assert metrics["outcomes"]["parse_error"] == 2
    rejected = list(run.events("stage1_rejected"))
    assert len(rejected) == 2 and "SyntaxError" in rejected[0]["error"]
    assert (tmp_path / mode / "dataset.jsonl").is_file()
    series = json.loads((tmp_path / mode / "series.json").read_text())
    assert [s["pass_rate"] for s in series] == [0.8, 0.8]


def test_resume_replays_finished_iterations_without_calling_the_model(tmp_path):
    out = tmp_path / "run"
    model = ScriptedModel(respond=respond)
    _, full = run_dataset(config("map-elites", budget=15), model=model, output=out, progress=False)
    # simulate an interrupt after the first iteration: drop the later item_done events and outputs
    events = (out / "events.jsonl").read_text().splitlines()
    kept, seen = [], 0
    for line in events:
        if '"item_done"' in line:
            seen += 1
            if seen > 1:
                continue
        if '"run_finished"' in line:
            continue
        kept.append(line)
    (out / "events.jsonl").write_text("\n".join(kept) + "\n")
    (out / "metrics.json").unlink()
    model2 = ScriptedModel(respond=lambda p, i: respond(p, i + 5))
    _, resumed = run_dataset(config("map-elites", budget=15), model=model2, resume=out, progress=False)
    assert len(model2.calls) == 10  # only the two unfinished iterations were generated
    assert resumed["generated"] == 15
    assert resumed["filled_cells"] == full["filled_cells"]


def test_resume_refuses_a_changed_construct_map(tmp_path):
    cmap = tmp_path / "map.yaml"
    shutil.copy(default_map_path(), cmap)
    out = tmp_path / "run"
    run_dataset(
        config("prior", construct_map=str(cmap)),
        model=ScriptedModel(respond=respond),
        output=out,
        progress=False,
    )
    cmap.write_text(cmap.read_text() + "\n# edited\n")
    with pytest.raises(RunStateError, match="construct map changed"):
        run_dataset(config("prior"), model=ScriptedModel(respond=respond), resume=out, progress=False)


SNIPPETS = {
    "For": "for a{i} in range(2):\n    pass",
    "AugAssign": "c{i} = 0\nc{i} += {i}",
    "If": "if {i} > 0:\n    d{i} = {i}",
    "Assert": "assert {i} == {i}",
}


def obedient(prompt: str, i: int) -> str:
    """A scripted model that writes exactly the constructs a cell prompt lists."""
    parts = [SNIPPETS[k].format(i=i) for k in SNIPPETS if f"- {k}:" in prompt]
    return "```python\n" + f"v{i} = {i}\n" + "\n".join(parts) + "\n```"


def test_map_elites_fills_every_cell_an_obedient_model_satisfies(tmp_path):
    vocab = tmp_path / "vocab.yaml"
    vocab.write_text("[For, AugAssign, If, Assert]\n")
    _, m = run_dataset(
        config("map-elites", budget=10, grid="E1", vocabulary_file=str(vocab)),
        model=ScriptedModel(respond=obedient),
        output=tmp_path / "e",
        progress=False,
    )
    assert m["cells"] == 6 and m["filled_cells"] == 6 and m["fill_rate"] == 1.0
    assert m["gate_failed"] == 0
    assert 0 < m["mean_cell_quality"] <= 1
    _, m3 = run_dataset(
        config("map-elites", budget=12, grid="E2", vocabulary_file=str(vocab)),
        model=ScriptedModel(respond=obedient),
        output=tmp_path / "e2",
        progress=False,
    )
    assert m3["cells"] == 6 + 4 and m3["filled_cells"] == 10


def test_report_writes_plots_and_table(tmp_path):
    dirs = []
    for mode in ["reward", "map-elites", "prior"]:
        run_dataset(
            config(mode), model=ScriptedModel(respond=respond), output=tmp_path / mode, progress=False
        )
        dirs.append(tmp_path / mode)
    result = write_report(dirs, tmp_path / "report")
    for name in [
        "construct_histograms.png",
        "entropy_fill_per_iteration.png",
        "cell_fill_heatmap.png",
        "kl_per_mode.png",
        "comparison.md",
    ]:
        assert (tmp_path / "report" / name).stat().st_size > 1000 or name == "comparison.md"
    assert "Selected:" in (tmp_path / "report" / "comparison.md").read_text()
    assert set(result["decision"]["best"]) == {"A", "E", "F"}


def test_lark_language_runs_parse_only(tmp_path):
    def avap(prompt: str, i: int) -> str:
        code = f'addParam("id", u{i})\normAccessSelect("users", "id = {i}", rows)\naddResult(rows)'
        return f"```avap\n{code}\n```"

    _, m = run_dataset(
        DatasetConfig(mode="reward", language="lark:avap", budget=4, batch_size=2, retrieval=False),
        model=ScriptedModel(respond=avap),
        output=tmp_path / "lark",
        progress=False,
    )
    assert m["outcomes"]["accepted"] >= 1 and m["mean_ecs"] is None
    assert m["construct_counts"]["orm_select"] >= 1


def test_cli_user_errors_are_one_line(tmp_path, capsys):
    from aso.cli.main import main

    assert main(["dataset", "run", "--mode", "bogus", "--budget", "1", "--output", str(tmp_path / "x")]) == 2
    assert "aso: error: --mode 'bogus'" in capsys.readouterr().err
    assert main(["dataset", "report", str(tmp_path)]) == 2
    assert "no metrics.json" in capsys.readouterr().err


def test_kcl_run_keeps_parser_message_of_malformed_example_in_run_log(tmp_path):
    good = (
        "```kcl\nschema App:\n    replicas: int = 1\n    check:\n        replicas > 0\n"
        "app = App {replicas = 2}\n```"
    )
    bad = "```kcl\nschema X:\n  a: int =\n```"
    run, m = run_dataset(
        DatasetConfig(
            mode="reward", language="kcl", budget=2, batch_size=2, retrieval=False, prior_max_files=5
        ),
        model=ScriptedModel(outputs=[good, bad]),
        output=tmp_path / "kcl",
        progress=False,
    )
    assert m["outcomes"] == {"accepted": 1, "no_code": 0, "parse_error": 1, "near_duplicate": 0}
    (rejected,) = run.events("stage1_rejected")
    assert rejected["error"].startswith("KCL parse error: expected one of") and "line 2" in rejected["error"]
    assert m["mean_ecs"] == 1.0  # executed in the sandbox: every present construct counts as executed
