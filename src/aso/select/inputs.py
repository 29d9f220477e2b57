"""Inputs shared by all candidates: the examples' arguments plus simple mutations of them.

Mutations of one literal argument at a time: integers ±1 and 0, floats ×2, strings reversed / without
their last character / upper-cased / empty, lists and tuples reversed / without their last element /
empty, booleans negated. Duplicates are dropped; order is deterministic; at most `limit` inputs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import Any


def _mutations(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, 0]
    if isinstance(value, float):
        return [value * 2, -value]
    if isinstance(value, str):
        return [value[::-1], value[:-1], value.upper(), ""]
    if isinstance(value, list | tuple):
        kind = type(value)
        return [kind(reversed(value)), kind(value[:-1]), kind()]
    return []


def shared_inputs(example_args: Iterable[str], limit: int = 24) -> list[str]:
    """Argument tuples (as literal source, e.g. `(3, 'ab')`): the examples first, then mutations."""
    originals: list[tuple[Any, ...]] = []
    for src in example_args:
        try:
            value = ast.literal_eval(src)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, tuple):
            originals.append(value)
    out: list[str] = []
    seen: set[str] = set()

    def add(args: Sequence[Any]) -> None:
        text = repr(tuple(args))
        if text not in seen and len(out) < limit:
            seen.add(text)
            out.append(text)

    for args in originals:
        add(args)
    for args in originals:
        for pos, value in enumerate(args):
            for mutated in _mutations(value):
                add((*args[:pos], mutated, *args[pos + 1 :]))
    return out
