"""Helpers for the serve tests: keys and a POST with a bearer key."""

from __future__ import annotations

import httpx

KEY = "test-key-alice"
OTHER_KEY = "test-key-bob"


def post(url: str, body: dict, key: str | None = KEY, path: str = "/completions", **kw) -> httpx.Response:
    """POST to the server with a bearer key (None: no Authorization header)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(url + path, json=body, headers=headers, timeout=30, **kw)
