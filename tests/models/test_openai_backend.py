"""The openai backend against our own server, really started on loopback."""

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
