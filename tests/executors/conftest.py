"""The SWE-bench fixture of tests/swe (a throw-away repository in instance form, its spec and an
environment directory), shared here for the fan-out tests of `aso swe evaluate|bench`."""

import importlib.util
from pathlib import Path

_path = Path(__file__).parents[1] / "swe" / "conftest.py"
_spec = importlib.util.spec_from_file_location("swe_fixtures", _path)
_swe_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_swe_fixtures)

swe = _swe_fixtures.swe
