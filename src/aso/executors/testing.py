"""Scripted tasks for the executors' tests and benchmarks (no model, deterministic, importable by workers).

- `seeded_draws`: `{"seed": S, "n": N}` -> N numbers drawn by `random.Random(S)`, plus the worker
- `die_once`: kills its own process (SIGKILL) the first time it sees `marker` missing; answers after
- `wait_to_be_killed`: writes its pid to `pidfile` and sleeps the first time, so a test kills it
- `always_die`: kills its own process every time
- `record_and_echo`: appends the item's key to `log` (one line per execution), returns the payload
- `model_probe`: loads `model` through the worker cache; returns the pid and this process's load count
- `fail`: raises (an item error, not a worker death)
- `CountingModel`, `ProgramModel`, `DexHintModel`, `SeededModel`, `CalcFixModel`: scripted models loadable
  by name in any worker process
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

from aso.executors.worker import model_loads, worker_model
from aso.models import ScriptedModel


def seeded_draws(payload: dict[str, Any]) -> dict[str, Any]:
    """Deterministic numbers from the payload's seed."""
    rng = random.Random(int(payload["seed"]))
    return {"draws": [rng.random() for _ in range(int(payload.get("n", 4)))]}


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_once(payload: dict[str, Any]) -> dict[str, Any]:
    """The first attempt kills its worker mid-task; a retry (marker present) returns the seed's draws."""
    marker = Path(payload["marker"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        _kill_self()
    return seeded_draws(payload)


def wait_to_be_killed(payload: dict[str, Any]) -> dict[str, Any]:
    """First attempt: write this pid to `pidfile` and sleep (someone kills it); later attempts answer."""
    pidfile = Path(payload["pidfile"])
    if not pidfile.exists():
        pidfile.write_text(str(os.getpid()))
        time.sleep(float(payload.get("sleep_s", 60)))
    return seeded_draws(payload)


def always_die(payload: dict[str, Any]) -> dict[str, Any]:
    """Kill the worker on every attempt."""
    _kill_self()
    return {}  # never reached


def record_and_echo(payload: dict[str, Any]) -> dict[str, Any]:
    """Append `payload["key"]` to the file `payload["log"]` (one line per execution) and echo the payload."""
    with open(payload["log"], "a", encoding="utf-8") as fh:
        fh.write(f"{payload['key']}\n")
    return dict(payload)


def model_probe(payload: dict[str, Any]) -> dict[str, Any]:
    """Load `payload["model"]` through the worker cache; report which process and how many loads."""
    worker_model(payload["model"])
    return {"pid": os.getpid(), "loads": model_loads().get(payload["model"], 0)}


def loads_by_worker(results: dict[str, Any]) -> dict[int, list[int]]:
    """pid -> the load counts `model_probe` items reported from that process (all 1: loaded once)."""
    by_pid: dict[int, list[int]] = {}
    for r in results.values():
        by_pid.setdefault(r.value["pid"], []).append(r.value["loads"])
    return by_pid


def fail(payload: dict[str, Any]) -> dict[str, Any]:
    """Raise: the item fails, the worker lives."""
    raise ValueError(f"scripted failure for {payload.get('key', '?')}")


class CountingModel(ScriptedModel):
    """Echoes each prompt's length. By name: `aso.executors.testing:CountingModel`."""

    def __init__(self) -> None:
        super().__init__(respond=lambda text, i: f"echo {len(text)}", name=f"{__name__}:CountingModel")


class ProgramModel(ScriptedModel):
    """Answers each prompt with a small valid Python program made from the prompt's text alone (the same
    in every process, whatever the batch). By name: `aso.executors.testing:ProgramModel`."""

    def __init__(self) -> None:
        super().__init__(respond=_program_for, name=f"{__name__}:ProgramModel")


def _program_for(text: str, i: int) -> str:
    h = int(hashlib.sha256(text.encode()).hexdigest()[:6], 16) % 997
    return f"```python\ndef f{h}(x):\n    return x + {h}\n\nassert f{h}(1) == {h + 1}\n```"


DEX_HINTS = {
    "swap_fee_calculator_hole": "```\n(safe_div (* amount_in fee_bps) 10000)\n(+ amount_in 1)\n```",
    "fee_accumulator_simple_hole": "accumulated + fee_amount",
}


class DexHintModel(ScriptedModel):
    """Answers a hint prompt for two DEX kernels with fixed terms, anything else with "no idea".
    By name (its `info.name`): `aso.executors.testing:DexHintModel`."""

    def __init__(self) -> None:
        super().__init__(respond=_dex_hint, name=f"{__name__}:DexHintModel")


def _dex_hint(text: str, i: int) -> str:
    return next((a for name, a in DEX_HINTS.items() if f"Kernel `{name}`" in text), "no idea")


class SeededModel(ScriptedModel):
    """Answers `PROMPT-HASH seed S row R` with the call's seed and the prompt's row in the call, so a test
    sees how a batch was cut and seeded. By name: `aso.executors.testing:SeededModel`."""

    def __init__(self) -> None:
        super().__init__(outputs=["unused"], name=f"{__name__}:SeededModel")

    def sample(self, prompts, params):  # noqa: ANN001, ANN201 - the Model protocol
        """One line per completion naming the prompt, the seed and the row."""
        from aso.models import Completion, prompt_text

        return [
            [
                Completion(
                    f"{hashlib.sha256(prompt_text(p).encode()).hexdigest()[:8]} seed {params.seed} row {r}"
                )
                for _ in range(params.n)
            ]
            for r, p in enumerate(prompts)
        ]


CALC_REPRO = "```python\nfrom calc import add\n\n\ndef test_reproduction():\n    assert add(1, 1) == 2\n```\n"
CALC_FIX = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
LOADS_ENV = "ASO_TEST_MODEL_LOADS"


class CalcFixModel(ScriptedModel):
    """Solves the throw-away `acme/calc` SWE-bench instance of the tests (a reproduction test when asked
    for one, the fix as a SEARCH/REPLACE edit, `[]` otherwise). Each construction appends this process's
    pid to the file `$ASO_TEST_MODEL_LOADS` names, if set. By name: `aso.executors.testing:CalcFixModel`."""

    def __init__(self) -> None:
        super().__init__(respond=_calc_answer, name=f"{__name__}:CalcFixModel")
        if os.environ.get(LOADS_ENV):
            with open(os.environ[LOADS_ENV], "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")


def _calc_answer(text: str, i: int) -> str:
    if "reproduce" in text:
        return CALC_REPRO
    return CALC_FIX if "SEARCH/REPLACE" in text else "[]"
