"""`aso sandbox run` / `aso sandbox check`, and concurrent use of one Sandbox."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aso.cli.main import main
from aso.sandbox import Sandbox


def test_run_passes_the_exit_code_and_streams(capsys) -> None:
    code = main(["sandbox", "run", "--timeout", "20", "--", "python", "-c", "print('out'); exit(5)"])
    captured = capsys.readouterr()
    assert code == 5
    assert captured.out == "out\n"
    assert "aso sandbox: failed exit=5" in captured.err


def test_run_timeout_exits_124(capsys) -> None:
    assert main(["sandbox", "run", "--timeout", "1", "--", "python", "-c", "while True: pass"]) == 124
    assert "aso sandbox: timeout" in capsys.readouterr().err


def test_missing_source_dir_is_one_line_user_error(capsys, tmp_path) -> None:
    code = main(["sandbox", "run", "--source-dir", str(tmp_path / "nope"), "--", "true"])
    err = capsys.readouterr().err
    assert code == 2
    missing = tmp_path / "nope"
    assert err.strip().splitlines() == [f"aso: error: sandbox source_dir: '{missing}' is not a directory"]


def test_check_prints_the_isolation_table(capsys) -> None:
    assert main(["sandbox", "check"]) == 0
    out = capsys.readouterr().out
    assert "network namespace" in out and "test run" in out and "ok in" in out


def test_concurrent_runs_from_threads_stay_separate() -> None:
    sandbox = Sandbox()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: sandbox.run_python(f"print({i} * {i})", stdin=str(i)), range(8)))
    assert [r.stdout for r in results] == [f"{i * i}\n" for i in range(8)]
    assert all(r.ok for r in results)
