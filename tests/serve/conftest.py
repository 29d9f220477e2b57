"""Serve fixtures: a server on loopback over a scripted model, with keys and limits chosen per test."""

from __future__ import annotations

import contextlib

import pytest
from serve_fixtures import KEY, OTHER_KEY

from aso.models import ScriptedModel
from aso.serve import BackgroundServer, KeyStore, ServeConfig


@pytest.fixture
def start():
    """`start(model=None, keys=True, **config)` -> (base URL, app); servers stop after the test."""
    with contextlib.ExitStack() as stack:

        def _start(model=None, keys=True, **config):
            model = model or ScriptedModel(respond=lambda text, i: f"echo:{text}")
            store = KeyStore.load(env=f"{KEY},{OTHER_KEY}") if keys else KeyStore()
            server = BackgroundServer(model, config=ServeConfig(**config), keys=store)
            url = stack.enter_context(server)
            return url, server.app

        yield _start

