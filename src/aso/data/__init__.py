"""Small real data shipped with the package.

- `esso/dex/`: the DeFi DEX hole specs of TheDarkLightX/ZenoDEX (MIT, `esso/LICENSE-ZenoDEX`), the data the
  neural-guided synthesis spec was written against; see `esso/README.md`.
- `swebench/verified_test.parquet`: the 500 instances of SWE-bench Verified (MIT); see `swebench/README.md`.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent


def dex_specs_dir() -> Path:
    """Directory of the nine DEX hole specs (`*_hole.yaml` + `*_hole.synth.json`, `*_ref.yaml`)."""
    return DATA_DIR / "esso" / "dex"


def swebench_verified() -> Path:
    """The SWE-bench Verified parquet (500 instances, the columns of `swebench/types.py`)."""
    return DATA_DIR / "swebench" / "verified_test.parquet"
