"""The selector: rank candidates by (a) tests passed, (b) output agreement, (c) mean logprob, (d) length.

Every candidate is a `Scored`: the outcomes of the visible tests (True = passed), optionally the outcomes
of weaker generated tests, its outputs on a set of inputs shared by all candidates (a `signature`, one
string per input, `None` where it raised), its mean token log-probability and its length.

(b) is MBR-exec's agreement: for each shared input, the number of OTHER candidates that produced the
same output, summed over inputs (a candidate that agrees with many others on many inputs is more likely
right). With tests, it also carries CodeT's dual agreement: candidates that pass the same tests and agree
on outputs form a consensus set, and the tie-break among equal test scores is the size of that set.
Ranking key, highest first: (public tests passed, generated tests passed, agreement, mean logprob,
-length, -index). The key never reads anything but what is in `Scored`: hidden tests cannot enter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scored:
    """What the selector knows of one candidate."""

    tests: tuple[bool, ...] = ()
    """Outcomes of the visible (public) tests."""
    generated_tests: tuple[bool, ...] = ()
    """Outcomes of tests a model wrote (the weaker source; ranked after the public tests)."""
    signature: tuple[str | None, ...] = ()
    """Output on each shared input (`None`: raised or did not run)."""
    mean_logprob: float = 0.0
    """Mean token log-probability under the model (0 when unknown)."""
    length: int = 0
    """Size of the candidate (characters of code, or nodes of a term)."""


@dataclass(frozen=True)
class Choice:
    """The selected candidate and why."""

    index: int
    """Position of the chosen candidate in the input."""
    order: tuple[int, ...]
    """All candidates, best first."""
    keys: tuple[tuple[float, ...], ...] = field(default=())
    """The ranking key of each candidate (input order)."""


def agreement_scores(signatures: Sequence[Sequence[str | None]]) -> list[int]:
    """For each candidate, sum over inputs of how many other candidates gave the same (non-None) output."""
    if not signatures:
        return []
    width = max((len(s) for s in signatures), default=0)
    scores = [0] * len(signatures)
    for k in range(width):
        column = [s[k] if k < len(s) else None for s in signatures]
        counts = Counter(v for v in column if v is not None)
        for i, v in enumerate(column):
            if v is not None:
                scores[i] += counts[v] - 1
    return scores


def select(candidates: Sequence[Scored]) -> Choice:
    """Rank the candidates (module doc) and return the best; raises ValueError for none."""
    if not candidates:
        raise ValueError("select: no candidates")
    agreement = agreement_scores([c.signature for c in candidates])
    keys = tuple(
        (
            float(sum(c.tests)),
            float(sum(c.generated_tests)),
            float(agreement[i]),
            float(c.mean_logprob),
            -float(c.length),
            -float(i),
        )
        for i, c in enumerate(candidates)
    )
    order = tuple(sorted(range(len(candidates)), key=lambda i: keys[i], reverse=True))
    return Choice(order[0], order, keys)
