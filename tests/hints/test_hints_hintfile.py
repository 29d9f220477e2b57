import json

import pytest

from aso.errors import ConfigError
from aso.synth.hints.hintfile import SCHEMA, HintFile, HoleHint, load_hint_file, write_hint_file

H = "sha256:" + "ab" * 32


def test_round_trip_matches_the_spec_layout(tmp_path):
    hints = HintFile(H, H, {"accum_next": HoleHint("(+ accumulated fee_amount)", "smollm2", 0)})
    path = write_hint_file(tmp_path / "llm_hints.json", hints)
    doc = json.loads(path.read_text())
    assert doc == {
        "schema": SCHEMA,
        "model_hash": H,
        "synth_hash": H,
        "holes": {"accum_next": {"term": "(+ accumulated fee_amount)", "source": "smollm2", "rank": 0}},
    }
    assert load_hint_file(path) == hints


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d.update(holes=[{"hole_id": "x", "term": "a", "source": "m", "rank": 0}]),
            "must be an object",
        ),
        (lambda d: d.update(schema="esso-llm-hints/v2"), "schema"),
        (lambda d: d.update(model_hash="md5:1"), "model_hash"),
        (lambda d: d["holes"]["h"].update(rank=-1), "rank"),
        (lambda d: d["holes"]["h"].pop("source"), "fields must be exactly"),
        (lambda d: d.update(extra=1), "unknown field"),
    ],
)
def test_schema_violations_are_refused(tmp_path, mutate, message):
    doc = {
        "schema": SCHEMA,
        "model_hash": H,
        "synth_hash": H,
        "holes": {"h": {"term": "a", "source": "m", "rank": 0}},
    }
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match=message):
        load_hint_file(path)
