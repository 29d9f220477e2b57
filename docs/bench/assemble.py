"""Assemble docs/BENCHMARKS.md from docs/bench/_header.md and the per-area write-ups (headings demoted
one level). Run after editing a write-up: python docs/bench/assemble.py"""

from pathlib import Path

HERE = Path(__file__).parent
PARTS = [
    "foundation", "sandbox", "synth", "hints", "aso", "gain", "bitdelta", "dataset", "solve", "executors",
    "serve", "swe",
]


def demote(text: str) -> str:
    """One more '#' on every Markdown heading outside code blocks."""
    out, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if not fenced and line.startswith("#") else line)
    return "\n".join(out)


def main() -> None:
    """Write docs/BENCHMARKS.md."""
    chunks = [(HERE / "_header.md").read_text().rstrip("\n")]
    chunks += [demote((HERE / f"{name}.md").read_text()).rstrip("\n") for name in PARTS]
    (HERE.parent / "BENCHMARKS.md").write_text("\n\n\n".join(chunks) + "\n")


if __name__ == "__main__":
    main()
