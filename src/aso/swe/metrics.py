"""Per-instance measures beside resolved: patch similarity to the gold patch and localisation (files)."""

from __future__ import annotations

import difflib
import re


def patch_files(patch: str) -> list[str]:
    """Files a unified diff changes, in order."""
    return list(dict.fromkeys(re.findall(r"^diff --git a/(\S+) b/", patch or "", flags=re.M)))


def changed_lines(patch: str) -> list[str]:
    """The `+`/`-` lines of a diff (headers excluded), whitespace-stripped, with their sign."""
    out = []
    for line in (patch or "").splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line.startswith(("+", "-")) and line[1:].strip():
            out.append(line[0] + line[1:].strip())
    return out


def patch_similarity(model_patch: str, gold_patch: str) -> float:
    """difflib ratio (0..1) between the changed lines of the two patches; 0 for an empty model patch."""
    a, b = changed_lines(model_patch), changed_lines(gold_patch)
    if not a or not b:
        return 0.0
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 4)


def files_hit(model_patch: str, gold_patch: str) -> dict[str, object]:
    """Which gold files the model patch edits: `gold_files`, `edited_files`, `hit` (any gold file
    edited), `recall` (fraction of gold files edited)."""
    gold, edited = patch_files(gold_patch), patch_files(model_patch)
    common = [f for f in gold if f in edited]
    return {
        "gold_files": gold,
        "edited_files": edited,
        "hit": bool(common),
        "recall": round(len(common) / len(gold), 4) if gold else 0.0,
    }
