"""`benchmarks/bench_humaneval.py` runs unchanged against an OpenAI-compatible endpoint.

The endpoint is our own `aso serve` app on loopback serving a scripted "oracle": for every HumanEval
prompt it answers the canonical solution of the problem named in the prompt when that problem is in
`SOLVED`, and a wrong function otherwise. The benchmark must then report exactly the known pass rate for
the baseline, fall back to prompt-level priors for PoE (and say so), and finish every row.
"""

import json
import runpy
import sys
from pathlib import Path

import pytest

from aso.humaneval import problems
from aso.models import ScriptedModel
from aso.serve import BackgroundServer

BENCH = Path(__file__).parents[2] / "benchmarks" / "bench_humaneval.py"
HELDOUT = problems("heldout", 4)
SOLVED = {HELDOUT[0]["task_id"], HELDOUT[2]["task_id"]}


def _oracle(text: str, _i: int) -> str:
    for problem in problems("all"):
        if problem["prompt"].strip() in text:
            if problem["task_id"] in SOLVED:
                body = problem["prompt"] + problem["canonical_solution"]
            else:
                body = f"def {problem['entry_point']}(*args):\n    return None\n"
            return f"```python\n{body}```\n"
    return "ADD: Make sure the function returns a value."  # a reflection request


@pytest.fixture(scope="module")
def oracle_url():
    with BackgroundServer(ScriptedModel(respond=_oracle, name="oracle")) as url:
        yield url


def test_bench_humaneval_against_an_endpoint(oracle_url, tmp_path, monkeypatch):
    out = tmp_path / "humaneval.json"
    argv = [
        str(BENCH),
        *("--model", f"openai:{oracle_url}#oracle"),
        *("--train", "2", "--heldout", "4", "--epochs", "1", "--group-size", "2"),
        *("--calibration", "1", "--experts", "1", "--max-tokens", "64", "--max-samples", "2"),
        *("--out", str(out)),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(BENCH), run_name="__main__")

    result = json.loads(out.read_text())
    rows = {r["name"]: r for r in result["rows"]}
    assert set(rows) >= {"baseline", "prompt_priors", "poe_poai", "poe_fixed"}
    assert any(name.startswith("baseline_T0.7_n") for name in rows)
    assert rows["baseline"]["pass@1"] == pytest.approx(len(SOLVED) / len(HELDOUT))
    assert rows["baseline"]["model_calls"] == len(HELDOUT)
    for name in ("poe_poai", "poe_fixed"):
        assert any("falls back to prompt-level priors" in note for note in rows[name]["notes"])
    assert out.with_suffix(".png").is_file()
