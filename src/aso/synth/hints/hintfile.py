"""Hint files in the `esso-llm-hints/v1` schema, written and read back exactly as the spec shows::

    {
      "schema": "esso-llm-hints/v1",
      "model_hash": "sha256:...",      # of the kernel (the ESSO "model"): aso.synth.hashing.model_hash
      "synth_hash": "sha256:...",      # of the hole file: aso.synth.hashing.synth_hash
      "holes": {                       # an object keyed by hole id, never an array
        "hole_id": {"term": "(+ accumulated fee_amount)", "source": "smollm2", "rank": 0}
      }
    }

`rank` is the chosen candidate's position in the aggregated ranking (0 = best). Extra keys anywhere
are refused, so a file we accept is a file the schema describes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aso.config_files import read_json
from aso.errors import ConfigError
from aso.runs import atomic_write_text

SCHEMA = "esso-llm-hints/v1"
_HASH = re.compile(r"^sha256:[0-9a-f]{64}$")
_TOP_KEYS = {"schema", "model_hash", "synth_hash", "holes"}
_HOLE_KEYS = {"term", "source", "rank"}


@dataclass(frozen=True)
class HoleHint:
    """The hint for one hole."""

    term: str
    """S-expression over the hole's grammar."""
    source: str
    """Model name that produced it (e.g. `smollm2`, `openai:http://host/v1#qwen`)."""
    rank: int
    """Position of this term in the aggregated ranking (0 = best)."""


@dataclass(frozen=True)
class HintFile:
    """A parsed `esso-llm-hints/v1` document."""

    model_hash: str
    """`sha256:` of the kernel the hints are for."""
    synth_hash: str
    """`sha256:` of the hole file the hints are for."""
    holes: dict[str, HoleHint]
    """Hints by hole id."""

    def to_json(self) -> dict[str, Any]:
        """The document as the schema shows it."""
        return {
            "schema": SCHEMA,
            "model_hash": self.model_hash,
            "synth_hash": self.synth_hash,
            "holes": {
                hid: {"term": h.term, "source": h.source, "rank": h.rank} for hid, h in self.holes.items()
            },
        }


def validate_hint_document(doc: Any, where: str = "hint file") -> HintFile:
    """Check a decoded JSON document against the schema; `ConfigError` names the offending field."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: expected a JSON object")
    if doc.get("schema") != SCHEMA:
        raise ConfigError(f"{where}: schema must be {SCHEMA!r}, got {doc.get('schema')!r}")
    extra = set(doc) - _TOP_KEYS
    if extra:
        raise ConfigError(f"{where}: unknown field(s) {sorted(extra)}")
    for key in ("model_hash", "synth_hash"):
        if not isinstance(doc.get(key), str) or not _HASH.match(doc[key]):
            raise ConfigError(f"{where}.{key}: expected 'sha256:<64 hex>', got {doc.get(key)!r}")
    holes = doc.get("holes")
    if not isinstance(holes, dict):
        raise ConfigError(f"{where}.holes: must be an object keyed by hole id (not {type(holes).__name__})")
    parsed: dict[str, HoleHint] = {}
    for hid, entry in holes.items():
        hw = f"{where}.holes.{hid}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{hw}: expected an object with term, source, rank")
        if set(entry) != _HOLE_KEYS:
            raise ConfigError(f"{hw}: fields must be exactly {sorted(_HOLE_KEYS)}, got {sorted(entry)}")
        if not isinstance(entry["term"], str) or not entry["term"].strip():
            raise ConfigError(f"{hw}.term: expected a non-empty S-expression string")
        if not isinstance(entry["source"], str):
            raise ConfigError(f"{hw}.source: expected a string")
        if isinstance(entry["rank"], bool) or not isinstance(entry["rank"], int) or entry["rank"] < 0:
            raise ConfigError(f"{hw}.rank: expected a non-negative integer, got {entry['rank']!r}")
        parsed[hid] = HoleHint(entry["term"], entry["source"], entry["rank"])
    return HintFile(doc["model_hash"], doc["synth_hash"], parsed)


def write_hint_file(path: Path, hints: HintFile) -> Path:
    """Write `hints` atomically as JSON (after validating what is written)."""
    doc = hints.to_json()
    validate_hint_document(doc, str(path))
    atomic_write_text(Path(path), json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return Path(path)


def load_hint_file(path: Path) -> HintFile:
    """Read and validate a hint file; errors name the file and the field."""
    path = Path(path)
    return validate_hint_document(read_json(path, "hint file"), str(path))
