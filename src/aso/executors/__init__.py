"""Executors: fan work items out to worker processes on this machine or on a Ray cluster.

Index:
- `items`: `WorkItem` (key + JSON payload), `ItemResult`, `ItemStatus`; tasks named `module:function`
- `base`: the `Executor` interface (`map_unordered`, `close`); bounded retries of dying workers
- `local`: `LocalExecutor` (spawned processes; one worker = this process)
- `ray_executor`: `RayExecutor` (one actor per worker; `auto`, `HOST:PORT` or a private local instance)
- `stream`: `stream_items` / `run_items` write each result into the run directory as it finishes
- `worker`: per-process state (`worker_model`: the model loads once per worker)
- `tasks`: the tasks aso fans out (model sampling, sandboxed HumanEval tests)
- `sampling`, `evaluation`, `synth_batch`, `swe`: the fan-out of `optimize`/`dataset run` sampling,
  `eval humaneval`, `synth batch` and `swe evaluate|bench` (one SWE-bench instance per item)
- `testing`: scripted tasks for tests (seeded draws, a worker that dies)

Not handled: scheduling across heterogeneous resources (Ray does that), shipping code to a cluster
(install aso on each node), serving models (use vLLM or `aso serve` and an `openai:` model name).
"""

from aso.executors.base import DEFAULT_MAX_ATTEMPTS, Executor
from aso.executors.items import ItemResult, ItemStatus, WorkItem
from aso.executors.local import LocalExecutor
from aso.executors.ray_executor import RayExecutor
from aso.executors.stream import run_items, stream_items

EXECUTORS = ("local", "ray")


def get_executor(
    name: str = "local",
    workers: int = 1,
    *,
    ray_address: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> Executor:
    """The executor `name` names (`local` or `ray`) with `workers` workers."""
    from aso.errors import ConfigError

    if workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {workers}")
    if name == "local":
        if ray_address:
            raise ConfigError("--ray-address needs --executor ray")
        return LocalExecutor(workers, max_attempts)
    if name == "ray":
        return RayExecutor(workers, ray_address, max_attempts)
    raise ConfigError(f"--executor {name!r}: expected one of {', '.join(EXECUTORS)}")


__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "EXECUTORS",
    "Executor",
    "ItemResult",
    "ItemStatus",
    "LocalExecutor",
    "RayExecutor",
    "WorkItem",
    "get_executor",
    "run_items",
    "stream_items",
]
