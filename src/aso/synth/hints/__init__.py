"""Neural-guided synthesis hints: LLM-proposed terms for the holes of ESSO hole specs.

Index (one job per module):
- `prompting`: grammar-aware prompts from the templates in `prompts/`.
- `extract`: candidate S-expressions out of messy output (fences, prose, JSON lists, infix).
- `term_prefix`, `constrained`: the grammar as a token mask (a `transformers` logits processor).
- `validate`: the tiers `none` / `cheap` / `examples` / `full`.
- `aggregate`: ranking across samples (validity, frequency, AST size, position).
- `generator`: one model's hints for the holes of a spec; `cascade`: two-stage small -> large.
- `hintfile`: the `esso-llm-hints/v1` file; `feedback`: rejected hints (JSONL) and model quality.
- `batch`: every spec of a directory, resumable; `synth_timing`: synthesis time without/with hints;
  `report`: the table and plot of a batch run.
"""

from aso.synth.hints.aggregate import Candidate, choose, collect_candidates, rank_candidates, rank_key
from aso.synth.hints.batch import SpecFiles, discover_specs, process_spec, run_batch
from aso.synth.hints.cascade import SpecHints, spec_hints
from aso.synth.hints.extract import extract_terms, infix_to_sexpr
from aso.synth.hints.feedback import FeedbackLog, ModelQuality, quality_scores
from aso.synth.hints.generator import GenerationSettings, HintGenerator, HoleResult
from aso.synth.hints.hintfile import (
    SCHEMA,
    HintFile,
    HoleHint,
    load_hint_file,
    validate_hint_document,
    write_hint_file,
)
from aso.synth.hints.outcomes import HoleOutcome, Tier, Verdict
from aso.synth.hints.validate import ValidationSettings, validate_candidates

__all__ = [
    "SCHEMA",
    "Candidate",
    "FeedbackLog",
    "GenerationSettings",
    "HintFile",
    "HintGenerator",
    "HoleHint",
    "HoleOutcome",
    "HoleResult",
    "ModelQuality",
    "SpecFiles",
    "SpecHints",
    "Tier",
    "ValidationSettings",
    "Verdict",
    "choose",
    "collect_candidates",
    "discover_specs",
    "extract_terms",
    "infix_to_sexpr",
    "load_hint_file",
    "process_spec",
    "quality_scores",
    "rank_candidates",
    "rank_key",
    "run_batch",
    "spec_hints",
    "validate_candidates",
    "validate_hint_document",
    "write_hint_file",
]
