"""Candidate terms out of messy model output: code fences, prose, JSON lists, infix.

`extract_terms(text)` returns S-expression strings in order of first appearance, whitespace-normalised
and de-duplicated. Three scanners look at the whole text and their finds are merged by offset:

- S-expressions: outermost balanced `( op ...)` spans whose head is an operator (so prose like
  "(see above)" is ignored); a span cut off by the token limit is dropped.
- JSON: arrays of strings, or of objects with a `term`/`expr`/`hint` field; each string is read again.
- Infix: per line (bullets and `result =` stripped), the leftmost-longest run of words that parses as
  an infix expression with at least one operator and one name, or is a known symbol; a bare integer
  only when it is a whole line or code span.

Not handled on purpose: whether a term is in the grammar (that is the `cheap` validation tier), and
which candidate is best (that is aggregation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from aso.synth.infix import parse_constraint
from aso.synth.terms import ParseError, parse_sexpr, to_sexpr

DEFAULT_OPERATORS = frozenset(
    {
        "+",
        "-",
        "*",
        "safe_div",
        "div",
        "mod",
        "ite",
        "<=",
        ">=",
        "<",
        ">",
        "=",
        "and",
        "or",
        "not",
        "min",
        "max",
    }
)
# A model's spelling -> the grammar's, applied only when the grammar has the target and not the source.
ALIASES = {"div": "safe_div", "/": "safe_div", "if": "ite"}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_BULLET = re.compile(r"^\s*(?:[-*•]\s+|\d+[.)]\s+|#+\s*)")
_ASSIGN = re.compile(r"^\s*(?:[A-Za-z_][A-Za-z_0-9]*\s*(?:=|:=|->)(?!=)|[A-Za-z ]{1,30}:)\s*")
_WORD = re.compile(r"\s*(\d+|[A-Za-z_][A-Za-z_0-9]*|<=|>=|==|!=|&&|\|\||//|[-+*/%<>=!(),?:])")


def canonical_term(text: str) -> str:
    """The engine's canonical S-expression of a term (`( + a  b )` -> `(+ a b)`); ParseError if not one."""
    return to_sexpr(parse_sexpr(text))


def infix_to_sexpr(text: str) -> str:
    """An infix expression (`a + b * c`, `min(a, b)`, `a // 2`) as a canonical S-expression string.

    Uses the engine's infix reader (that of the semantic constraints); `//` is read as `/`.
    """
    return to_sexpr(parse_constraint(text.replace("//", "/")))


def apply_aliases(term: str, operators: frozenset[str]) -> str:
    """Rename operator heads to the grammar's spelling (e.g. `div` -> `safe_div`) where unambiguous."""
    for src, dst in ALIASES.items():
        if dst in operators and src not in operators:
            term = re.sub(r"\(" + re.escape(src) + r"(?=[\s)])", "(" + dst, term)
    return term


def _sexpr_spans(text: str, operators: frozenset[str]) -> Iterable[tuple[int, int, str]]:
    i = 0
    while i < len(text):
        if text[i] != "(" or (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            continue
        head = re.match(r"\(\s*([^\s()]+)", text[i:])
        if head is None or head.group(1) not in operators:
            i += 1
            continue
        depth, j = 0, i
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
            j += 1
        if depth != 0:  # cut off: try inner spans
            i += 1
            continue
        try:
            yield i, j + 1, canonical_term(text[i : j + 1])
        except ParseError:
            pass
        i = j + 1


def _json_strings(text: str) -> Iterable[tuple[int, str]]:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\[", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, dict):
                item = next((item[k] for k in ("term", "expr", "hint") if isinstance(item.get(k), str)), None)
            if isinstance(item, str):
                yield match.start(), item


def _identifiers(sexpr: str) -> set[str]:
    """Atoms of an S-expression that are not integers (operators included; the caller removes them)."""
    return {a for a in re.findall(r"[^\s()]+", sexpr) if not re.fullmatch(r"-?\d+", a)}


def _infix_in_line(line: str, symbols: frozenset[str] | None, operators: frozenset[str]) -> str | None:
    words = [(m.start(1), m.end(1)) for m in _WORD.finditer(line)]
    for a in range(len(words)):
        for b in range(len(words), a, -1):
            snippet = line[words[a][0] : words[b - 1][1]]
            try:
                sexpr = infix_to_sexpr(snippet)
            except ParseError:
                continue
            names = _identifiers(sexpr) - operators
            plain = all(_IDENT.fullmatch(n) for n in names)  # `x.org` is not a name
            if not names or not plain or (symbols is not None and not names <= symbols):
                continue  # numbers only (dates, URLs, versions) or names outside the hole's scope
            if sexpr.startswith("(") or (symbols is not None and sexpr in symbols):
                return sexpr
    return None


def _infix_candidates(
    text: str, symbols: frozenset[str] | None, operators: frozenset[str], covered: list[tuple[int, int]]
) -> Iterable[tuple[int, str]]:
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.strip().strip("`").rstrip(".;,")
        inside = any(a < offset + len(raw) and offset < b for a, b in covered)  # part of an S-expression
        if line and not inside and not line.lstrip().startswith(("(", "[", "{", "```")):
            line = _ASSIGN.sub("", _BULLET.sub("", line), count=1)
            for code in re.findall(r"`([^`]+)`", raw) or [line]:
                code = code.strip().rstrip(".;,")
                if re.fullmatch(r"\d+", code):  # a bare constant only as a whole line or code span
                    yield offset, code
                    continue
                found = _infix_in_line(code, symbols, operators)
                if found is not None:
                    yield offset, found
        offset += len(raw)


def extract_terms(
    text: str,
    *,
    operators: Iterable[str] | None = None,
    symbols: Iterable[str] | None = None,
) -> list[str]:
    """Candidate S-expression terms in `text`, in order of first appearance, without duplicates.

    `operators` are the heads a term may start with (default: the ESSO/LIA set; pass the grammar's to
    also rename `div` to `safe_div`). `symbols`, if given, are the variables and parameters a bare
    infix atom or identifier may name: infix snippets naming anything else are not taken.
    """
    ops = frozenset(operators) | DEFAULT_OPERATORS if operators is not None else DEFAULT_OPERATORS
    syms = frozenset(symbols) if symbols is not None else None
    found: list[tuple[int, int, str]] = []  # (offset, scanner order, term)
    covered: list[tuple[int, int]] = []
    for off, end, term in _sexpr_spans(text, ops):
        found.append((off, 0, term))
        covered.append((off, end))
    for off, item in _json_strings(text):
        item = item.strip()
        inner = list(_sexpr_spans(item, ops))
        if inner:
            found.extend((off, 1, t) for _, _, t in inner)
            continue
        try:
            sexpr = infix_to_sexpr(item)
        except ParseError:
            continue
        if syms is None or _identifiers(sexpr) - ops <= syms:
            found.append((off, 1, sexpr))
    for off, term in _infix_candidates(text, syms, ops, covered):
        found.append((off, 2, term))
    out: list[str] = []
    seen: set[str] = set()
    for _, _, term in sorted(found, key=lambda f: (f[0], f[1])):
        term = apply_aliases(term, frozenset(operators) if operators is not None else frozenset())
        if term not in seen:
            seen.add(term)
            out.append(term)
    return out
