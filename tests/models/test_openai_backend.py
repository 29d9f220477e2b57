"""The openai backend against our own server, really started on loopback."""

import time

import pytest

from aso.errors import EndpointError
from aso.models import SamplingParams, ScriptedModel, get_model
from aso.serve import BackgroundServer


@pytest.fixture(scope="module")
def scripted_server():
    model = ScriptedModel(outputs=["one", "two", "three"], name="scripted")
    with BackgroundServer(model) as url:
        yield url, model


def test_chat_and_plain_prompts_round_trip(scripted_server):
    url, served = scripted_server
    client = get_model(f"openai:{url}#scripted")
    out = client.sample([[{"role": "user", "content": "hi"}], "plain"], SamplingParams(n=2, max_tokens=8))
    assert [len(g) for g in out] == [2, 2]
    assert {c.text for g in out for c in g} <= {"one", "two", "three"}
    assert served.calls[-1] == "plain"
    assert served.calls[-2] == [{"role": "user", "content": "hi"}]


def test_models_endpoint_lists_served_model(scripted_server):
    import httpx

    url, _ = scripted_server
    data = httpx.get(f"{url}/models").json()["data"]
    assert [m["id"] for m in data] == ["scripted"]


def test_wrong_model_name_is_a_clear_error(scripted_server):
    url, _ = scripted_server
    client = get_model(f"openai:{url}#nope", max_retries=0)
    with pytest.raises(EndpointError, match="answered 404"):
        client.sample(["x"], SamplingParams())


def test_unreachable_endpoint_is_a_clear_error():
    client = get_model("openai:http://127.0.0.1:9/v1#m", max_retries=0, timeout=2.0)
    with pytest.raises(EndpointError) as info:
        client.sample(["x"], SamplingParams())
    assert str(info.value).startswith("cannot reach endpoint http://127.0.0.1:9/v1")


def test_check_accepts_a_served_model_and_names_the_served_ones_otherwise(scripted_server):
    url, _ = scripted_server
    get_model(f"openai:{url}#scripted").check()
    with pytest.raises(EndpointError, match=r"does not serve model 'nope' \(it serves scripted\)"):
        get_model(f"openai:{url}#nope").check()


def test_commands_fail_on_an_unreachable_endpoint_before_writing_a_run(tmp_path, monkeypatch, capsys):
    from aso.cli.main import main

    runs = tmp_path / "runs"
    monkeypatch.setenv("ASO_RUNS_DIR", str(runs))
    for argv in (
        ["eval", "humaneval", "--limit", "1"],
        ["optimize", "humaneval", "--limit", "1", "--out", str(tmp_path / "p.json")],
    ):
        assert main([*argv, "--model", "openai:http://127.0.0.1:9/v1#m"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("aso: error: cannot reach endpoint http://127.0.0.1:9/v1")
    assert not runs.exists() or not any(runs.iterdir())
    assert not (tmp_path / "p.json").exists()


def test_rate_limited_requests_wait_for_retry_after_and_succeed():
    from aso.serve import KeyStore, ServeConfig

    model = ScriptedModel(outputs=["ok"], name="scripted")
    config = ServeConfig(requests_per_minute=60, burst=1)  # one request a second
    with BackgroundServer(model, config=config, keys=KeyStore.load(env="k")) as url:
        client = get_model(f"openai:{url}#scripted", api_key="k", max_retries=2)
        start = time.monotonic()
        for _ in range(2):
            assert client.sample(["x"], SamplingParams(max_tokens=2))[0][0].text == "ok"
        assert time.monotonic() - start >= 0.9  # the second waited for Retry-After (1 s)
        impatient = get_model(f"openai:{url}#scripted", api_key="k", max_retries=2, max_retry_wait_s=0.1)
        with pytest.raises(EndpointError, match=r"rate limiting \(429\) after 1 attempt"):
            impatient.sample(["x"], SamplingParams(max_tokens=2))


def test_retry_after_header_forms():
    from aso.models.openai_backend import retry_after_seconds

    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after-ms": "250"}) == 0.25
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({}) is None and retry_after_seconds({"retry-after": "soon"}) is None
