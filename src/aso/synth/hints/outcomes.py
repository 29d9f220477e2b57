"""Named outcomes of hint generation: validation tiers, per-tier verdicts, per-hole outcomes."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    """Validation tiers, cheapest first. `--validate T` runs `cheap` then `T` (except `none`)."""

    NONE = "none"
    CHEAP = "cheap"
    """Parses, derives from the hole's grammar and respects the style profile."""
    EXAMPLES = "examples"
    """Agrees with the `_ref.yaml` kernel's expression on sampled inputs (batched)."""
    FULL = "full"
    """Our synthesizer in hint-only mode verifies it (Z3, the spec's inductive scope)."""

    def tiers_to_run(self) -> tuple[Tier, ...]:
        """The tiers `--validate self` runs, in order."""
        if self is Tier.NONE:
            return ()
        if self is Tier.CHEAP:
            return (Tier.CHEAP,)
        return (Tier.CHEAP, self)


class Verdict(StrEnum):
    """The result of one tier on one candidate."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not run: an earlier tier failed, or the tier was not requested."""
    UNAVAILABLE = "unavailable"
    """Cannot run for this spec (e.g. `examples` without a `_ref.yaml`)."""


class HoleOutcome(StrEnum):
    """What hint generation achieved for one hole."""

    HINTED = "hinted"
    """A candidate passed the requested validation; it is in the hint file."""
    NO_VALID_HINT = "no_valid_hint"
    """Candidates were found but none passed validation."""
    NO_CANDIDATE = "no_candidate"
    """Nothing in the model's output parsed as a term."""
