from pathlib import Path

import pytest

from aso.errors import ModelNotFoundError
from aso.models import SamplingParams, ScriptedModel, model_identity, parse_model_name


def test_default_is_embedded_gguf():
    ref = parse_model_name(None)
    assert ref.backend == "transformers"
    assert ref.model_id.endswith(".gguf")
    assert (Path(ref.location) / ref.model_id).is_file()
    assert parse_model_name("smollm2") == ref


def test_openai_name_parses_url_and_model():
    ref = parse_model_name("openai:http://127.0.0.1:8000/v1#smollm2")
    assert (ref.backend, ref.location, ref.model_id) == ("openai", "http://127.0.0.1:8000/v1", "smollm2")
    other = parse_model_name("openai:http://127.0.0.1:8000/v1#other")
    assert model_identity(ref) != model_identity(other)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("bogus", "unknown model name 'bogus'"),
        ("gguf:/nonexistent/model.gguf", "GGUF file not found: /nonexistent/model.gguf"),
        ("hf:/nonexistent/dir", "hf model directory not found"),
        ("openai:127.0.0.1:8000#m", "openai:http(s)://HOST/v1#MODEL"),
        ("openai:http://127.0.0.1:8000/v1", "openai:http(s)://HOST/v1#MODEL"),
        ("mlx:/models/qwen", "Apple"),
    ],
)
def test_bad_names_raise_one_line_errors(name, fragment):
    with pytest.raises(ModelNotFoundError) as info:
        parse_model_name(name)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_gguf_identity_is_file_hash(tmp_path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"abc")
    ref = parse_model_name(f"gguf:{f}")
    assert model_identity(ref) == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_scripted_model_cycles_and_records_calls():
    m = ScriptedModel(outputs=["a", "b", "c"])
    out = m.sample(["p1", [{"role": "user", "content": "p2"}]], SamplingParams(n=2))
    assert [[c.text for c in g] for g in out] == [["a", "b"], ["c", "a"]]
    assert m.calls[1] == [{"role": "user", "content": "p2"}]
    echo = ScriptedModel(respond=lambda text, i: f"{i}:{text}")
    assert echo.sample(["x"], SamplingParams(n=1))[0][0].text == "0:x"
