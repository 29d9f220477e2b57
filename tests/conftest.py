"""Shared fixtures. Real-model tests are marked `model`; they share one loaded model per process."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _runs_in_tmp(tmp_path, monkeypatch):
    """Commands under test write their run directories into the test's tmp dir, not ./runs."""
    monkeypatch.setenv("ASO_RUNS_DIR", str(tmp_path / "runs"))


@pytest.fixture(scope="session")
def embedded_model():
    """The real embedded SmolLM2 model, loaded once for the whole session."""
    from aso.models import get_model

    return get_model("smollm2")
