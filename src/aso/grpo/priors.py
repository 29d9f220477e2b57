"""Priors: what optimisation learned, saved as one versioned, content-hashed JSON file.

File layout (`format: "aso-priors"`, `format_version: 1`)::

    {"format": "aso-priors", "format_version": 1,
     "experiences": [{id, text, provenance, usefulness}, ...],
     "experts":     [{id, experience_ids, successes, trials}, ...],   # one PoE context expert each
     "base":        {successes, trials},                              # the base model, no lessons
     "token_bias":  {vocab_size, token_ids, values} | null,           # exact sparse values
     "meta":        {model identity, config, seed, train task ids, ...},
     "solutions":   [{id, task_id, prompt, code, advantage, source, usefulness, retired}, ...],  # optional
     "content_hash": "sha256:<hex of the canonical JSON of every other field>"}

`load_priors` refuses a file whose hash does not match (it was edited or truncated). The token-bias
factors can also be exported as a tensor file (`aso.grpo.factor_files`), 1-bit via `aso.bitdelta`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aso.config_files import read_json
from aso.errors import ConfigError
from aso.grpo.library import Experience, ExperienceLibrary
from aso.grpo.token_bias import TokenBias
from aso.runs import atomic_write_text

FORMAT = "aso-priors"
FORMAT_VERSION = 1


@dataclass
class Reliability:
    """Successes over trials on the expert's own tasks; `q` is the Beta(a, b) posterior mean."""

    successes: int = 0
    trials: int = 0

    def q(self, a: float = 1.0, b: float = 1.0) -> float:
        """Posterior mean `(successes + a) / (trials + a + b)`."""
        return (self.successes + a) / (self.trials + a + b)


@dataclass
class ExpertSpec:
    """One prior-conditioned context expert: a group of lessons and its measured reliability."""

    id: str
    experience_ids: list[str]
    reliability: Reliability = field(default_factory=Reliability)


@dataclass
class Priors:
    """Experiences, context experts, the token-bias expert and where they came from."""

    experiences: list[Experience] = field(default_factory=list)
    experts: list[ExpertSpec] = field(default_factory=list)
    base: Reliability = field(default_factory=Reliability)
    token_bias: TokenBias | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    solutions: list[dict[str, Any]] = field(default_factory=list)
    """Verified solutions as plain JSON (`aso.grpo.solutions.SolutionLibrary.to_list`); optional."""

    @property
    def library(self) -> ExperienceLibrary:
        """The experiences as a library (a copy)."""
        return ExperienceLibrary.from_list(self.to_dict()["experiences"])

    def expert_text(self, expert: ExpertSpec) -> str:
        """The lessons of one expert, formatted for a prompt."""
        return self.library.format(expert.experience_ids)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (without the content hash)."""
        lib = ExperienceLibrary(self.experiences)
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "experiences": lib.to_list(),
            "experts": [
                {
                    "id": e.id,
                    "experience_ids": list(e.experience_ids),
                    "successes": e.reliability.successes,
                    "trials": e.reliability.trials,
                }
                for e in self.experts
            ],
            "base": {"successes": self.base.successes, "trials": self.base.trials},
            "token_bias": self.token_bias.to_dict() if self.token_bias else None,
            "meta": self.meta,
            # only when present, so files without solutions keep their exact earlier layout and hash
            **({"solutions": list(self.solutions)} if self.solutions else {}),
        }

    @property
    def content_hash(self) -> str:
        """`sha256:` of the canonical JSON of the content."""
        return content_hash(self.to_dict())

    def save(self, path: Path) -> str:
        """Write atomically; returns the content hash."""
        data = self.to_dict()
        data["content_hash"] = content_hash(data)
        atomic_write_text(Path(path), json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return data["content_hash"]

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> Priors:
        """Build from plain data; raises ConfigError naming the field that is wrong."""
        try:
            lib = ExperienceLibrary.from_list(data["experiences"])
            experts = [
                ExpertSpec(
                    e["id"], list(e["experience_ids"]), Reliability(int(e["successes"]), int(e["trials"]))
                )
                for e in data.get("experts", [])
            ]
            base = Reliability(**data.get("base", {}))
            bias = TokenBias.from_dict(data["token_bias"]) if data.get("token_bias") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: malformed priors field: {exc}") from None
        solutions = data.get("solutions", [])
        if not isinstance(solutions, list):
            raise ConfigError(f"{source}: malformed priors field: 'solutions' must be a list")
        return cls(list(lib), experts, base, bias, dict(data.get("meta", {})), list(solutions))


def content_hash(data: dict[str, Any]) -> str:
    """Hash of every field except `content_hash`, over canonical JSON."""
    body = {k: v for k, v in data.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def load_priors(path: Path | str) -> Priors:
    """Read a priors file, checking format, version and content hash (ConfigError on any mismatch)."""
    path = Path(path)
    data = read_json(path, "priors file")
    if data.get("format") != FORMAT:
        raise ConfigError(f"{path}: field 'format' is not {FORMAT!r}")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ConfigError(
            f"{path}: unsupported format_version {version!r} (this aso reads <= {FORMAT_VERSION})"
        )
    if data.get("content_hash") != content_hash(data):
        raise ConfigError(f"{path}: content_hash does not match the content (file altered or truncated)")
    return Priors.from_dict(data, str(path))
