"""aso priors aggregate end to end: real HumanEval scoring in the sandbox, a scripted lesson-aware model,
three node files (one Byzantine), the pooled library stored in the registry; resumed without re-scoring."""

from __future__ import annotations

import json

from aso.cli.main import main
from aso.grpo.library import Experience
from aso.grpo.priors import Priors, load_priors
from aso.registry import Registry

MODEL = "aso.priors.testing:LessonAwareModel"


def write_nodes(tmp_path):
    lessons = {
        "a": ["Write the CANONICAL solution.", "Read the docstring twice."],
        "b": ["Write the CANONICAL solution!!", "Name variables clearly."],
        "c": ["SABOTAGE the function.", "SABOTAGE everything quietly.", "Write the CANONICAL solution."],
    }
    paths = []
    for name, texts in lessons.items():
        path = tmp_path / f"{name}.json"
        Priors([Experience(f"E{i}", t) for i, t in enumerate(texts, 1)]).save(path)
        paths.append(str(path))
    return paths


def test_aggregate_cli_keeps_the_useful_lesson_drops_sabotage_and_stores_the_pool(tmp_path, capsys):
    paths = write_nodes(tmp_path)
    out, reg = tmp_path / "run", tmp_path / "reg"
    argv = ["priors", "aggregate", *paths, "--validate", "heldout", "--limit", "10", "--model", MODEL]
    assert main([*argv, "--output", str(out), "--registry", str(reg)]) == 0
    text = capsys.readouterr().out
    assert "node c:" in text and "eta 0.000" in text
    pooled = load_priors(out / "pooled_priors.json")
    assert [e.text for e in pooled.experiences] == ["Write the CANONICAL solution."]
    assert [p.split()[0] for p in pooled.experiences[0].provenance] == ["node=a", "node=b", "node=c"]
    report = json.loads((out / "report.json").read_text())
    assert report["rule"] == "weighted-median"
    assert {n["name"]: n["eta"] > 0 for n in report["nodes"]} == {"a": True, "b": True, "c": False}
    with Registry(reg) as r:
        item = r.resolve("pooled-priors")
        assert item.digest == report["registry"]["digest"]
        assert any(n.startswith("c=sha256:") for n in item.meta["nodes"])
    scored = [e for e in (out / "events.jsonl").read_text().splitlines() if '"item_done"' in e]
    assert main([*argv, "--resume", str(out), "--registry", str(reg)]) == 0
    rescored = [e for e in (out / "events.jsonl").read_text().splitlines() if '"item_done"' in e]
    assert len(rescored) == len(scored)  # the resumed run evaluated nothing again


def test_aggregate_cli_bad_inputs_are_one_line(tmp_path, capsys):
    paths = write_nodes(tmp_path)
    assert main(["priors", "aggregate", *paths, "--validate", "nosuch", "--model", MODEL]) == 2
    assert capsys.readouterr().err.strip().startswith("aso: error: unknown HumanEval split 'nosuch'")
    (tmp_path / "bad.json").write_text("{not json")
    assert main(["priors", "aggregate", str(tmp_path / "bad.json"), "--validate", "heldout"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aso: error:") and "bad.json" in err and len(err.splitlines()) == 1


def test_a_sigkilled_aggregation_resumes_without_re_evaluating_finished_lesson_sets(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    paths = write_nodes(tmp_path)
    out = tmp_path / "run"
    argv = ["priors", "aggregate", *paths, "--validate", "heldout", "--limit", "3", "--model", MODEL]
    argv += ["--alpha", "1", "--registry", str(tmp_path / "reg")]
    code = f"import sys\nfrom aso.cli.main import main\nsys.exit(main({[*argv, '--output', str(out)]!r}))"
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def finished():
        path = out / "events.jsonl"
        return (
            [line for line in path.read_text().splitlines() if '"item_done"' in line] if path.exists() else []
        )

    deadline = time.time() + 120
    while len(finished()) < 2 and child.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    before = {json.loads(line)["key"] for line in finished()}
    assert before and not (out / "pooled_priors.json").exists()
    assert main([*argv, "--resume", str(out)]) == 0
    keys = [json.loads(line)["key"] for line in finished()]
    assert len(keys) == len(set(keys))  # no lesson set evaluated twice
    assert before < set(keys) and (out / "pooled_priors.json").exists()
