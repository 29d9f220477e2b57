"""Code localisation: rank a repository's source files by BM25 relevance to an issue and show the top
ones to the model, with line numbers, within a character budget; then rank the functions of those files
(`locate_function`). BM25+ (`rank_bm25.BM25Plus`), not Okapi BM25: with Okapi's IDF a word found in half
of a tiny corpus (one of two functions) weighs nothing, and the ranking of a small file goes wrong.

A file's document is its path parts plus every identifier in it, split at `_` and camelCase and
lowercased (`parse_header` -> parse, header, parse_header). The query is the issue text
tokenised the same way. A file larger than its share of the budget is shown as the window of lines
with the most query words. Not handled: non-UTF-8 files (read with replacement characters), ranking by
call graph or stack traces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rank_bm25 import BM25Plus

from aso.dataset.retrieval import tokenize

SOURCE_SUFFIXES = frozenset(
    ".py .pyi .pyx .c .h .cc .cpp .hpp .rs .go .java .kt .js .jsx .ts .tsx .rb .php .cs .swift .scala .sh "
    ".toml .cfg .ini .yaml .yml".split()
)
"""File suffixes considered for localisation."""
MAX_FILE_BYTES = 1_000_000
"""Larger files are skipped (generated code, data)."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def tokens(text: str) -> list[str]:
    """The words of `text` (`aso.dataset.retrieval.tokenize`: split at `_`, digits and camelCase,
    lowercased) plus each compound identifier whole, lowercased."""
    whole = [
        i.lower() for i in _IDENT.findall(text) if "_" in i.strip("_") or any(c.isupper() for c in i[1:])
    ]
    return tokenize(text) + whole


@dataclass(frozen=True)
class RankedFile:
    """One file and its BM25 score for the issue."""

    path: str
    score: float


@dataclass(frozen=True)
class Localization:
    """The ranking and the code shown to the model."""

    ranked: tuple[RankedFile, ...]
    """Every candidate file, best first."""
    shown: tuple[str, ...]
    """The files put in the prompt."""
    context: str
    """Those files with line numbers, `path` headers, truncated to the budget."""


def source_files(root: Path, files: Iterable[str]) -> list[str]:
    """The files of `files` (relative to `root`) worth ranking: source suffixes, not too large."""
    keep = []
    for rel in files:
        path = root / rel
        if path.suffix in SOURCE_SUFFIXES and path.is_file() and path.stat().st_size <= MAX_FILE_BYTES:
            keep.append(rel)
    return keep


def rank_files(root: Path, files: Iterable[str], query: str) -> list[RankedFile]:
    """BM25 scores of `files` for `query`, best first (ties by path)."""
    names = list(files)
    if not names:
        return []
    docs = [tokens(rel.replace("/", " ")) + tokens(_read(root / rel)) for rel in names]
    scores = BM25Plus([d or ["_"] for d in docs]).get_scores(tokens(query) or ["_"])
    ranked = [RankedFile(rel, float(s)) for rel, s in zip(names, scores, strict=True)]
    return sorted(ranked, key=lambda r: (-r.score, r.path))


def localize(
    root: str | Path,
    files: Iterable[str],
    query: str,
    top_k: int = 3,
    budget: int = 6000,
    numbered: bool = True,
) -> Localization:
    """Rank `files` under `root` for `query` and render the `top_k` best within `budget` characters
    (with line numbers unless `numbered` is False)."""
    root = Path(root)
    ranked = rank_files(root, source_files(root, files), query)
    chosen = [r.path for r in ranked[:top_k]]
    words = set(tokens(query))
    parts, shown, left = [], [], budget
    for i, rel in enumerate(chosen):
        share = left // (len(chosen) - i)
        block = render_file(rel, _read(root / rel), words, share, numbered)
        if block:
            parts.append(block)
            shown.append(rel)
            left -= len(block)
    return Localization(tuple(ranked), tuple(shown), "\n".join(parts))


def render_file(rel: str, text: str, words: set[str], budget: int, numbered_lines: bool = True) -> str:
    """`rel` as a header line and its lines numbered `  12| code` (or as they are); a window of it if over
    `budget`."""
    lines = text.splitlines()
    numbered = [f"{n:4d}| {line}" if numbered_lines else line for n, line in enumerate(lines, start=1)]
    header = f"{rel}\n"
    if len(header) + sum(len(x) + 1 for x in numbered) <= budget:
        return header + "\n".join(numbered) + "\n"
    hits = [len(words.intersection(tokens(line))) for line in lines]
    centre = max(range(len(lines)), key=lambda n: (hits[n], -n)) if lines else 0
    lo = hi = centre
    size = len(header) + len(numbered[centre]) + 1 if lines else len(header)
    while size < budget and (lo > 0 or hi < len(lines) - 1):
        for step in (-1, 1):
            n = lo - 1 if step < 0 else hi + 1
            if 0 <= n < len(lines) and size + len(numbered[n]) + 1 <= budget:
                size += len(numbered[n]) + 1
                lo, hi = (n, hi) if step < 0 else (lo, n)
        if (lo == 0 or size + len(numbered[lo - 1]) + 1 > budget) and (
            hi == len(lines) - 1 or size + len(numbered[hi + 1]) + 1 > budget
        ):
            break
    if size > budget:
        return ""
    window = numbered[lo : hi + 1]
    return header + f"     (lines {lo + 1}-{hi + 1} of {len(lines)})\n" + "\n".join(window) + "\n"


@dataclass(frozen=True)
class FunctionTarget:
    """The function most likely to need the change (function-level localisation)."""

    path: str
    name: str
    """Qualified name: `func` or `Class.method`."""
    signature: str
    """Its decorators and `def` line(s), dedented, ending with a newline."""
    score: float
    body_indent: str = "    "
    """The indentation of its body relative to the `def` line."""


def locate_function(root: str | Path, shown: Iterable[str], query: str) -> FunctionTarget | None:
    """BM25 over the functions and methods of the shown Python files that are not tests (a function's
    document: its name and its source), best for `query`; None when there is no such function.

    The second step of hierarchical localisation (files, then functions), as Agentless does it.
    """
    import ast
    import textwrap

    from aso.solve.edits import is_test_file

    root = Path(root)
    found: list[tuple[str, str, str, str, list[str]]] = []
    for rel in shown:
        if not rel.endswith(".py") or is_test_file(rel):
            continue
        text = _read(root / rel)
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        scopes: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
        scopes += [(f"{c.name}.", c.body) for c in tree.body if isinstance(c, ast.ClassDef)]
        for prefix, body in scopes:
            for node in body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
                    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    head = textwrap.dedent("\n".join(lines[start - 1 : node.body[0].lineno - 1]))
                    head = head + "\n" if head.strip() else ""  # a one-line `def f(): ...` has none
                    source = "\n".join(lines[start - 1 : node.end_lineno])
                    indent = " " * max(node.body[0].col_offset - node.col_offset, 1)
                    found.append((rel, prefix + node.name, head, indent, tokens(node.name) + tokens(source)))
    if not found:
        return None
    scores = BM25Plus([doc or ["_"] for *_, doc in found]).get_scores(tokens(query) or ["_"])
    best = max(range(len(found)), key=lambda i: (scores[i], -i))
    rel, name, head, indent, _ = found[best]
    return FunctionTarget(rel, name, head, float(scores[best]), indent)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
