"""Candidate F's ConstructPrior: co-occurrence of constructs per function in real code on disk.

Sources are directories of Python code, each with a weight (default: four groups of the running
interpreter's standard library, standing in for the ADR's four public corpora). Each function is mapped
to target constructs by `construct_map.yaml`; per source, cell frequency = functions containing all the
cell's constructs, normalised to [0, 1] by the source's most frequent cell; a cell's prior weight is the
weighted sum over sources, floored at ε for cells no source covers (the tail).
"""

from __future__ import annotations

import ast
import sysconfig
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aso.dataset.cells import Cell, cell_key, cells_satisfied
from aso.dataset.construct_map import ConstructMap, Strictness
from aso.errors import ConfigError

MAX_FILE_BYTES = 400_000


@dataclass(frozen=True)
class PriorSource:
    """A directory tree of real code and its weight in the mixture."""

    name: str
    paths: tuple[Path, ...]
    weight: float


@dataclass(frozen=True)
class PriorConfig:
    """One row of the Candidate F grid."""

    sources: str
    """`all` (four sources, 50/30/10/10) or `stack` (the general source only, 100%)."""
    phase3_threshold: float
    """Production cells must exceed this quality before tail cells are visited."""
    epsilon: float
    """Minimum weight of cells no source covers."""
    strictness: Strictness
    """Lenient (keyword) or strict (AST) mapping."""


PRIOR_GRID = {
    "F1": PriorConfig("all", 0.7, 0.05, Strictness.LENIENT),
    "F2": PriorConfig("all", 0.7, 0.05, Strictness.STRICT),
    "F3": PriorConfig("stack", 0.7, 0.05, Strictness.LENIENT),
    "F4": PriorConfig("all", 0.5, 0.10, Strictness.LENIENT),
}


def prior_config(name: str) -> PriorConfig:
    """F1-F4 (ConfigError otherwise)."""
    if name not in PRIOR_GRID:
        raise ConfigError(f"--config {name!r}: prior mode takes {', '.join(PRIOR_GRID)}")
    return PRIOR_GRID[name]


def default_sources(which: str = "all") -> list[PriorSource]:
    """Four groups of the running interpreter's standard library (ADR analogues in brackets).

    general (50%) [The Stack]: top-level stdlib modules; network (30%) [CodeSearchNet API code]: http,
    urllib, email, xmlrpc, json, wsgiref; concurrency (10%) [HumanEval-X Go]: asyncio, concurrent,
    multiprocessing; sql (10%) [Spider]: sqlite3, dbm. `stack` keeps only `general` at 100%.
    """
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    general = PriorSource("general", (stdlib,), 0.5)
    if which == "stack":
        return [PriorSource("general", (stdlib,), 1.0)]
    pkgs = lambda names: tuple(stdlib / n for n in names if (stdlib / n).is_dir())  # noqa: E731
    return [
        general,
        PriorSource("network", pkgs(["http", "urllib", "email", "xmlrpc", "json", "wsgiref"]), 0.3),
        PriorSource("concurrency", pkgs(["asyncio", "concurrent", "multiprocessing"]), 0.1),
        PriorSource("sql", pkgs(["sqlite3", "dbm"]), 0.1),
    ]


def parse_source_spec(spec: str) -> PriorSource:
    """`DIR=WEIGHT` from the command line (ConfigError naming the value)."""
    path, sep, weight = spec.rpartition("=")
    try:
        w = float(weight)
    except ValueError:
        w = -1.0
    if not sep or w <= 0 or not Path(path).is_dir():
        raise ConfigError(f"--prior-source {spec!r}: expected DIR=WEIGHT with an existing DIR and WEIGHT > 0")
    return PriorSource(Path(path).name, (Path(path),), w)


def _python_files(source: PriorSource, max_files: int) -> list[Path]:
    files: list[Path] = []
    for root in source.paths:
        # `general` at the stdlib root reads top-level modules only, so the other groups stay distinct
        found = sorted(root.glob("*.py")) if source.name == "general" else sorted(root.rglob("*.py"))
        files.extend(f for f in found if "test" not in f.parts[-1] and f.stat().st_size < MAX_FILE_BYTES)
    return files[:max_files]


@dataclass
class SourceCounts:
    """What one source contributed."""

    name: str
    weight: float
    files: int = 0
    functions: int = 0
    constructs: Counter = field(default_factory=Counter)  # construct -> functions using it
    cells: Counter = field(default_factory=Counter)  # cell -> functions using all its constructs


def mine_source(
    source: PriorSource,
    mapping: ConstructMap,
    strictness: Strictness,
    vocabulary: list[str],
    cell_sizes: tuple[int, ...],
    max_files: int,
) -> SourceCounts:
    """Per-function construct sets of one source, counted as construct and cell frequencies."""
    vocab = set(vocabulary)
    counts = SourceCounts(source.name, source.weight)
    for path in _python_files(source, max_files):
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
            continue
        counts.files += 1
        lines = text.splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            segment = "\n".join(lines[node.lineno - 1 : node.end_lineno])
            found = mapping.constructs(node, segment, strictness) & vocab
            counts.functions += 1
            counts.constructs.update(found)
            counts.cells.update(cells_satisfied(found, cell_sizes))
    return counts


@dataclass
class ConstructPrior:
    """Cell weights and the construct marginal mined from the sources."""

    cell_weights: dict[str, float]
    """Cell key -> weight in [0, 1] before the ε floor (absent = 0)."""
    marginal: dict[str, float]
    """Construct -> probability (source-weighted share of construct occurrences per function)."""
    sources: list[dict]
    map_sha256: str
    strictness: str

    def weight(self, cell: Cell, epsilon: float) -> float:
        """Prior weight of a cell, floored at ε."""
        return max(self.cell_weights.get(cell_key(cell), 0.0), epsilon)

    def weights_for(self, cells: list[Cell]) -> dict[Cell, float]:
        """Raw weights (0 when uncovered) for a list of cells."""
        return {c: self.cell_weights.get(cell_key(c), 0.0) for c in cells}

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return {
            "cell_weights": self.cell_weights,
            "marginal": self.marginal,
            "sources": self.sources,
            "map_sha256": self.map_sha256,
            "strictness": self.strictness,
        }

    @classmethod
    def from_json(cls, data: dict) -> ConstructPrior:
        """Inverse of `to_json`."""
        return cls(**data)


def mine_prior(
    sources: list[PriorSource],
    mapping: ConstructMap,
    strictness: Strictness,
    vocabulary: list[str],
    cell_sizes: tuple[int, ...] = (2, 3),
    max_files: int = 80,
) -> ConstructPrior:
    """Mine every source and combine: Σ_s weight_s · freq_s(cell) with freq_s normalised to [0, 1]."""
    total_weight = sum(s.weight for s in sources)
    weights: Counter = Counter()
    marginal: Counter = Counter()
    report = []
    for source in sources:
        counts = mine_source(source, mapping, strictness, vocabulary, cell_sizes, max_files)
        share = source.weight / total_weight
        top = max(counts.cells.values(), default=0)
        for cell, n in counts.cells.items():
            weights[cell_key(cell)] += share * n / top
        occurrences = sum(counts.constructs.values())
        for construct, n in counts.constructs.items():
            marginal[construct] += share * n / occurrences
        report.append(
            {
                "name": source.name,
                "weight": source.weight,
                "files": counts.files,
                "functions": counts.functions,
                "paths": [str(p) for p in source.paths],
            }
        )
    norm = sum(marginal.values()) or 1.0
    return ConstructPrior(
        cell_weights={k: round(v, 6) for k, v in weights.items()},
        marginal={c: marginal.get(c, 0.0) / norm for c in vocabulary},
        sources=report,
        map_sha256=mapping.sha256,
        strictness=strictness.value,
    )


def prior_cache_path(
    sources: list[PriorSource],
    mapping: ConstructMap,
    strictness: Strictness,
    vocabulary: list[str],
    cell_sizes: tuple[int, ...],
    max_files: int,
) -> Path:
    """Where a mined prior with exactly these inputs is cached (`$ASO_CACHE/prior/<hash>.json`)."""
    import hashlib
    import json
    import os

    key = json.dumps(
        {
            "sources": [(s.name, [str(p) for p in s.paths], s.weight) for s in sources],
            "map": mapping.sha256,
            "target": mapping.target,
            "strictness": strictness.value,
            "vocabulary": vocabulary,
            "cell_sizes": list(cell_sizes),
            "max_files": max_files,
        },
        sort_keys=True,
    )
    root = Path(os.environ.get("ASO_CACHE", Path.home() / ".cache" / "aso"))
    return root / "prior" / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def load_or_mine_prior(
    sources: list[PriorSource],
    mapping: ConstructMap,
    strictness: Strictness,
    vocabulary: list[str],
    cell_sizes: tuple[int, ...] = (2, 3),
    max_files: int = 80,
) -> ConstructPrior:
    """`mine_prior`, cached on disk by its inputs (mining the stdlib takes a minute on a busy machine)."""
    import json

    from aso.runs import atomic_write_text

    path = prior_cache_path(sources, mapping, strictness, vocabulary, cell_sizes, max_files)
    if path.is_file():
        return ConstructPrior.from_json(json.loads(path.read_text(encoding="utf-8")))
    prior = mine_prior(sources, mapping, strictness, vocabulary, cell_sizes, max_files)
    atomic_write_text(path, json.dumps(prior.to_json()))
    return prior
