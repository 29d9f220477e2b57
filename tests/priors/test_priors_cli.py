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
