"""A tiny git repository with one bug, its failing test and an issue: what `aso demo` solves."""

from __future__ import annotations

import subprocess
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


def write_demo_repo(path: str | Path) -> tuple[Path, Path]:
    """Create the repository at `path` (one commit) and the issue file beside it; returns both paths."""
    repo = Path(path)
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, encoding="utf-8")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=aso", "-c", "user.email=aso@localhost", "commit", "-qm", "calc"],
    ):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    issue = repo.with_name(repo.name + "-issue.md")
    issue.write_text(ISSUE, encoding="utf-8")
    return repo, issue
