"""`classify`: naming how a run ended, from exit status, timing, CPU use and the end of stderr."""

from __future__ import annotations

import signal

import pytest

from aso.sandbox import Outcome
from aso.sandbox.result import classify


@pytest.mark.parametrize(
    ("exit_code", "timed_out", "cpu_s", "stderr", "error", "expected"),
    [
        (0, False, 0.1, "", None, Outcome.OK),
        (0, False, 0.1, "MemoryError\n", None, Outcome.OK),  # exit 0 wins over stderr text
        (1, False, 0.1, "Traceback ...\nValueError: x\n", None, Outcome.FAILED),
        (1, False, 0.1, "Traceback ...\nMemoryError\n", None, Outcome.MEMORY),
        (1, False, 0.1, "print('MemoryError')  # mentioned mid-line\n", None, Outcome.FAILED),
        (
            -signal.SIGABRT,
            False,
            0.1,
            "terminate called after throwing an instance of 'std::bad_alloc'",
            None,
            Outcome.MEMORY,
        ),
        (1, False, 0.1, "OSError: [Errno 27] File too large\n", None, Outcome.FILE_SIZE),
        (-signal.SIGXFSZ, False, 0.1, "", None, Outcome.FILE_SIZE),
        (-signal.SIGXCPU, False, 2.0, "", None, Outcome.CPU_LIMIT),
        (-signal.SIGKILL, False, 3.0, "", None, Outcome.CPU_LIMIT),  # hard CPU limit
        (-signal.SIGKILL, False, 0.5, "", None, Outcome.KILLED_BY_SIGNAL),
        (-signal.SIGSEGV, False, 0.1, "", None, Outcome.KILLED_BY_SIGNAL),
        (-signal.SIGKILL, True, 0.5, "MemoryError\n", None, Outcome.TIMEOUT),  # timeout wins
        (127, False, 0.0, "", "launcher failed", Outcome.SETUP_ERROR),
    ],
)
def test_classify(exit_code, timed_out, cpu_s, stderr, error, expected) -> None:
    got = classify(
        exit_code=exit_code, timed_out=timed_out, cpu_s=cpu_s, cpu_limit_s=2, stderr=stderr, error=error
    )
    assert got is expected
