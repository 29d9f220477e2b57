"""Synthesis time and programs enumerated for a spec, without and with a hint file.

Adapter over the engine's `aso.synth.synthesizer.synthesize` (full mode), with reference equivalence
when the spec has a readable `_ref.yaml` (so a trivial filling of a weak spec does not count as solved). "With
hints" passes each hole's hint term from the hint file; the engine checks it first and seeds its
enumeration with its sub-terms. The timeout is per spec, as the engine splits it across holes.
"""

from __future__ import annotations

from pathlib import Path

from aso.synth.hints.hintfile import load_hint_file
from aso.synth.hints.validate import load_reference
from aso.synth.spec import HoleSpec
from aso.synth.synthesizer import synthesize


def time_synthesis(
    spec: HoleSpec, hint_file: Path | None, timeout_s: float, seed: int = 0
) -> dict[str, dict]:
    """Per hole: `{"status", "seconds", "programs", "solution", "hint_helped"}` from one synthesis run."""
    ref = load_reference(spec.kernel.path).kernel
    hints = load_hint_file(hint_file).holes if hint_file is not None else {}
    result = synthesize(
        spec, hints={h: [hint.term] for h, hint in hints.items()}, timeout=timeout_s, ref=ref, seed=seed
    )
    return {
        h.hole_id: {
            "status": h.status.value,
            "seconds": round(h.seconds, 4),
            "programs": h.programs_enumerated,
            "solution": h.solution,
            "hint_helped": any(c.helped for c in h.hints) if h.hole_id in hints else None,
        }
        for h in result.holes
    }


def synthesis_timer():  # noqa: ANN201 - returns a batch.SynthTimer
    """The timer `batch.run_batch` calls (one function so the CLI does not import the engine eagerly)."""
    return time_synthesis
