"""Other interpreters than aso's own start in the sandbox (SWE-bench environments need 3.6-3.11)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aso.sandbox import Sandbox, SandboxPolicy

PYENV = Path.home() / ".pyenv" / "versions"
OTHERS = sorted(
    p / "bin" / "python3"
    for p in (PYENV.iterdir() if PYENV.is_dir() else ())
    if (p / "bin" / "python3").exists() and not p.name.startswith("2.")
)


@pytest.mark.skipif(not OTHERS, reason="no pyenv interpreters on this machine")
@pytest.mark.parametrize("python", OTHERS[:3] + OTHERS[-1:], ids=lambda p: p.parent.parent.name)
def test_a_pyenv_interpreter_starts_in_the_sandbox(python: Path) -> None:
    # The launcher's own standard library lives under the hidden home when aso runs from a pyenv
    # Python; looking `python` up on PATH must not need it (os.execvpe imports `warnings`).
    result = Sandbox(policy=SandboxPolicy(python=str(python))).run(
        ["python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == python.parent.parent.name.rsplit(".", 1)[0]


def test_a_command_not_on_path_is_reported_with_its_name() -> None:
    result = Sandbox().run(["no-such-command-aso"])
    assert result.exit_code == 127
    assert "aso-sandbox: cannot start 'no-such-command-aso': No such file or directory" in result.stderr


def test_a_command_by_path_runs() -> None:
    result = Sandbox().run([sys.executable, "-c", "print(6 * 7)"])
    assert result.stdout.strip() == "42"
