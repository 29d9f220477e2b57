"""Library operations (ADD / UPDATE / DELETE / KEEP) and a forgiving parser for model output.

Accepted forms, in order of preference (a model may mix prose around them):

1. JSON: a list (or `{"operations": [...]}`) of objects like
   `{"op": "ADD", "text": "..."}`, `{"op": "UPDATE", "id": "E3", "text": "..."}`,
   `{"op": "DELETE", "id": "E1"}`, `{"op": "KEEP", "id": "E2"}` (`"operation"` is accepted for `"op"`,
   `"content"`/`"experience"` for `"text"`), possibly inside a fenced code block.
2. One operation a line: `ADD: text`, `UPDATE E3: text`, `DELETE E1`, `KEEP E2` (case-insensitive,
   optional list bullets or numbering, `[E3]` brackets allowed).

Anything else is dropped and counted (a non-blank answer with nothing usable counts once), never
raised: a reflector that writes junk produces no operations.
Texts are trimmed and must be 8..400 characters; longer ones are dropped, not truncated.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

MIN_TEXT = 8
MAX_TEXT = 400


class OpKind(enum.Enum):
    """What an operation does to the library."""

    ADD = "ADD"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    KEEP = "KEEP"


@dataclass(frozen=True)
class Operation:
    """One edit to the experience library."""

    kind: OpKind
    target: str | None = None
    """Experience id for UPDATE / DELETE / KEEP; None for ADD."""
    text: str | None = None
    """New text for ADD / UPDATE."""


@dataclass(frozen=True)
class ParsedOperations:
    """Operations found in one model answer, and how many candidate entries were dropped as malformed."""

    operations: tuple[Operation, ...]
    dropped: int


_ID = r"\[?\s*([A-Za-z]*\d+)\s*\]?"
_LINE = re.compile(
    rf"^\s*(?:[-*•]|\d+[.)])?\s*\**\s*(ADD|UPDATE|DELETE|KEEP)\b\**\s*(?:{_ID})?\s*[:\-–]?\s*(.*)$",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_operations(text: str) -> ParsedOperations:
    """Parse operations from a model answer (JSON first, then line format); malformed entries are dropped."""
    found = _parse_json(text)
    if found is None:
        found = _parse_lines(text)
    if not found.operations and not found.dropped and text.strip():
        return ParsedOperations((), 1)  # an answer with nothing usable in it counts as one dropped entry
    return found


def _json_candidates(text: str) -> list[str]:
    blocks = [m.group(1) for m in _FENCE.finditer(text)]
    for opener, closer in (("[", "]"), ("{", "}")):
        start, end = text.find(opener), text.rfind(closer)
        if 0 <= start < end:
            blocks.append(text[start : end + 1])
    return blocks


def _parse_json(text: str) -> ParsedOperations | None:
    for block in _json_candidates(text):
        try:
            data = json.loads(block)
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(data, dict):
            data = data.get("operations", [data])
        if not isinstance(data, list):
            continue
        ops, dropped = [], 0
        for entry in data:
            op = _from_mapping(entry) if isinstance(entry, dict) else None
            if op is None:
                dropped += 1
            else:
                ops.append(op)
        return ParsedOperations(tuple(ops), dropped)
    return None


def _from_mapping(entry: dict) -> Operation | None:
    kind_raw = entry.get("op", entry.get("operation"))
    if not isinstance(kind_raw, str):
        return None
    target = entry.get("id", entry.get("target"))
    text = entry.get("text", entry.get("content", entry.get("experience")))
    return _make(kind_raw, None if target is None else str(target), text if isinstance(text, str) else None)


def _parse_lines(text: str) -> ParsedOperations:
    ops, dropped = [], 0
    for line in text.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        op = _make(match.group(1), match.group(2), match.group(3))
        if op is None:
            dropped += 1
        else:
            ops.append(op)
    return ParsedOperations(tuple(ops), dropped)


def _make(kind_raw: str, target: str | None, text: str | None) -> Operation | None:
    try:
        kind = OpKind(kind_raw.strip().upper())
    except ValueError:
        return None
    target = target.strip().upper() if target else None
    clean = " ".join(text.split()).strip(" \"'`*") if text else None
    if kind in (OpKind.ADD, OpKind.UPDATE):
        if not clean or not MIN_TEXT <= len(clean) <= MAX_TEXT:
            return None
    if kind is OpKind.ADD:
        return Operation(kind, None, clean)
    if not target:
        return None
    return Operation(kind, target, clean if kind is OpKind.UPDATE else None)
