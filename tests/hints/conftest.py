"""Fixtures for the hints tests: the real DEX hole specs (read-only shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aso.data import dex_specs_dir

DEX = dex_specs_dir()


def load(name: str):
    from aso.synth.spec import load_hole_spec

    return load_hole_spec(DEX / f"{name}.yaml", DEX / f"{name}.synth.json")


def load_ref(name: str):
    from aso.synth.hints.validate import load_reference

    return load_reference(DEX / f"{name}.yaml")


@pytest.fixture(scope="session")
def dex() -> Path:
    if not DEX.is_dir():
        pytest.skip("shared DEX data not present")
    return DEX


@pytest.fixture(scope="session")
def dex_spec(dex):
    """Factory: name -> (HoleSpec, Reference)."""
    return lambda name: (load(name), load_ref(name))
