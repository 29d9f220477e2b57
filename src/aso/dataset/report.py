"""Plots and the A vs E vs F comparison table over one or more finished dataset runs.

Files written to the output directory: `construct_histograms.png`, `entropy_fill_per_iteration.png`,
`cell_fill_heatmap.png`, `kl_per_mode.png`, `comparison.md`, `comparison.json`.

Selection rule (ADR-0006), applied to the best run of each mode by the decision score: the RAGAS
composite when a judge was used, otherwise our `retrieval_composite` (see `aso.dataset.retrieval`):
- A vs E: E wins if entropy(E) > 3.0 bits AND score(E) >= score(A);
- E vs F: F wins if score(F) > score(E) by >= 0.02; otherwise E (simpler, no external data);
- if F wins both comparisons, F is the production algorithm.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from aso.dataset.cells import parse_cell_key  # noqa: E402
from aso.errors import RunStateError  # noqa: E402

ENTROPY_THRESHOLD = 3.0
RAGAS_MARGIN = 0.02
MODE_LETTER = {"reward": "A", "map-elites": "E", "prior": "F"}


def load_run(path: Path) -> dict:
    """metrics.json, series.json and state.json of a finished run (RunStateError if unfinished)."""
    path = Path(path)
    if not (path / "metrics.json").is_file():
        raise RunStateError(f"{path}: no metrics.json (not a finished `aso dataset run`; --resume it first)")
    run = {"path": path, "metrics": json.loads((path / "metrics.json").read_text(encoding="utf-8"))}
    run["series"] = json.loads((path / "series.json").read_text(encoding="utf-8"))
    run["state"] = json.loads((path / "state.json").read_text(encoding="utf-8"))
    m = run["metrics"]
    run["label"] = f"{MODE_LETTER[m['mode']]}:{m['grid']} {path.name}"
    return run


def decision_score(metrics: dict) -> float | None:
    """RAGAS composite if judged, else retrieval composite; None without retrieval."""
    retrieval = metrics.get("retrieval")
    if not retrieval:
        return None
    if "ragas" in retrieval:
        return retrieval["ragas"]["ragas_composite"]
    return retrieval["retrieval_composite"]


def select(runs: list[dict]) -> dict:
    """Apply the ADR's selection rule to the best run of each mode present."""
    best: dict[str, dict] = {}
    for run in runs:
        letter = MODE_LETTER[run["metrics"]["mode"]]
        score = decision_score(run["metrics"]) or 0.0
        if letter not in best or score > (decision_score(best[letter]["metrics"]) or 0.0):
            best[letter] = run
    out: dict = {"best": {k: v["label"] for k, v in best.items()}}
    score = {k: decision_score(v["metrics"]) or 0.0 for k, v in best.items()}
    if "A" in best and "E" in best:
        e_entropy = best["E"]["metrics"]["entropy_bits"]
        out["A_vs_E"] = "E" if e_entropy > ENTROPY_THRESHOLD and score["E"] >= score["A"] else "A"
    if "E" in best and "F" in best:
        out["E_vs_F"] = "F" if score["F"] - score["E"] >= RAGAS_MARGIN else "E"
    if out.get("A_vs_E") == "E" and out.get("E_vs_F") == "F":
        out["winner"] = "F"
    elif "A_vs_E" in out:
        out["winner"] = out.get("E_vs_F", out["A_vs_E"]) if out["A_vs_E"] == "E" else "A"
    else:
        out["winner"] = out.get("E_vs_F")
    return out


def comparison_rows(runs: list[dict]) -> list[dict]:
    """One row of headline metrics per run."""
    rows = []
    for run in runs:
        m = run["metrics"]
        r = m.get("retrieval") or {}
        rows.append(
            {
                "run": run["label"],
                "generated": m["generated"],
                "dataset": m["dataset_size"],
                "pass_rate": m["pass_rate"],
                "fill_rate": m.get("fill_rate"),
                "satisfied_rate": m["satisfied_rate"],
                "breadth": m["coverage_breadth"],
                "entropy_bits": m["entropy_bits"],
                "kl_bits": m.get("kl_bits"),
                "js_bits": m.get("js_bits"),
                "mean_cell_quality": m.get("mean_cell_quality"),
                "bm25_ndcg@10": (r.get("bm25") or {}).get("ndcg@10"),
                "emb_ndcg@10": (r.get("embedding") or {}).get("ndcg@10"),
                "emb_hit@5": (r.get("embedding") or {}).get("hit@5"),
                "score": decision_score(m),
            }
        )
    return rows


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def comparison_markdown(rows: list[dict], decision: dict) -> str:
    """The comparison table and the decision as Markdown."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_fmt(row[k]) for k in keys) + " |" for row in rows]
    lines += [
        "",
        "Score = RAGAS composite with a judge, else retrieval_composite = mean over BM25 and "
        "embedding of mean(hit@5, MRR@10, nDCG@10).",
        "",
        f"A vs E: {decision.get('A_vs_E', 'n/a')} (E needs entropy > {ENTROPY_THRESHOLD} bits and "
        "score >= A)",
        f"E vs F: {decision.get('E_vs_F', 'n/a')} (F needs score > E + {RAGAS_MARGIN})",
        f"Selected: {decision.get('winner') or 'n/a'}",
    ]
    return "\n".join(lines) + "\n"


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_histograms(runs: list[dict], out: Path) -> Path:
    """Construct presence histogram per run (with the prior's marginal as a line where known)."""
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 2.6 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs, strict=True):
        m = run["metrics"]
        vocab = m["vocabulary"]
        counts = np.array([m["construct_counts"][c] for c in vocab], dtype=float)
        share = counts / counts.sum() if counts.sum() else counts
        ax.bar(range(len(vocab)), share, color="tab:blue", label="dataset")
        if "prior_marginal" in m:
            ax.plot(range(len(vocab)), [m["prior_marginal"][c] for c in vocab], "r.-", label="prior")
        ax.set_title(f"{run['label']}: entropy {m['entropy_bits']:.2f} bits, {m['dataset_size']} examples")
        ax.set_xticks(range(len(vocab)), vocab, rotation=60, fontsize=7, ha="right")
        ax.set_ylabel("share")
        ax.legend(fontsize=7)
    return _save(fig, out / "construct_histograms.png")


def plot_series(runs: list[dict], out: Path) -> Path:
    """Entropy, fill rate and parser pass rate per iteration."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for run in runs:
        s = run["series"]
        it = [p["iteration"] for p in s]
        axes[0].plot(it, [p["entropy_bits"] for p in s], label=run["label"])
        axes[1].plot(it, [p.get("fill_rate", p["satisfied_rate"]) for p in s], label=run["label"])
        axes[2].plot(it, [p["pass_rate"] for p in s], label=run["label"])
    for ax, title in zip(
        axes, ["entropy (bits)", "cell fill rate (A: satisfied cells)", "parser pass rate"], strict=True
    ):
        ax.set_title(title)
        ax.set_xlabel("iteration")
        ax.legend(fontsize=7)
    return _save(fig, out / "entropy_fill_per_iteration.png")


def fill_matrix(vocab: list[str], archive: dict | None, examples: list[list[str]]) -> np.ndarray:
    """Construct x construct: filled cells containing both (archive), or examples containing both (A)."""
    index = {c: i for i, c in enumerate(vocab)}
    mat = np.zeros((len(vocab), len(vocab)))
    sets = [parse_cell_key(k) for k in archive] if archive is not None else examples
    for cell in sets:
        members = [index[c] for c in cell if c in index]
        for a in members:
            for b in members:
                if a != b:
                    mat[a, b] += 1
    return mat


def plot_heatmap(runs: list[dict], out: Path) -> Path:
    """Cell fill heatmap per run (pair co-fill counts)."""
    fig, axes = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 5), squeeze=False)
    for ax, run in zip(axes[0], runs, strict=True):
        vocab = run["metrics"]["vocabulary"]
        archive = run["state"].get("archive")
        examples = []
        if archive is None:
            data = (run["path"] / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
            examples = [json.loads(line)["constructs"] for line in data if line.strip()]
        mat = fill_matrix(vocab, archive, examples)
        im = ax.imshow(mat, cmap="viridis", vmin=0, vmax=max(1.0, float(mat.max())))
        ax.set_xticks(range(len(vocab)), vocab, rotation=90, fontsize=6)
        ax.set_yticks(range(len(vocab)), vocab, fontsize=6)
        kind = "filled cells" if archive is not None else "examples"
        ax.set_title(f"{run['label']}\n{kind} containing both", fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046)
    return _save(fig, out / "cell_fill_heatmap.png")


def plot_kl(runs: list[dict], out: Path) -> Path:
    """KL and JS divergence to the ConstructPrior per run."""
    labels = [r["label"] for r in runs]
    kl = [r["metrics"].get("kl_bits") or 0.0 for r in runs]
    js = [r["metrics"].get("js_bits") or 0.0 for r in runs]
    x = np.arange(len(runs))
    fig, ax = plt.subplots(figsize=(max(5, 1.8 * len(runs)), 3.8))
    ax.bar(x - 0.2, kl, 0.4, label="KL(dataset || prior) bits")
    ax.bar(x + 0.2, js, 0.4, label="JS bits")
    ax.set_xticks(x, labels, fontsize=7, rotation=15)
    ax.legend(fontsize=8)
    ax.set_title("Divergence from the ConstructPrior")
    return _save(fig, out / "kl_per_mode.png")


def write_report(run_dirs: list[Path], out: Path) -> dict:
    """Load the runs, write all plots and the comparison table to `out`; returns the decision."""
    runs = [load_run(p) for p in run_dirs]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = [plot_histograms(runs, out), plot_series(runs, out), plot_heatmap(runs, out), plot_kl(runs, out)]
    rows = comparison_rows(runs)
    decision = select(runs)
    from aso.runs import atomic_write_text

    atomic_write_text(out / "comparison.md", comparison_markdown(rows, decision))
    atomic_write_text(out / "comparison.json", json.dumps({"rows": rows, "decision": decision}, indent=2))
    return {"decision": decision, "rows": rows, "files": [str(f) for f in files]}
