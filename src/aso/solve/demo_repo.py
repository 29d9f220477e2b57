"""A tiny git repository with one bug, its failing test and an issue: what `aso demo` solves; and
`init_repo`, which makes any directory of files a one-commit repository (demo, benchmark fixtures, tests)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": (
        'def add(a, b):\n    """Return the sum of a and b."""\n    return a - b\n\n\n'
        'def mul(a, b):\n    """Return the product of a and b."""\n    return a * b\n'
    ),
    "tests/test_ops.py": (
        "from calc.ops import add, mul\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
        "def test_add_negative():\n    assert add(-1, 1) == 0\n\n\n"
        "def test_mul():\n    assert mul(2, 3) == 6\n"
    ),
}
ISSUE = "# add() subtracts instead of adding\n\n`calc.ops.add(2, 3)` returns -1; it should return 5.\n"


def init_repo(path: str | Path, files: Mapping[str, str] | None = None, message: str = "init") -> Path:
    """Write `files` (relative path -> text) under `path`, then commit everything there as the first
    commit of a new git repository; returns the path."""
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    for rel, text in (files or {}).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=aso", "-c", "user.email=aso@localhost", "commit", "-qm", message],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def write_demo_repo(path: str | Path) -> tuple[Path, Path]:
    """Create the repository at `path` (one commit) and the issue file beside it; returns both paths."""
    repo = init_repo(path, FILES, "calc")
    issue = repo.with_name(repo.name + "-issue.md")
    issue.write_text(ISSUE, encoding="utf-8")
    return repo, issue
