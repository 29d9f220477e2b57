"""Construct vocabularies: the shipped defaults (YAML beside the package) and a user's restriction list."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aso.config_files import parse_yaml, read_yaml
from aso.errors import ConfigError


def load_builtin_vocabulary(language: str) -> dict[str, str]:
    """The shipped `vocab/<language>.yaml`: construct name -> description, in file order."""
    text = (
        resources.files("aso.dataset")
        .joinpath("vocab")
        .joinpath(f"{language}.yaml")
        .read_text(encoding="utf-8")
    )
    data = parse_yaml(text, f"aso/dataset/vocab/{language}.yaml")
    return {str(k): str(v) for k, v in data.items()}


def restrict_vocabulary(available: list[str], path: Path) -> list[str]:
    """Read a YAML list of construct names from `path`; each must be in `available` (else ConfigError)."""
    path = Path(path)
    data = read_yaml(path, "vocabulary file", expect=None)  # the checks below say what is expected
    if isinstance(data, dict):
        data = data.get("constructs")
    if not isinstance(data, list) or not data:
        raise ConfigError(
            f"{path}: expected a non-empty YAML list of construct names (or a `constructs:` list)"
        )
    names = [str(x) for x in data]
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ConfigError(f"{path}: unknown constructs for this language: {', '.join(unknown)}")
    if len(set(names)) < 3:
        raise ConfigError(f"{path}: need at least 3 distinct constructs to build 2- and 3-subset cells")
    return list(dict.fromkeys(names))
