"""The solver's prompt: templates in `aso/solve/prompts/*.txt` (`string.Template`, `$name` fields)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from aso.models import Prompt


@cache
def _template(name: str) -> Template:
    return Template(resources.files("aso.solve").joinpath("prompts", f"{name}.txt").read_text("utf-8"))


EDIT_FORMATS = ("search-replace", "function")
"""Answer formats: SEARCH/REPLACE blocks (`aso.solve.edits`) or whole functions
(`aso.solve.function_edits`)."""

_INSTRUCTIONS = {
    "search-replace": "Write the SEARCH/REPLACE blocks that resolve the issue.",
    "function": "Write the whole corrected function, with its signature, in a single ```python code block.",
}


def solve_prompt(
    issue: str, files: str, feedback: str = "", issue_chars: int = 3000, edit_format: str = "search-replace"
) -> Prompt:
    """Chat messages asking for edits in `edit_format`; `feedback` is the unpatched tests' first failure."""
    if edit_format not in EDIT_FORMATS:
        raise ValueError(f"edit format must be one of {', '.join(EDIT_FORMATS)}, not {edit_format!r}")
    failing = _template("failing").substitute(feedback=feedback.strip()) if feedback.strip() else ""
    user = _template("solve_user").substitute(
        issue=issue.strip()[:issue_chars],
        failing=failing,
        files=files or "(no source files found)\n",
        instruction=_INSTRUCTIONS[edit_format],
    )
    system = "solve_system" if edit_format == "search-replace" else "solve_function_system"
    return [
        {"role": "system", "content": _template(system).substitute().strip()},
        {"role": "user", "content": user},
    ]
