"""Aggregation of candidate terms across samples, in the spec's order.

Rank, best first: passed `full` > passed `examples` > passed `cheap`; then higher frequency (the
number of samples that proposed the term: self-consistency); then lower complexity (AST nodes, not
string length); then earlier position (the smallest index at which a sample listed it, then the
earliest sample).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aso.synth.hints.outcomes import Tier, Verdict
from aso.synth.terms import ParseError, parse_sexpr, term_size


@dataclass
class Candidate:
    """One distinct term proposed for a hole, with where it came from and how it validated."""

    term: str
    """Canonical S-expression."""
    source: str
    """Model name that proposed it."""
    size: int
    """AST nodes (complexity)."""
    frequency: int = 0
    """Number of samples that proposed it."""
    position: int = 0
    """Smallest index at which any sample listed it (0 = a sample's first candidate)."""
    first_sample: int = 0
    """Index of the first sample that proposed it."""
    verdicts: dict[Tier, Verdict] = field(default_factory=dict)
    """Verdict per validation tier that was considered."""
    reasons: dict[Tier, str] = field(default_factory=dict)
    """Why a tier failed or was unavailable."""
    mismatch_rate: float | None = None
    """Fraction of sampled inputs where it disagrees with the reference (`examples` tier)."""

    def passed(self, tier: Tier) -> bool:
        """Whether `tier` ran on this candidate and passed."""
        return self.verdicts.get(tier) is Verdict.PASSED

    def valid_for(self, requested: Tier) -> bool:
        """Whether it passed every tier `--validate requested` runs (an unavailable tier does not block)."""
        return all(
            self.verdicts.get(t) in (Verdict.PASSED, Verdict.UNAVAILABLE) for t in requested.tiers_to_run()
        )

    def to_json(self) -> dict:
        """A JSON-ready record."""
        return {
            "term": self.term,
            "source": self.source,
            "size": self.size,
            "frequency": self.frequency,
            "position": self.position,
            "first_sample": self.first_sample,
            "verdicts": {t.value: v.value for t, v in self.verdicts.items()},
            "reasons": {t.value: r for t, r in self.reasons.items()},
            "mismatch_rate": self.mismatch_rate,
        }


def collect_candidates(samples: Sequence[Sequence[str]], source: str) -> list[Candidate]:
    """Merge per-sample term lists into distinct candidates with frequency and earliest position.

    Terms that do not parse are skipped here (extraction only yields parseable ones).
    """
    by_term: dict[str, Candidate] = {}
    for s, terms in enumerate(samples):
        for i, term in enumerate(dict.fromkeys(terms)):
            cand = by_term.get(term)
            if cand is None:
                try:
                    size = term_size(parse_sexpr(term))
                except ParseError:
                    continue
                cand = by_term[term] = Candidate(term, source, size, 0, i, s)
            cand.frequency += 1
            cand.position = min(cand.position, i)
    return list(by_term.values())


def rank_key(c: Candidate) -> tuple:
    """Sort key of the spec's aggregation order (smaller is better)."""
    return (
        not c.passed(Tier.FULL),
        not c.passed(Tier.EXAMPLES),
        not c.passed(Tier.CHEAP),
        -c.frequency,
        c.size,
        c.position,
        c.first_sample,
    )


def rank_candidates(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates best first (a stable sort: ties keep their input order)."""
    return sorted(candidates, key=rank_key)


def choose(ranked: Sequence[Candidate], requested: Tier) -> tuple[int, Candidate] | None:
    """The best-ranked candidate valid for `requested`, with its rank, or None."""
    for rank, cand in enumerate(ranked):
        if cand.valid_for(requested):
            return rank, cand
    return None
