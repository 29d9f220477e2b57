"""Hint generation for the holes of one spec with one model: prompt, sample, extract, validate, rank.

`HintGenerator(model, settings).generate(spec, holes)` sends one prompt per hole in a single batched
`model.sample` call (or grammar-constrained sampling for a local model), extracts candidate terms from
each completion, validates them at the requested tier and ranks them (`aggregate`). The first valid
candidate in the ranking is the hole's hint.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from aso.models import Model, SamplingParams
from aso.synth.hints.aggregate import Candidate, choose, collect_candidates, rank_candidates
from aso.synth.hints.extract import extract_terms
from aso.synth.hints.outcomes import HoleOutcome, Tier
from aso.synth.hints.prompting import grammar_operators, hint_prompt, hole_symbols
from aso.synth.hints.validate import Reference, ValidationSettings, validate_candidates
from aso.synth.spec import Hole, HoleSpec


@dataclass(frozen=True)
class GenerationSettings:
    """How hints are sampled and checked."""

    samples: int = 3
    """Completions sampled per hole (`--samples`)."""
    temperature: float = 0.7
    """Sampling temperature (`--temp`); 0 is greedy."""
    top_p: float = 1.0
    """Nucleus sampling mass."""
    max_tokens: int = 96
    """New tokens per completion at most."""
    candidates_per_sample: int = 3
    """Candidates each free-form completion is asked for."""
    validate: Tier = Tier.CHEAP
    """Validation tier (`--validate`)."""
    constrained: bool = False
    """Grammar-constrained decoding (local models only)."""
    seed: int = 0
    """Sampling seed (the hole's index is added so holes differ)."""
    validation: ValidationSettings = ValidationSettings()
    """Settings of the `examples` and `full` tiers."""
    aggregate: str = "spec"
    """`spec` (the spec's order: tiers, frequency, size, position) or `select` (`aso.select`: verdicts,
    then agreement of values on sampled inputs, then size; `selection.rank_by_selection`)."""


@dataclass
class HoleResult:
    """What one model produced for one hole."""

    hole_id: str
    """The hole."""
    model: str
    """Model name asked."""
    prompt: str
    """The user message sent."""
    outputs: list[str]
    """Raw completions."""
    candidates: list[Candidate]
    """Distinct candidates, ranked best first."""
    outcome: HoleOutcome
    """Hinted, no valid hint, or no candidate."""
    chosen: Candidate | None = None
    """The hint (first valid candidate in the ranking)."""
    rank: int | None = None
    """Its rank."""
    seconds: float = 0.0
    """Sampling time (seconds) for the batch this hole was in, divided by the number of holes."""
    extra: dict = field(default_factory=dict)
    """Measurements added later (synthesis times)."""

    def to_json(self) -> dict:
        """A JSON-ready record."""
        return {
            "hole_id": self.hole_id,
            "model": self.model,
            "prompt": self.prompt,
            "outputs": self.outputs,
            "candidates": [c.to_json() for c in self.candidates],
            "outcome": self.outcome.value,
            "chosen": None
            if self.chosen is None
            else {"term": self.chosen.term, "source": self.chosen.source},
            "rank": self.rank,
            "seconds": round(self.seconds, 3),
            **self.extra,
        }


class HintGenerator:
    """One model, one set of settings; `generate` produces a `HoleResult` per hole."""

    def __init__(self, model: Model, settings: GenerationSettings = GenerationSettings()) -> None:
        self.model = model
        self.settings = settings

    @property
    def name(self) -> str:
        """The model's name (the hint file's `source`)."""
        return self.model.info.name

    def _sample(self, spec: HoleSpec, holes: Sequence[Hole], prompts: list[str]) -> list[list[str]]:
        s = self.settings
        params = SamplingParams(
            n=s.samples, temperature=s.temperature, top_p=s.top_p, max_tokens=s.max_tokens, seed=s.seed
        )
        chats = [[{"role": "user", "content": p}] for p in prompts]
        if s.constrained:
            from aso.synth.hints.constrained import constrained_sample  # torch only when needed

            out = []
            for i, (hole, chat) in enumerate(zip(holes, chats, strict=True)):
                hole_params = replace(params, seed=s.seed + i)
                out.extend(constrained_sample(self.model, [chat], hole_params, spec.grammar(hole)))
        else:
            out = self.model.sample(chats, params)
        return [[c.text for c in comps] for comps in out]

    def generate(
        self, spec: HoleSpec, holes: Sequence[Hole], *, ref: Reference | None = None
    ) -> list[HoleResult]:
        """Hints for `holes` of `spec`; `ref` is the reference for the `examples` tier."""
        s = self.settings
        if not holes:
            return []
        prompts = [hint_prompt(spec, h, k=s.candidates_per_sample, constrained=s.constrained) for h in holes]
        start = time.perf_counter()
        outputs = self._sample(spec, holes, prompts)
        per_hole = (time.perf_counter() - start) / len(holes)
        results = []
        for hole, prompt, texts in zip(holes, prompts, outputs, strict=True):
            ops, syms = grammar_operators(spec, hole), hole_symbols(spec, hole)
            per_sample = [extract_terms(t, operators=ops, symbols=syms) for t in texts]
            candidates = collect_candidates(per_sample, self.name)
            validate_candidates(spec, hole, candidates, s.validate, ref=ref, settings=s.validation)
            if s.aggregate == "select":
                from aso.synth.hints.selection import rank_by_selection

                ranked = rank_by_selection(spec, hole, candidates, seed=s.validation.seed)
            else:
                ranked = rank_candidates(candidates)
            picked = choose(ranked, s.validate)
            if picked is not None:
                outcome, (rank, chosen) = HoleOutcome.HINTED, picked
            else:
                outcome = HoleOutcome.NO_VALID_HINT if ranked else HoleOutcome.NO_CANDIDATE
                rank, chosen = None, None
            results.append(
                HoleResult(hole.hole_id, self.name, prompt, texts, ranked, outcome, chosen, rank, per_hole)
            )
        return results
