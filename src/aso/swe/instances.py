"""SWE-bench instances (the columns of `swebench/types.py`)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.config_files import require_file
from aso.data import swebench_verified
from aso.errors import ConfigError

DEFAULT_DATA = Path(os.environ.get("ASO_SWEBENCH_DATA") or swebench_verified())
"""The SWE-bench Verified parquet shipped in `aso.data` (`$ASO_SWEBENCH_DATA` overrides)."""
COLUMNS = (
    "repo",
    "instance_id",
    "base_commit",
    "patch",
    "test_patch",
    "problem_statement",
    "FAIL_TO_PASS",
    "PASS_TO_PASS",
)
"""Columns an instance needs."""


@dataclass(frozen=True)
class Instance:
    """One SWE-bench task."""

    instance_id: str
    repo: str
    """`owner/name` on GitHub."""
    base_commit: str
    patch: str
    """The gold patch (never shown to the model)."""
    test_patch: str
    problem_statement: str
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    difficulty: str = ""
    version: str = ""
    environment_setup_commit: str = ""
    """Where the harness builds the environment (its requirements files are read there)."""

    @property
    def tests(self) -> tuple[str, ...]:
        """FAIL_TO_PASS then PASS_TO_PASS: every test that must pass for `resolved`."""
        return self.fail_to_pass + self.pass_to_pass

    @classmethod
    def from_row(cls, row: dict[str, Any], source: str = "instances") -> Instance:
        """Build from a parquet row (the test lists JSON-encoded, as in the dataset, or plain lists)."""
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise ConfigError(f"{source}: missing column(s) {', '.join(missing)}")
        return cls(
            row["instance_id"],
            row["repo"],
            row["base_commit"],
            row["patch"] or "",
            row["test_patch"] or "",
            row["problem_statement"] or "",
            _tests(row["FAIL_TO_PASS"]),
            _tests(row["PASS_TO_PASS"]),
            str(row.get("difficulty") or ""),
            str(row.get("version") or ""),
            str(row.get("environment_setup_commit") or ""),
        )


def _tests(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return tuple(str(v) for v in value or ())


def load_instances(path: str | Path = DEFAULT_DATA) -> list[Instance]:
    """Every instance of a SWE-bench parquet file; ConfigError naming the file when unreadable."""
    import pyarrow.parquet as pq

    path = require_file(path, "SWE-bench parquet file")
    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise ConfigError(f"{path}: cannot read parquet ({exc.__class__.__name__})") from None
    return [Instance.from_row(r, str(path)) for r in rows]


def test_files(test_patch: str) -> list[str]:
    """The files a test patch touches (what the SWE-bench harness runs), in order."""
    return list(dict.fromkeys(re.findall(r"^diff --git a/(\S+) b/", test_patch, flags=re.M)))


test_files.__test__ = False  # type: ignore[attr-defined]
