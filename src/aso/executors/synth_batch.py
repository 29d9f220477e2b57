"""`process_specs_over`: `aso synth batch`'s per-spec work (`process_spec`) run by an executor's workers.

Each hole spec is one work item. A worker rebuilds the hint generators from the model names and their
settings (the model loads once per worker), writes the spec's files into the run directory itself (as
`process_spec` does in this process; with Ray on several machines the run directory must be on a shared
filesystem) and returns the spec's summary. The caller records each summary as the spec's `item_done`;
a spec whose worker died on every attempt is logged `item_failed` and left for `--resume`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from aso.executors.base import Executor
from aso.executors.items import WorkItem
from aso.executors.stream import stream_items
from aso.runs import Run

SPEC_TASK = "aso.executors.synth_batch:process_spec_task"


def process_spec_task(payload: dict[str, Any]) -> dict[str, Any]:
    """Executor task: `process_spec` for one spec, with generators built from the payload."""
    from aso.executors.worker import worker_model
    from aso.synth.hints.batch import SpecFiles, process_spec
    from aso.synth.hints.generator import HintGenerator

    small = HintGenerator(worker_model(payload["small"]), payload["small_settings"])
    large = None
    if payload.get("large"):
        large = HintGenerator(worker_model(payload["large"]), payload["large_settings"])
    files = SpecFiles(payload["name"], Path(payload["kernel"]), Path(payload["synth"]))
    feedback = Path(payload["feedback"]) if payload.get("feedback") else None
    return process_spec(
        files,
        Run(Path(payload["run"])),
        small,
        large,
        synth_timer=payload.get("synth_timer"),
        synth_timeout_s=float(payload["synth_timeout_s"]),
        feedback=feedback,
    )


def process_specs_over(
    executor: Executor,
    specs: Sequence[Any],  # aso.synth.hints.batch.SpecFiles
    run: Run,
    small: Any,  # HintGenerator
    large: Any = None,
    *,
    synth_timer: Any = None,
    synth_timeout_s: float = 30.0,
    feedback: Path | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (spec name, summary) as each spec finishes on a worker; failed specs are logged, not yielded.

    The generators travel as model names plus their (frozen, picklable) settings; `synth_timer` must be a
    module-level function (it is sent by reference).
    """
    items = []
    for files in specs:
        payload = {
            "name": files.name,
            "kernel": str(files.kernel),
            "synth": str(files.synth),
            "run": str(run.path),
            "small": small.model.info.name,
            "small_settings": small.settings,
            "large": large.model.info.name if large is not None else None,
            "large_settings": large.settings if large is not None else None,
            "synth_timer": synth_timer,
            "synth_timeout_s": synth_timeout_s,
            "feedback": str(feedback) if feedback else None,
        }
        items.append(WorkItem(files.name, payload))
    for result in stream_items(executor, SPEC_TASK, items):
        if result.ok:
            yield result.key, result.value
        else:
            run.log("item_failed", key=result.key, **result.event_fields())
