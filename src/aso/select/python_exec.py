"""One sandboxed run of a Python candidate: its public tests and its outputs on the shared inputs.

The harness loads the candidate (`solution.py`) with `exec`, runs each test statement (reporting
pass/fail per test and going on after a failure), then calls the entry point on each shared input with
a per-call time limit and prints `repr` of the result (cut to 200 characters) or `None` when it raised.
Nothing else reaches the harness: it is given only the visible tests and the shared inputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aso.sandbox import Sandbox

_MARK = "@@ASO-SEL"

_HARNESS = r"""
import ast as __ast, json as __json, math as __math, signal as __signal
def _aso_eq(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return __math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
        except TypeError:
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_aso_eq(x, y) for x, y in zip(a, b))
    return a == b
def __alarm(signum, frame):
    raise TimeoutError("call timed out")
__signal.signal(__signal.SIGALRM, __alarm)
try:
    exec(compile(open("solution.py").read(), "solution.py", "exec"), globals())
except BaseException as __e:
    print("{mark}-LOAD", flush=True)
    raise SystemExit(0)
__tests = __json.loads({tests!r})
__inputs = __json.loads({inputs!r})
for __i, __t in enumerate(__tests):
    try:
        __signal.setitimer(__signal.ITIMER_REAL, {call_s})
        exec(__t, globals())
        __signal.setitimer(__signal.ITIMER_REAL, 0)
        print("{mark}-T", __i, 1, flush=True)
    except BaseException:
        __signal.setitimer(__signal.ITIMER_REAL, 0)
        print("{mark}-T", __i, 0, flush=True)
for __i, __a in enumerate(__inputs):
    try:
        __signal.setitimer(__signal.ITIMER_REAL, {call_s})
        __r = repr({entry}(*__ast.literal_eval(__a)))[:200]
        __signal.setitimer(__signal.ITIMER_REAL, 0)
    except BaseException:
        __signal.setitimer(__signal.ITIMER_REAL, 0)
        __r = None
    print("{mark}-O", __i, __json.dumps(__r), flush=True)
"""


@dataclass(frozen=True)
class PythonRun:
    """What one candidate did."""

    loaded: bool
    tests: tuple[bool, ...]
    """Outcome of each test statement (unreported = failed)."""
    outputs: tuple[str | None, ...]
    """repr of the result on each shared input; None where it raised, timed out or did not run."""


def run_candidate(
    sandbox: Sandbox,
    program: str,
    entry: str,
    tests: Sequence[str],
    inputs: Sequence[str],
    call_s: float = 1.0,
) -> PythonRun:
    """Run `program` (defining `entry`) on test statements and argument tuples, in one sandboxed run."""
    source = _HARNESS.format(
        mark=_MARK, tests=json.dumps(list(tests)), inputs=json.dumps(list(inputs)), entry=entry, call_s=call_s
    )
    result = sandbox.run_python(source, files={"solution.py": program})
    outcomes = [False] * len(tests)
    outputs: list[str | None] = [None] * len(inputs)
    for line in result.stdout.splitlines():
        if line.startswith(f"{_MARK}-LOAD"):
            return PythonRun(False, tuple(outcomes), tuple(outputs))
        if line.startswith(f"{_MARK}-T "):
            _, i, ok = line.split(" ")
            if 0 <= int(i) < len(outcomes):
                outcomes[int(i)] = ok == "1"
        elif line.startswith(f"{_MARK}-O "):
            _, i, value = line.split(" ", 2)
            if 0 <= int(i) < len(outputs):
                outputs[int(i)] = json.loads(value)
    return PythonRun(True, tuple(outcomes), tuple(outputs))
