"""The `function` edit format: the answer is the corrected function(s) in a ```python code block.

Small models rarely write SEARCH/REPLACE blocks (`aso.solve.edits`); asked for "the whole corrected
function in a code block" they answer the way they answer HumanEval. Each top-level `def` or `class` of
the answer's code blocks replaces the definition of the same name in the shown files (the files the
model saw, searched in the order it saw them): a module-level definition first, else a method of a
class. The replacement keeps the old definition's indentation; decorators belong to the definition.
Imports at the top of the answer that the file lacks are added after the file's last top-level import.

Nothing here raises on model output: an answer without a code block, a block that is not Python, and a
definition no shown file has are kept as `Dropped` with their `EditStatus`. Python files only.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence
from pathlib import Path

from aso.humaneval.prompting import code_blocks
from aso.solve.edits import Dropped, Edit, EditResult, EditStatus

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def apply_function_answer(root: str | Path, text: str, shown: Sequence[str]) -> EditResult:
    """Replace the definitions named in the answer's code blocks in the `shown` Python files under
    `root` (read only; the new texts are returned in `EditResult.files`)."""
    root = Path(root)
    result = EditResult()
    blocks = code_blocks(text)
    if not blocks:
        if text.strip():
            why = f"{len(text)} characters without a code block"
            result.dropped.append(Dropped(EditStatus.NO_BLOCKS, why))
        return result
    texts: dict[str, str] = {}
    for rel in shown:
        if rel.endswith(".py") and (root / rel).is_file():
            texts[rel] = (root / rel).read_text(encoding="utf-8", errors="replace")
    for n, block in enumerate(blocks, start=1):
        try:
            tree = ast.parse(block)
        except SyntaxError as exc:
            why = f"code block {n}: {exc.msg} (line {exc.lineno})"
            result.dropped.append(Dropped(EditStatus.SYNTAX_ERROR, why))
            continue
        lines = block.splitlines()
        imports = [ast.get_source_segment(block, node) or "" for node in tree.body if _is_import(node)]
        for node in tree.body:
            if not isinstance(node, _DEFS):
                continue
            target = _find(texts, node)
            if target is None:
                result.dropped.append(Dropped(EditStatus.NAME_NOT_FOUND, f"{_kind(node)} {node.name}"))
                continue
            rel, old = target
            new_def = _source_lines(lines, node, old)
            current = texts[rel].splitlines(keepends=True)
            start = _first_line(old) - 1
            indent = current[start][: len(current[start]) - len(current[start].lstrip())]
            replacement = textwrap.indent(textwrap.dedent("\n".join(new_def)) + "\n", indent)
            if "".join(current[start : old.end_lineno]) == replacement:
                result.dropped.append(Dropped(EditStatus.NO_CHANGE, f"{_kind(node)} {node.name} in {rel}"))
                continue
            new_text = "".join(current[:start]) + replacement + "".join(current[old.end_lineno :])
            texts[rel] = _with_imports(new_text, imports)
            result.files[rel] = texts[rel]
            result.applied.append(Edit(rel, "".join(current[start : old.end_lineno]), replacement))
    return result


def _find(texts: dict[str, str], node: ast.stmt) -> tuple[str, ast.stmt] | None:
    """The first shown file's definition matching `node` (module level first, then class methods)."""
    want = type(node) is ast.ClassDef
    for nested in (False, True):
        for rel, text in texts.items():
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            scopes = [c.body for c in tree.body if isinstance(c, ast.ClassDef)] if nested else [tree.body]
            for body in scopes:
                for old in body:
                    if (
                        isinstance(old, _DEFS)
                        and old.name == node.name  # type: ignore[attr-defined]
                        and (type(old) is ast.ClassDef) == want
                    ):
                        return rel, old
    return None


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _source_lines(lines: list[str], node: ast.stmt, old: ast.stmt) -> list[str]:
    """The lines of the answer's definition `node`; a function's body re-indented to the body indentation
    of the definition it replaces (`old`), so a body written 5 spaces deep lands 4 deep like the file's."""
    first = _first_line(node) - 1
    body = getattr(node, "body", [])
    if isinstance(node, ast.ClassDef) or not body or body[0].lineno == node.lineno:
        return lines[first : node.end_lineno]
    header = lines[first : body[0].lineno - 1]
    depth = node.col_offset + max(old.body[0].col_offset - old.col_offset, 1)  # type: ignore[attr-defined]
    dedented = textwrap.dedent("\n".join(lines[body[0].lineno - 1 : node.end_lineno]))
    return header + textwrap.indent(dedented, " " * depth).split("\n")


def _kind(node: ast.stmt) -> str:
    return "class" if isinstance(node, ast.ClassDef) else "function"


def _is_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import | ast.ImportFrom)


def _with_imports(text: str, imports: list[str]) -> str:
    """`text` with the `imports` it lacks added after its last top-level import (or at the top)."""
    missing = [imp for imp in imports if imp and imp not in text]
    if not missing:
        return text
    lines = text.splitlines(keepends=True)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    after = max((n.end_lineno or 0 for n in tree.body if _is_import(n)), default=0)
    if not after and tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(
        getattr(tree.body[0], "value", None), ast.Constant
    ):
        after = tree.body[0].end_lineno or 0  # after the module docstring
    added = "".join(imp + "\n" for imp in missing)
    return "".join(lines[:after]) + added + "".join(lines[after:])
