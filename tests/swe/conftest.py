"""A throw-away repository in SWE-bench instance form, with its spec given through $ASO_SWE_SPECS (an
offline environment: the current Python, no pip upgrades, pytest seen from aso's own environment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import aso.swe.specs
from aso.solve.demo_repo import init_repo

CALC = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
OLD_TESTS = "from calc import add, mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
NEW_TESTS = OLD_TESTS + "\n\ndef test_add():\n    assert add(2, 3) == 5\n"
SETUP = "from setuptools import setup\n\nsetup(name='calc', version='1.0', py_modules=['calc'])\n"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def diff(repo: Path, path: str, text: str) -> str:
    (repo / path).write_text(text)
    out = subprocess.run(["git", "-C", str(repo), "diff"], capture_output=True, text=True, check=True).stdout
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--", path], check=True)
    return out


@pytest.fixture
def swe(tmp_path, monkeypatch):
    """A repo cache with acme/calc, its spec, an environment dir, and a parquet of one instance."""
    repo = init_repo(
        tmp_path / "cache" / "acme__calc", {"calc.py": CALC, "test_calc.py": OLD_TESTS, "setup.py": SETUP}
    )
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True)
    head = head.stdout.strip()
    site = str(Path(pytest.__file__).resolve().parent.parent)
    spec = {
        "python": PYTHON,
        "install": "python setup.py -q develop",
        "test_cmd": "python -m pytest -rA -p no:cacheprovider",
        "log_parser": "pytest-dev/pytest",
        "aso_base_tools": False,
        "aso_site_dirs": [site],
    }
    specs = tmp_path / "specs.json"
    specs.write_text(json.dumps({"acme/calc": {"1.0": spec}}))
    monkeypatch.setenv("ASO_SWE_SPECS", str(specs))
    monkeypatch.setattr(aso.swe.specs, "_EXTRA_LOADED", set())
    monkeypatch.setenv("ASO_SWE_ENVS", str(tmp_path / "envs"))
    row = {
        "repo": "acme/calc",
        "instance_id": "acme__calc-1",
        "base_commit": head,
        "patch": diff(repo, "calc.py", CALC.replace("a - b", "a + b")),
        "test_patch": diff(repo, "test_calc.py", NEW_TESTS),
        "problem_statement": "add() subtracts\n\ncalc.add(2, 3) returns -1.",
        "hints_text": "",
        "created_at": "2024-01-01T00:00:00Z",
        "version": "1.0",
        "FAIL_TO_PASS": json.dumps(["test_calc.py::test_add"]),
        "PASS_TO_PASS": json.dumps(["test_calc.py::test_mul"]),
        "environment_setup_commit": head,
        "difficulty": "<15 min fix",
    }
    data = tmp_path / "instances.parquet"
    pq.write_table(pa.Table.from_pylist([row]), data)
    os.environ.pop("VIRTUAL_ENV", None)
    return {"cache": tmp_path / "cache", "data": data, "row": row, "tmp": tmp_path, "envs": tmp_path / "envs"}
