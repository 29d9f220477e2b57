"""`aso serve` on loopback: keys, rate limits, quotas, request limits, the bounded queue, errors, metrics."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from serve_fixtures import KEY, OTHER_KEY, post
from starlette.requests import Request

from aso.models import ScriptedModel
from aso.serve import KeyStore, ServeConfig, add_key, hash_key
from aso.serve.app import Guard, HTTPError

BODY = {"prompt": "hello", "max_tokens": 4}


def test_wrong_or_missing_key_is_401_and_a_valid_one_200(start):
    url, _ = start()
    assert post(url, BODY, key="wrong").status_code == 401
    missing = post(url, BODY, key=None)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    ok = post(url, BODY)
    assert ok.status_code == 200 and ok.json()["choices"][0]["text"] == "echo:hello"
    assert httpx.get(url + "/models", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_key_file_keeps_only_hashes(tmp_path):
    path = tmp_path / "keys.txt"
    key = add_key(path, "alice")
    text = path.read_text()
    assert key not in text and hash_key(key) in text
    store = KeyStore.load(path, env="")
    assert store.name_of(key) == "alice" and store.name_of(key + "x") is None


def test_without_keys_only_loopback_clients_are_answered():
    guard = Guard(ServeConfig(), KeyStore())

    def request(host: str) -> Request:
        return Request({"type": "http", "headers": [], "client": (host, 5000), "method": "POST", "path": "/"})

    assert guard.client(request("127.0.0.1")) == "anonymous"
    with pytest.raises(HTTPError) as info:
        guard.client(request("10.1.2.3"))
    assert info.value.status == 403


def test_rate_limit_429_with_retry_after_then_recovery(start):
    url, _ = start(requests_per_minute=30, burst=2)  # one request every 2 s after a burst of 2
    assert [post(url, BODY).status_code for _ in range(2)] == [200, 200]
    limited = post(url, BODY)
    assert limited.status_code == 429
    wait = int(limited.headers["retry-after"])
    assert 1 <= wait <= 2
    assert post(url, BODY, key=OTHER_KEY).status_code == 200  # per key
    time.sleep(wait + 0.1)
    assert post(url, BODY).status_code == 200


def test_token_quota_is_spent_and_survives_a_restart(start, tmp_path):
    db = tmp_path / "quota.sqlite"
    url, _ = start(tokens_per_day=30, quota_db=db)
    first = post(url, {"prompt": "x" * 80, "max_tokens": 4})  # ~20 prompt tokens + a completion
    assert first.status_code == 200 and first.json()["usage"]["total_tokens"] >= 30
    spent = post(url, BODY)
    assert spent.status_code == 429 and "quota" in spent.json()["error"]["message"]
    assert int(spent.headers["retry-after"]) > 0
    url2, _ = start(tokens_per_day=30, quota_db=db)  # a new server over the same database
    assert post(url2, BODY).status_code == 429
    assert post(url2, BODY, key=OTHER_KEY).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"prompt": ["p"] * 33, "max_tokens": 1}, 413),  # over max_prompts
        ({"prompt": ["p"] * 8, "n": 64, "max_tokens": 8192}, 413),  # over max_requested_tokens
        ({"prompt": "p", "n": 65}, 422),
        ({"prompt": "p", "max_tokens": 0}, 422),
        ({"prompt": []}, 422),
        ({"messages": []}, 422),
        ({"prompt": "x" * (1 << 20)}, 413),  # body over max_body_bytes
    ],
)
def test_oversized_or_invalid_requests_are_4xx(start, body, status):
    url, _ = start()
    path = "/chat/completions" if "messages" in body else "/completions"
    got = post(url, body, path=path)
    assert got.status_code == status, got.text
    assert got.json()["error"]["message"]


def test_invalid_json_is_422(start):
    url, _ = start()
    got = httpx.post(url + "/completions", content=b"{not json", headers={"Authorization": f"Bearer {KEY}"})
    assert got.status_code == 422


def test_full_queue_is_503_and_the_queued_requests_are_answered(start):
    gate = threading.Event()
    model = ScriptedModel(respond=lambda text, i: "done" if gate.wait(20) else "timeout")
    url, app = start(model=model, queue_size=2, batching=False)
    scheduler = app.state.scheduler
    with ThreadPoolExecutor(3) as pool:
        running = pool.submit(post, url, BODY)
        deadline = time.monotonic() + 10
        while scheduler.depth or scheduler.calls == 0 and not _model_busy(model):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        waiting = [pool.submit(post, url, BODY) for _ in range(2)]
        while scheduler.depth < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        full = post(url, BODY)
        assert full.status_code == 503 and full.headers["retry-after"] == "1"
        gate.set()
        answers = [running.result(), *(f.result() for f in waiting)]
    assert [a.status_code for a in answers] == [200, 200, 200]


def _model_busy(model: ScriptedModel) -> bool:
    return bool(model.calls)


def test_fifty_concurrent_requests_all_answered_none_lost(start):
    def slow_echo(text: str, i: int) -> str:
        time.sleep(0.005)
        return f"echo:{text}"

    url, app = start(model=ScriptedModel(respond=slow_echo), queue_size=64, requests_per_minute=0)
    with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {KEY}"}) as client:

        def ask(i: int) -> tuple[int, str]:
            got = client.post(url + "/completions", json={"prompt": f"p{i}", "max_tokens": 4})
            return got.status_code, got.json()["choices"][0]["text"]

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(ask, range(50)))
    assert answers == [(200, f"echo:p{i}") for i in range(50)]
    scheduler = app.state.scheduler
    assert scheduler.calls < 50 and scheduler.batched_requests > 0  # merged into fewer model calls


def test_seeded_requests_are_not_merged(start):
    url, app = start(requests_per_minute=0)
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: post(url, {**BODY, "seed": i}).status_code, range(8)))
    assert codes == [200] * 8 and app.state.scheduler.calls == 8


def test_upstream_failure_is_502_without_traceback(start, caplog):
    from aso.models import get_model

    upstream = get_model("openai:http://127.0.0.1:9/v1#m", max_retries=0, timeout=2.0)
    url, _ = start(model=upstream)
    with caplog.at_level(logging.WARNING):
        got = post(url, {**BODY, "model": ""})
    assert got.status_code == 502 and "cannot reach endpoint" in got.json()["error"]["message"]
    assert "Traceback" not in caplog.text


def test_unknown_model_404_and_user_error_400(start):
    url, _ = start()
    assert post(url, {**BODY, "model": "other"}).status_code == 404


def test_health_and_prometheus_metrics(start):
    url, _ = start()
    base = url.removesuffix("/v1")
    assert post(url, BODY).status_code == 200
    assert post(url, BODY, key="wrong").status_code == 401
    health = httpx.get(base + "/health").json()
    assert health["status"] == "ok" and health["queue"] == 0
    assert httpx.get(base + "/metrics").status_code == 401  # keys configured: metrics need one too
    text = httpx.get(base + "/metrics", headers={"Authorization": f"Bearer {KEY}"}).text
    assert 'aso_requests_total{path="/v1/completions",status="200"} 1' in text
    assert 'aso_requests_total{path="/v1/completions",status="401"} 1' in text
    assert "# TYPE aso_queue_depth gauge" in text and "aso_model_calls_total 1" in text
