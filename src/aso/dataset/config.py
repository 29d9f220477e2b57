"""The resolved configuration of one `aso dataset run` (stored as the run's config.json)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aso.errors import ConfigError

MODES = ("reward", "map-elites", "prior")
DEFAULT_GRID = {"reward": "A1", "map-elites": "E2", "prior": "F1"}


class DatasetConfig(BaseModel):
    """Everything that determines a dataset run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: str
    """`reward` (Candidate A), `map-elites` (E) or `prior` (F)."""
    language: str = "python"
    """`python`, `kcl` or `lark:GRAMMAR.lark` (`lark:avap` is shipped)."""
    budget: int = Field(60, gt=0)
    """Number of generations (model completions)."""
    grid: str = ""
    """Hyperparameter row: A1-A4, E1-E4 or F1-F4 (empty = the mode's baseline A1/E2/F1)."""
    model: str = "smollm2"
    """Model name for `aso.models.get_model`."""
    seed: int = 0
    """Seed of cell selection and sampling."""
    batch_size: int = Field(8, gt=0)
    """Prompts sent to `model.sample` at once (one iteration)."""
    max_tokens: int = Field(160, gt=0)
    """New tokens per completion."""
    temperature: float = Field(0.8, ge=0)
    """Sampling temperature."""
    vocabulary_file: str = ""
    """YAML list restricting the adapter's vocabulary (empty = adapter default)."""
    index_all_cells: bool = False
    """MAP-Elites: also offer each example to every other cell it satisfies (ADR open question 2)."""
    prior_sources: tuple[str, ...] = ()
    """`DIR=WEIGHT` code directories for the ConstructPrior (empty = stdlib groups)."""
    prior_max_files: int = 80
    """Python files read per prior source at most."""
    construct_map: str = ""
    """Path of construct_map.yaml (empty = the shipped one)."""
    construct_map_sha256: str = ""
    """Hash of the construct map when the run started (filled in by the loop)."""
    execute: bool = True
    """Run Stage 2 (execution in the sandbox); off only for quick experiments."""
    retrieval: bool = True
    """Evaluate retrieval (BM25 + MiniLM) on the held-out queries when the run finishes."""
    judge: str = ""
    """Optional LLM judge model name for RAGAS-style metrics (e.g. openai:URL#MODEL)."""

    @field_validator("mode")
    @classmethod
    def _mode(cls, value: str) -> str:
        if value not in MODES:
            raise ConfigError(f"--mode {value!r}: use reward, map-elites or prior")
        return value

    @property
    def grid_name(self) -> str:
        """The grid row in effect."""
        return self.grid or DEFAULT_GRID[self.mode]
