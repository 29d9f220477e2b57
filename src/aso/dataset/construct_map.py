"""The versioned construct mapping table (`construct_map.yaml`): mined Python code -> target constructs."""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from enum import Enum
from importlib import resources
from pathlib import Path

from aso.config_files import read_yaml
from aso.errors import ConfigError


class Strictness(Enum):
    """How a target construct is recognised in mined code."""

    LENIENT = "lenient"
    """Keyword (regex) match in the function's source text."""
    STRICT = "strict"
    """AST-level evidence: node types, `call:NAME`, `str:REGEX`."""


def default_map_path() -> Path:
    """The construct map shipped in the package."""
    return Path(str(resources.files("aso.dataset").joinpath("construct_map.yaml")))


def file_sha256(path: Path) -> str:
    """`sha256:<hex>` of a file's bytes."""
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class ConstructRule:
    """Evidence for one target construct."""

    keywords: tuple[re.Pattern, ...]
    node_types: frozenset[str]
    calls: frozenset[str]
    strings: tuple[re.Pattern, ...]


class ConstructMap:
    """One target language's section of the map, ready to apply to Python functions."""

    def __init__(self, path: Path, target: str) -> None:
        self.path = Path(path)
        data = read_yaml(self.path, "construct map", allow_empty=True)
        self.sha256 = file_sha256(self.path)
        targets = data.get("targets") or {}
        if target not in targets:
            raise ConfigError(f"{self.path}: no `targets.{target}` section (have: {', '.join(targets)})")
        self.version = data.get("version")
        self.target = target
        self.rules: dict[str, ConstructRule] = {}
        for name, spec in targets[target].items():
            try:
                keywords = tuple(re.compile(k, re.MULTILINE) for k in spec.get("keywords", []))
                tokens = [str(t) for t in spec.get("ast", [])]
                strings = tuple(re.compile(t[4:]) for t in tokens if t.startswith("str:"))
            except (re.error, AttributeError) as exc:
                raise ConfigError(f"{self.path}: targets.{target}.{name}: {exc}") from exc
            self.rules[str(name)] = ConstructRule(
                keywords=keywords,
                node_types=frozenset(t for t in tokens if ":" not in t),
                calls=frozenset(t[5:] for t in tokens if t.startswith("call:")),
                strings=strings,
            )

    def constructs(self, func: ast.AST, source_text: str, strictness: Strictness) -> set[str]:
        """Target constructs evidenced by one function (its AST and its source text)."""
        if strictness is Strictness.LENIENT:
            return {
                name for name, rule in self.rules.items() if any(k.search(source_text) for k in rule.keywords)
            }
        types, calls, strings = set(), set(), []
        for node in ast.walk(func):
            types.add(type(node).__name__)
            if isinstance(node, ast.Call):
                target = node.func
                calls.add(target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", ""))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.append(node.value)
        found = set()
        for name, rule in self.rules.items():
            if (
                rule.node_types & types
                or rule.calls & calls
                or any(p.search(s) for p in rule.strings for s in strings)
            ):
                found.add(name)
        return found
