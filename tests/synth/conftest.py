from pathlib import Path

import pytest

from aso.data import dex_specs_dir

DEX = dex_specs_dir()
REPO = Path(__file__).resolve().parents[2]
REPAIRED_CB_REF = REPO / "benchmarks" / "data" / "circuit_breaker_ref_repaired.yaml"


@pytest.fixture
def dex() -> Path:
    if not DEX.is_dir():
        pytest.skip("ESSO data not present")
    return DEX
