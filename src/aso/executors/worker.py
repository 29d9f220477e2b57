"""Per-process state of a worker: the model it loaded (once per process, not once per task).

A worker process (a local pool process or a Ray actor) lives for the whole run, so a task that calls
`worker_model(name)` loads the model on its first item and reuses it for every later one.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_MODELS: dict[str, Any] = {}
_LOADS: dict[str, int] = {}


def worker_model(name: str | None) -> Any:  # an aso.models.Model
    """The model `name` names, loaded on the first call in this process and cached after."""
    key = name or ""
    model = _MODELS.get(key)
    if model is None:
        from aso.models import get_model

        model = get_model(name)
        _MODELS[key] = model
        _LOADS[key] = _LOADS.get(key, 0) + 1
    return model


def model_loads() -> dict[str, int]:
    """How many times this process loaded each model (1 each when the cache works)."""
    return dict(_LOADS)


def set_worker_threads(threads: int) -> None:
    """Limit torch's intra-op threads in a worker, so N workers on N cores do not oversubscribe them."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch = sys.modules.get("torch")  # read at torch's import; set directly only if already imported
    if torch is not None:
        torch.set_num_threads(threads)
