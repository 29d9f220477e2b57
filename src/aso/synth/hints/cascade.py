"""Hints for a whole spec, optionally two-stage: a small model first, a large one only where it failed.

`spec_hints(spec, small, large=None)` asks `small` about every hole; when `large` is given, the holes
whose outcome is not `HINTED` go to `large` (and only those). The result keeps every stage's
`HoleResult` so a report can show who proposed what, and builds the `esso-llm-hints/v1` file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aso.synth.hashing import model_hash, synth_hash
from aso.synth.hints.feedback import FeedbackLog
from aso.synth.hints.generator import HintGenerator, HoleResult
from aso.synth.hints.hintfile import HintFile, HoleHint
from aso.synth.hints.outcomes import HoleOutcome
from aso.synth.hints.validate import Reference
from aso.synth.spec import HoleSpec


@dataclass
class SpecHints:
    """Hint generation for one spec: per hole, the attempts in stage order."""

    spec_name: str
    """Display name (the kernel file's stem)."""
    model_hash: str
    """Hash of the kernel, the ESSO "model" (engine's `hashing.model_hash`)."""
    synth_hash: str
    """Hash of the hole file (engine's `hashing.synth_hash`)."""
    attempts: dict[str, list[HoleResult]] = field(default_factory=dict)
    """Hole id -> results, stage 1 first."""

    def final(self, hole_id: str) -> HoleResult:
        """The attempt that decides the hole: the hinted one, else the last."""
        tries = self.attempts[hole_id]
        return next((r for r in tries if r.outcome is HoleOutcome.HINTED), tries[-1])

    @property
    def hinted(self) -> list[str]:
        """Hole ids with a hint."""
        return [h for h in self.attempts if self.final(h).outcome is HoleOutcome.HINTED]

    @property
    def missing(self) -> list[str]:
        """Hole ids without a hint."""
        return [h for h in self.attempts if self.final(h).outcome is not HoleOutcome.HINTED]

    def record_feedback(self, log: FeedbackLog) -> int:
        """Append every candidate of every attempt that did not become its hole's hint; return the count."""
        written = 0
        for hid, attempts in self.attempts.items():
            chosen = self.final(hid).chosen
            for a in attempts:
                written += log.record(
                    spec=self.spec_name,
                    synth_hash=self.synth_hash,
                    hole_id=hid,
                    prompt=a.prompt,
                    candidates=a.candidates,
                    chosen=chosen.term if chosen else None,
                )
        return written

    def hint_file(self) -> HintFile:
        """The `esso-llm-hints/v1` document for the hinted holes (`source` names the model per hole)."""
        holes: dict[str, HoleHint] = {}
        for hid in self.hinted:
            r = self.final(hid)
            assert r.chosen is not None and r.rank is not None
            holes[hid] = HoleHint(r.chosen.term, r.chosen.source, r.rank)
        return HintFile(self.model_hash, self.synth_hash, holes)


def spec_hints(
    spec: HoleSpec,
    small: HintGenerator,
    large: HintGenerator | None = None,
    *,
    ref: Reference | None = None,
    spec_name: str | None = None,
) -> SpecHints:
    """Hints for every hole of `spec`: `small` first; `large` (if given) only for holes `small` missed."""
    name = spec_name or Path(spec.kernel.path).stem
    out = SpecHints(name, model_hash(spec.kernel), synth_hash(spec))
    for result in small.generate(spec, spec.holes, ref=ref):
        out.attempts[result.hole_id] = [result]
    if large is not None:
        missed = [h for h in spec.holes if out.attempts[h.hole_id][0].outcome is not HoleOutcome.HINTED]
        if missed:
            for result in large.generate(spec, missed, ref=ref):
                out.attempts[result.hole_id].append(result)
    return out
