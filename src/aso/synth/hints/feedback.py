"""Feedback: failed or rejected hints as a JSONL dataset, and a per-model hint quality score.

Each line of the feedback file is one rejected candidate::

    {"spec": "fee_calculator_hole", "synth_hash": "sha256:...", "hole_id": "fee_calc_expr",
     "model": "smollm2", "prompt": "...", "term": "(+ fee_amount 1)",
     "tier": "cheap", "reason": "does not derive from grammar G_fee"}

A candidate that passed its tiers but lost the ranking is recorded too (tier `ranking`), so the file
holds every proposal that did not become the hint. Appends are line-atomic (one write per line).

The quality score of a model is its validity rate per tier (passed / checked) over every candidate it
proposed, its hinted-hole rate, and the synthesis speed-up its hints gave (time without hints / time
with hints, geometric mean over the holes where both were measured).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aso.synth.hints.aggregate import Candidate
from aso.synth.hints.outcomes import Verdict

RANKING = "ranking"


class FeedbackLog:
    """Append-only JSONL file of rejected hints."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def record(
        self,
        *,
        spec: str,
        synth_hash: str,
        hole_id: str,
        prompt: str,
        candidates: Iterable[Candidate],
        chosen: str | None,
    ) -> int:
        """Append one line per candidate that is not `chosen`; return how many were written."""
        lines = []
        for cand in candidates:
            if cand.term == chosen:
                continue
            failed = [t for t, v in cand.verdicts.items() if v is Verdict.FAILED]
            tier = failed[0].value if failed else RANKING
            reason = cand.reasons.get(failed[0], "") if failed else "valid but ranked below the chosen hint"
            lines.append(
                json.dumps(
                    {
                        "spec": spec,
                        "synth_hash": synth_hash,
                        "hole_id": hole_id,
                        "model": cand.source,
                        "prompt": prompt,
                        "term": cand.term,
                        "tier": tier,
                        "reason": reason,
                    },
                    ensure_ascii=False,
                    sort_keys=True,
                )
            )
        if lines:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write("".join(line + "\n" for line in lines))
                fh.flush()
                os.fsync(fh.fileno())
        return len(lines)

    def read(self) -> list[dict]:
        """All records (a torn last line is skipped)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


@dataclass
class ModelQuality:
    """Hint quality of one model over a batch."""

    model: str
    """Model name."""
    candidates: int = 0
    """Distinct candidates proposed (over all holes)."""
    checked: dict[str, int] = field(default_factory=dict)
    """Per tier: candidates on which the tier ran."""
    passed: dict[str, int] = field(default_factory=dict)
    """Per tier: candidates that passed it."""
    holes: int = 0
    """Holes the model was asked about."""
    hinted: int = 0
    """Holes where its hint was chosen."""
    speedups: list[float] = field(default_factory=list)
    """Synthesis time without / with its hint, per hole where both were measured."""

    def validity(self) -> dict[str, float]:
        """Validity rate per tier (passed / checked)."""
        return {t: self.passed.get(t, 0) / n for t, n in self.checked.items() if n}

    def speedup(self) -> float | None:
        """Geometric mean speed-up, or None when nothing was measured."""
        good = [s for s in self.speedups if s > 0]
        return math.exp(sum(map(math.log, good)) / len(good)) if good else None

    def to_json(self) -> dict:
        """A JSON-ready summary."""
        return {
            "model": self.model,
            "candidates": self.candidates,
            "validity": {t: round(r, 4) for t, r in self.validity().items()},
            "checked": self.checked,
            "holes": self.holes,
            "hinted": self.hinted,
            "hinted_rate": round(self.hinted / self.holes, 4) if self.holes else None,
            "speedup_geomean": self.speedup(),
        }


def quality_scores(holes: Iterable[dict]) -> dict[str, ModelQuality]:
    """Per-model quality from hole records (the `holes` entries batch writes per spec).

    A hole record has `models` (names asked), `candidates` (`Candidate.to_json` dicts), `chosen`
    (`{"term", "source"}` or None) and optionally `synth_time_without` / `synth_time_with` seconds.
    """
    scores: dict[str, ModelQuality] = {}
    for hole in holes:
        for name in hole.get("models", []):
            scores.setdefault(name, ModelQuality(name)).holes += 1
        for cand in hole.get("candidates", []):
            q = scores.setdefault(cand["source"], ModelQuality(cand["source"]))
            q.candidates += 1
            for tier, verdict in cand.get("verdicts", {}).items():
                if verdict in (Verdict.PASSED.value, Verdict.FAILED.value):
                    q.checked[tier] = q.checked.get(tier, 0) + 1
                    q.passed[tier] = q.passed.get(tier, 0) + (verdict == Verdict.PASSED.value)
        chosen = hole.get("chosen")
        if chosen:
            q = scores.setdefault(chosen["source"], ModelQuality(chosen["source"]))
            q.hinted += 1
            without, with_ = hole.get("synth_time_without"), hole.get("synth_time_with")
            if without and with_:
                q.speedups.append(without / with_)
    return scores
