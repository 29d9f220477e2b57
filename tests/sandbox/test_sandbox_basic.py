"""Ordinary runs: exit codes, output capture, stdin, environment scrubbing, work-dir copying."""

from __future__ import annotations

import json
import os
import sys

import pytest

from aso.errors import ConfigError
from aso.sandbox import Outcome, Sandbox, SandboxLimits, SandboxPolicy


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox(SandboxLimits(timeout_s=20))


def test_exit_codes_and_outcomes(sandbox: Sandbox) -> None:
    ok = sandbox.run_python("print('hi')")
    assert ok.ok and ok.exit_code == 0 and ok.outcome is Outcome.OK and ok.signal is None
    failed = sandbox.run_python("import sys; sys.exit(3)")
    assert not failed.ok and failed.exit_code == 3 and failed.outcome is Outcome.FAILED
    raised = sandbox.run_python("raise ValueError('boom')")
    assert raised.exit_code == 1 and "ValueError: boom" in raised.stderr
    killed = sandbox.run_python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert killed.signal == 11 and killed.exit_code == -11 and killed.outcome is Outcome.KILLED_BY_SIGNAL


def test_stdout_stderr_stdin_and_args(sandbox: Sandbox) -> None:
    code = "import sys\nprint(sys.stdin.read().upper(), *sys.argv[1:])\nprint('to err', file=sys.stderr)"
    res = sandbox.run_python(code, stdin="abc", args=["x", "y"])
    assert res.stdout == "ABC x y\n"
    assert res.stderr == "to err\n"
    assert res.stdout_bytes == len(res.stdout)


def test_large_stdin_is_fed_without_deadlock(sandbox: Sandbox) -> None:
    data = "z" * (3 << 20)  # larger than any pipe buffer
    res = sandbox.run_python("import sys; print(len(sys.stdin.read()))", stdin=data)
    assert res.stdout.strip() == str(len(data))


def test_output_is_a_bounded_tail() -> None:
    res = Sandbox(SandboxLimits(output_bytes=1000)).run_python("print('a' * 100000); print('END')")
    assert res.ok
    assert len(res.stdout) == 1000 and res.stdout.endswith("END\n")
    assert res.stdout_bytes == 100000 + 1 + 4 and res.stdout_truncated


def test_command_not_found_is_127(sandbox: Sandbox) -> None:
    res = sandbox.run(["no-such-command-aso"])
    assert res.exit_code == 127 and res.outcome is Outcome.FAILED
    assert "cannot start 'no-such-command-aso'" in res.stderr


def test_environment_is_scrubbed(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "aws-id")
    code = (
        "import json, os, tempfile\n"
        "print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(), 'tmp': tempfile.gettempdir()}))\n"
    )
    res = sandbox.run_python(code, env={"EXTRA": "1"})
    seen = json.loads(res.stdout)
    env = seen["env"]
    assert not any(k.startswith("AWS_") or k == "OPENAI_API_KEY" for k in env)
    assert "sk-secret" not in res.stdout and "aws-secret" not in res.stdout
    workdir_root = os.path.dirname(seen["cwd"])
    assert env["HOME"].startswith(workdir_root) and env["TMPDIR"].startswith(workdir_root)
    assert seen["tmp"] == env["TMPDIR"]
    assert env["PATH"].split(":")[1:] == ["/usr/local/bin", "/usr/bin", "/bin"]
    assert env["LANG"] == "C.UTF-8" and env["EXTRA"] == "1"


def test_source_dir_is_copied_and_left_untouched(sandbox: Sandbox, tmp_path) -> None:
    src = tmp_path / "repo"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "data.txt").write_text("original")
    (src / "keep.txt").write_text("keep")
    code = (
        "import os, pathlib\n"
        "print(pathlib.Path('pkg/data.txt').read_text(), pathlib.Path('extra/new.txt').read_text())\n"
        "pathlib.Path('pkg/data.txt').write_text('changed')\n"
        "os.remove('keep.txt')\n"
        "pathlib.Path('made.txt').write_text('made')\n"
    )
    res = sandbox.run_python(
        code, source_dir=src, files={"extra/new.txt": "given"}, collect=["made.txt", "pkg/data.txt"]
    )
    assert res.ok, res.stderr
    assert res.stdout == "original given\n"
    assert res.files == {"made.txt": "made", "pkg/data.txt": "changed"}
    assert (src / "pkg" / "data.txt").read_text() == "original"
    assert (src / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in src.rglob("*")) == ["data.txt", "keep.txt", "pkg"]


def test_each_run_gets_a_fresh_directory(sandbox: Sandbox) -> None:
    first = sandbox.run_python("open('state.txt', 'w').write('1'); import os; print(os.getcwd())")
    second = sandbox.run_python("import os; print(os.path.exists('state.txt'))")
    assert second.stdout == "False\n"
    assert not os.path.exists(first.stdout.strip())  # removed after the run


def test_code_can_import_given_files(sandbox: Sandbox) -> None:
    res = sandbox.run_python("import helper; print(helper.VALUE)", files={"helper.py": "VALUE = 42\n"})
    assert res.stdout == "42\n", res.stderr


def test_interpreters(sandbox: Sandbox) -> None:
    venv = sandbox.run(["python", "-c", "import sys, pytest; print(sys.prefix)"])
    assert venv.ok, venv.stderr
    assert venv.stdout.strip() == sys.prefix  # `python` on PATH is the venv: site-packages importable
    if os.path.exists("/usr/bin/python3"):
        plain = sandbox.run_python("import sys, json; print(sys.executable)", python="/usr/bin/python3")
        assert plain.ok and plain.stdout.strip() == "/usr/bin/python3"


def test_user_errors_are_config_errors(sandbox: Sandbox, tmp_path) -> None:
    with pytest.raises(ConfigError, match="relative path"):
        sandbox.run_python("pass", files={"/etc/x": "no"})
    with pytest.raises(ConfigError, match="relative path"):
        sandbox.run_python("pass", files={"../x": "no"})
    with pytest.raises(ConfigError, match="not a directory"):
        sandbox.run(["true"], source_dir=tmp_path / "missing")
    with pytest.raises(ConfigError, match="non-empty list"):
        sandbox.run("echo hi")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="timeout_s"):
        SandboxLimits(timeout_s=0)
    with pytest.raises(ConfigError, match="no such interpreter"):
        SandboxPolicy(python="/no/python")
