"""Report of a hints batch run: a table per hole and a PNG plot.

Per hole: the model(s) asked, candidates, validity per tier (passed/checked), the chosen term and the
synthesis time (and programs enumerated) without and with the hint. Specs that could not be processed
are listed with the reason. `render_report(run_dir)` writes `report.md` and `report.png` in the run
directory and returns the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from aso.errors import RunStateError
from aso.synth.hints.outcomes import Tier

TIERS = (Tier.CHEAP, Tier.EXAMPLES, Tier.FULL)


@dataclass
class ReportRow:
    """One hole of one spec."""

    spec: str
    hole_id: str
    models: list[str]
    candidates: int
    validity: dict[str, tuple[int, int]]
    """Tier -> (passed, checked)."""
    chosen: str | None
    source: str | None
    time_without: float | None
    time_with: float | None
    programs_without: int | None
    programs_with: int | None

    def cells(self) -> list[str]:
        """Table cells."""

        def tier(t: Tier) -> str:
            p, n = self.validity.get(t.value, (0, 0))
            return f"{p}/{n}" if n else "-"

        def secs(x: float | None) -> str:
            return "-" if x is None else f"{x:.2f}s"

        def progs(x: int | None) -> str:
            return "-" if x is None else str(x)

        return [
            self.spec,
            self.hole_id,
            " -> ".join(self.models),
            str(self.candidates),
            *(tier(t) for t in TIERS),
            self.chosen or "(none)",
            secs(self.time_without),
            secs(self.time_with),
            progs(self.programs_without),
            progs(self.programs_with),
        ]


HEADERS = [
    "spec",
    "hole",
    "model",
    "cands",
    "cheap",
    "examples",
    "full",
    "chosen",
    "t synth (no hint)",
    "t synth (hint)",
    "progs (no hint)",
    "progs (hint)",
]


def load_rows(run_dir: Path) -> tuple[list[ReportRow], dict[str, str]]:
    """Rows of every processed spec, and `spec -> reason` for those that could not be processed."""
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.json"
    if not (run_dir / "config.json").is_file():
        raise RunStateError(f"{run_dir}: not a run directory (no config.json)")
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    cannot = {k: v.get("reason", "") for k, v in summary.items() if v.get("status") == "cannot"}
    rows = []
    for path in sorted((run_dir / "results").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for hole in doc["holes"]:
            validity: dict[str, tuple[int, int]] = {}
            for cand in hole["candidates"]:
                for t, v in cand["verdicts"].items():
                    p, n = validity.get(t, (0, 0))
                    if v in ("passed", "failed"):
                        validity[t] = (p + (v == "passed"), n + 1)
            chosen = hole.get("chosen") or {}
            without, with_ = hole.get("synth_without") or {}, hole.get("synth_with") or {}
            rows.append(
                ReportRow(
                    doc["spec"],
                    hole["hole_id"],
                    hole["models"],
                    len(hole["candidates"]),
                    validity,
                    chosen.get("term"),
                    chosen.get("source"),
                    without.get("seconds"),
                    with_.get("seconds"),
                    without.get("programs"),
                    with_.get("programs"),
                )
            )
    if not rows and not cannot:
        raise RunStateError(f"{run_dir}: no hint results yet (results/*.json missing)")
    return rows, cannot


def markdown_table(rows: list[ReportRow], cannot: dict[str, str]) -> str:
    """The report as Markdown."""
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for r in rows:
        lines.append(
            "| "
            + " | ".join(c.replace("|", "\\|") if i != 7 else f"`{c}`" for i, c in enumerate(r.cells()))
            + " |"
        )
    if cannot:
        lines += ["", "Specs without results:"] + [f"- {k}: {v}" for k, v in sorted(cannot.items())]
    hinted = sum(1 for r in rows if r.chosen)
    lines += ["", f"Holes hinted: {hinted}/{len(rows)}. Validity cells are passed/checked candidates."]
    return "\n".join(lines) + "\n"


def plot_report(rows: list[ReportRow], path: Path) -> Path:
    """Two panels: validity rate per tier per hole, and synthesis time without/with the hint."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [f"{r.spec}:{r.hole_id}" for r in rows]
    x = np.arange(len(rows))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(8, 0.9 * len(rows) + 3), 8), sharex=True)
    for i, t in enumerate(TIERS):
        rates = [
            (r.validity.get(t.value, (0, 0))[0] / r.validity[t.value][1])
            if r.validity.get(t.value, (0, 0))[1]
            else np.nan
            for r in rows
        ]
        ax1.bar(x + (i - 1) * 0.27, rates, 0.27, label=t.value)
    ax1.set_ylabel("valid candidates (fraction)")
    ax1.set_ylim(0, 1.05)
    ax1.legend(loc="upper right")
    ax1.set_title("Hint validity per tier (missing bar: tier not run or no candidate)")
    without = [r.time_without if r.time_without is not None else np.nan for r in rows]
    with_ = [r.time_with if r.time_with is not None else np.nan for r in rows]
    ax2.bar(x - 0.2, without, 0.4, label="no hint")
    ax2.bar(x + 0.2, with_, 0.4, label="with hint")
    ax2.set_ylabel("synthesis time (s)")
    if any(v == v and v > 0 for v in without + with_):
        ax2.set_yscale("log")
    ax2.legend(loc="upper right")
    ax2.set_title("Synthesis time without / with the hint (missing bar: not measured or no hint)")
    ax2.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def render_report(run_dir: Path) -> tuple[list[ReportRow], dict[str, str]]:
    """Write `report.md` and `report.png` into `run_dir`; return the rows and the unprocessed specs."""
    from aso.runs import atomic_write_text

    rows, cannot = load_rows(run_dir)
    quality_path = Path(run_dir) / "quality.json"
    text = markdown_table(rows, cannot)
    if quality_path.is_file():
        text += "\nHint quality per model:\n\n```json\n" + quality_path.read_text(encoding="utf-8") + "```\n"
    atomic_write_text(Path(run_dir) / "report.md", text)
    if rows:
        plot_report(rows, Path(run_dir) / "report.png")
    return rows, cannot
