"""`aso serve` with the real embedded model: keys, concurrent requests merged into batched model calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from serve_fixtures import KEY

from aso.serve import BackgroundServer, KeyStore, ServeConfig


@pytest.mark.model
def test_embedded_model_answers_concurrent_keyed_requests_in_batches(embedded_model):
    config = ServeConfig(requests_per_minute=0, max_batch_prompts=8)
    server = BackgroundServer(
        embedded_model, served_name="smollm2", config=config, keys=KeyStore.load(env=KEY)
    )
    with server as url, httpx.Client(timeout=120, headers={"Authorization": f"Bearer {KEY}"}) as client:
        assert (
            client.post(
                url + "/completions", json={"prompt": "hi"}, headers={"Authorization": "x"}
            ).status_code
            == 401
        )

        def ask(i: int) -> dict:
            body = {"messages": [{"role": "user", "content": f"Say the number {i}."}], "max_tokens": 8}
            got = client.post(url + "/chat/completions", json=body)
            assert got.status_code == 200, got.text
            return got.json()

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, range(6)))
    assert all(a["choices"][0]["message"]["content"] is not None for a in answers)
    assert all(a["usage"]["prompt_tokens"] > 5 and a["usage"]["completion_tokens"] > 0 for a in answers)
    scheduler = server.app.state.scheduler
    assert scheduler.calls < 6 and scheduler.batched_requests >= 2  # waiting requests shared model calls
