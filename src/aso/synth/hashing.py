"""The one canonical hashing function for `model_hash` and `synth_hash` (and anything else we hash).

`canonical_hash(obj)` = `"sha256:" + hex(sha256(canonical_json(obj)))` where `canonical_json` is
JSON with sorted keys, separators `(",", ":")`, UTF-8, no ASCII escaping, and integers/strings as
is (floats are rejected: they have no single canonical text). Two documents that differ only in
key order or whitespace therefore hash the same; any change of content changes the hash.

- `model_hash(kernel)` hashes the kernel document (ESSO calls the `esso-ir/v1` kernel the *model*,
  `meta.model_id`); YAML comments and formatting do not count.
- `synth_hash(spec)` hashes the hole document (`synth_version 1.1` JSON).
Hint files (`esso-llm-hints/v1`) carry both, so a hint is tied to the exact kernel and hole file.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from aso.errors import ConfigError

if TYPE_CHECKING:
    from aso.synth.kernel import Kernel
    from aso.synth.spec import HoleSpec


def _check(obj: Any, where: str = "$") -> None:
    if isinstance(obj, float):
        raise ConfigError(f"canonical_hash: float at {where} has no canonical form")
    if isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ConfigError(f"canonical_hash: non-string key {k!r} at {where}")
            _check(v, f"{where}.{k}")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _check(v, f"{where}[{i}]")


def canonical_json(obj: Any) -> str:
    """The canonical JSON text of `obj` (sorted keys, compact separators, no ASCII escaping)."""
    _check(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_hash(obj: Any) -> str:
    """`sha256:<hex>` of the canonical JSON of `obj`."""
    return "sha256:" + hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def model_hash(kernel: Kernel) -> str:
    """Hash of an `esso-ir/v1` kernel document (the ESSO "model")."""
    from aso.synth.kernel import strip_lines

    return canonical_hash(strip_lines(kernel.raw))


def synth_hash(spec: HoleSpec) -> str:
    """Hash of a hole spec's `synth_version 1.1` document."""
    return canonical_hash(spec.raw)
