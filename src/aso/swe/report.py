"""The report of an `aso swe bench` run: resolved rate with its 95% Wilson interval, a per-repository
table, localisation and patch-similarity figures, and an iterations histogram (PNG)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (0, 0 for n = 0)."""
    if n == 0:
        return 0.0, 0.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def bench_report(rows: list[dict[str, Any]], protocol: str) -> dict[str, Any]:
    """Totals and per-repository figures over the rows of a bench run (one per instance)."""
    n = len(rows)
    resolved = sum(bool(r.get("resolved")) for r in rows)
    per_repo: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = per_repo.setdefault(r["repo"], {"instances": 0, "resolved": 0, "localised": 0})
        d["instances"] += 1
        d["resolved"] += bool(r.get("resolved"))
        d["localised"] += bool(r.get("localisation_hit"))
    sims = [r.get("patch_similarity", 0.0) for r in rows]
    return {
        "protocol": protocol,
        "leaderboard_comparable": protocol == "honest",
        "instances": n,
        "resolved": resolved,
        "resolved_rate": resolved / n if n else 0.0,
        "resolved_interval_95": wilson_interval(resolved, n),
        "localisation_hit_rate": sum(bool(r.get("localisation_hit")) for r in rows) / n if n else 0.0,
        "edited_gold_file_rate": sum(bool(r.get("edited_gold_file")) for r in rows) / n if n else 0.0,
        "mean_patch_similarity": round(sum(sims) / n, 4) if n else 0.0,
        "empty_patches": sum(bool(r.get("empty_patch")) for r in rows),
        "iterations": dict(Counter(int(r.get("iterations") or 0) for r in rows)),
        "per_repo": per_repo,
    }


def iterations_histogram(rows: list[dict[str, Any]], path: Path, title: str) -> Path:
    """Bar chart of iterations used per instance, resolved and not stacked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    its = sorted({int(r.get("iterations") or 0) for r in rows}) or [0]
    ok = [sum(1 for r in rows if int(r.get("iterations") or 0) == i and r.get("resolved")) for i in its]
    bad = [sum(1 for r in rows if int(r.get("iterations") or 0) == i and not r.get("resolved")) for i in its]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.bar(its, bad, label="unresolved", color="#bbbbbb")
    ax.bar(its, ok, bottom=bad, label="resolved", color="#2a7")
    ax.set_xlabel("solve iterations")
    ax.set_ylabel("instances")
    ax.set_xticks(its)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
