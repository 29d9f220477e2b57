"""Batch hint generation over every hole spec in a directory, resumable per spec through `aso.runs`.

A spec is a `NAME.synth.json` with its kernel `NAME.yaml` beside it (and `PREFIX_ref.yaml` when there
is one). Per spec the run directory gets::

    hints/NAME.llm_hints.json     the esso-llm-hints/v1 file (only when at least one hole is hinted)
    results/NAME.json             per hole: attempts (model, prompt, outputs, ranked candidates with
                                  verdicts), chosen hint, synthesis times with and without it
    feedback.jsonl                every candidate that did not become the hint, with why

and an `item_done` event keyed by NAME, so `--resume` skips it. At the end `quality.json` holds the
per-model hint quality and `summary.json` which specs got hints and which could not (with reasons).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.progress import track

from aso.errors import ConfigError
from aso.executors.base import Executor
from aso.executors.sampling import runs_in_process
from aso.runs import Run
from aso.synth.hints.cascade import SpecHints, spec_hints
from aso.synth.hints.feedback import FeedbackLog, quality_scores
from aso.synth.hints.generator import HintGenerator
from aso.synth.hints.hintfile import write_hint_file
from aso.synth.hints.validate import load_reference
from aso.synth.spec import HoleSpec, load_hole_spec

# (spec, hint file or None, timeout seconds) -> {hole_id: {"seconds", "programs", "solved", ...}}
SynthTimer = Callable[[HoleSpec, Path | None, float], dict[str, dict]]


@dataclass(frozen=True)
class SpecFiles:
    """One hole spec found in a directory."""

    name: str
    """`NAME` of `NAME.synth.json`."""
    kernel: Path
    """`NAME.yaml`."""
    synth: Path
    """`NAME.synth.json`."""


def discover_specs(directory: Path) -> list[SpecFiles]:
    """Every `NAME.synth.json` in `directory` (sorted), paired with `NAME.yaml`."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: not a directory of hole specs")
    specs = [
        SpecFiles(
            p.name.removesuffix(".synth.json"), p.with_name(p.name.removesuffix(".synth.json") + ".yaml"), p
        )
        for p in sorted(directory.glob("*.synth.json"))
    ]
    if not specs:
        raise ConfigError(f"{directory}: no *.synth.json hole specs found")
    return specs


def _hole_records(hints: SpecHints, timings: dict[str, dict], baseline: dict[str, dict]) -> list[dict]:
    records = []
    for hid, attempts in hints.attempts.items():
        final = hints.final(hid)
        records.append(
            {
                "hole_id": hid,
                "models": [a.model for a in attempts],
                "attempts": [a.to_json() for a in attempts],
                "candidates": [c.to_json() for a in attempts for c in a.candidates],
                "outcome": final.outcome.value,
                "chosen": None
                if final.chosen is None
                else {"term": final.chosen.term, "source": final.chosen.source, "rank": final.rank},
                "synth_without": baseline.get(hid),
                "synth_with": timings.get(hid) if final.chosen is not None else None,
                "synth_time_without": (baseline.get(hid) or {}).get("seconds"),
                "synth_time_with": (timings.get(hid) or {}).get("seconds")
                if final.chosen is not None
                else None,
            }
        )
    return records


def process_spec(
    files: SpecFiles,
    run: Run,
    small: HintGenerator,
    large: HintGenerator | None,
    *,
    synth_timer: SynthTimer | None = None,
    synth_timeout_s: float = 30.0,
    feedback: Path | None = None,
) -> dict:
    """Hints (and optional synthesis timings) for one spec; writes its files and returns its summary.

    Rejected hints go to the run's `feedback.jsonl` and, if `feedback` is given, also to that dataset.
    """
    if not files.kernel.is_file():
        return {"status": "cannot", "reason": f"kernel file {files.kernel.name} missing"}
    try:
        spec = load_hole_spec(files.kernel, files.synth)
    except ConfigError as exc:
        return {"status": "cannot", "reason": f"spec does not load: {exc}"}
    ref = load_reference(files.kernel)
    hints = spec_hints(spec, small, large, ref=ref, spec_name=files.name)
    hint_path = None
    if hints.hinted:
        hint_path = write_hint_file(run.path / "hints" / f"{files.name}.llm_hints.json", hints.hint_file())
    timings: dict[str, dict] = {}
    baseline: dict[str, dict] = {}
    synth_error = None
    if synth_timer is not None:
        try:
            baseline = synth_timer(spec, None, synth_timeout_s)
            if hint_path is not None:
                timings = synth_timer(spec, hint_path, synth_timeout_s)
        except ConfigError as exc:  # e.g. a hole form the engine does not support
            synth_error = str(exc)
    records = _hole_records(hints, timings, baseline)
    run.write_json(
        f"results/{files.name}.json",
        {
            "spec": files.name,
            "kernel": str(files.kernel),
            "synth": str(files.synth),
            "synth_hash": hints.synth_hash,
            "ref": str(ref.path) if ref.path else None,
            "ref_note": ref.note,
            "synth_error": synth_error,
            "holes": records,
        },
    )
    for path in (run.path / "feedback.jsonl", feedback):
        if path is not None:
            hints.record_feedback(FeedbackLog(path))
    status = "hinted" if not hints.missing else ("partial" if hints.hinted else "no_hint")
    return {
        "status": status,
        "hinted": hints.hinted,
        "missing": hints.missing,
        "hint_file": str(hint_path) if hint_path else None,
    }


def run_batch(
    specs: list[SpecFiles],
    run: Run,
    small: HintGenerator,
    large: HintGenerator | None = None,
    *,
    synth_timer: SynthTimer | None = None,
    synth_timeout_s: float = 30.0,
    progress: bool = True,
    feedback: Path | None = None,
    executor: Executor | None = None,
) -> dict:
    """Process every spec not already done in `run`; write `quality.json` and `summary.json`.

    With an `executor` whose workers are other processes, each spec is one work item
    (`aso.executors.synth_batch`: the workers load the models by name and write the spec's files).
    """
    done = run.done_items()
    todo = [s for s in specs if s.name not in done]
    if runs_in_process(executor):
        items = track(todo, description="hints") if progress and todo else todo
        for files in items:
            result = process_spec(
                files,
                run,
                small,
                large,
                synth_timer=synth_timer,
                synth_timeout_s=synth_timeout_s,
                feedback=feedback,
            )
            run.mark_done(files.name, **result)
    else:
        from aso.executors.synth_batch import process_specs_over

        finished = process_specs_over(
            executor, todo, run, small, large, synth_timer=synth_timer, synth_timeout_s=synth_timeout_s,
            feedback=feedback,
        )
        for name, result in track(finished, total=len(todo), description="hints", disable=not progress):
            run.mark_done(name, **result)
    summary = run.done_rows()
    holes = []
    for path in sorted((run.path / "results").glob("*.json")):
        holes.extend(json.loads(path.read_text(encoding="utf-8"))["holes"])
    run.write_json("quality.json", {m: q.to_json() for m, q in quality_scores(holes).items()})
    run.write_json("summary.json", summary)
    run.finish(specs=len(summary), hinted=sum(1 for s in summary.values() if s["status"] == "hinted"))
    return summary
