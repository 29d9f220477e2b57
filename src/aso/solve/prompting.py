"""The solver's prompt: templates in `aso/solve/prompts/*.txt` (`string.Template`, `$name` fields)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from aso.models import Prompt
from aso.solve.localize import FunctionTarget


@cache
def _template(name: str) -> Template:
    return Template(resources.files("aso.solve").joinpath("prompts", f"{name}.txt").read_text("utf-8"))


EDIT_FORMATS = ("search-replace", "function")
"""Answer formats: SEARCH/REPLACE blocks (`aso.solve.edits`) or whole functions
(`aso.solve.function_edits`)."""


def solve_prompt(
    issue: str,
    files: str,
    feedback: str = "",
    issue_chars: int = 3000,
    edit_format: str = "search-replace",
    target: FunctionTarget | None = None,
    prefill: bool = False,
) -> Prompt:
    """Chat messages asking for edits in `edit_format`; `feedback` is the unpatched tests' first failure.

    With `edit_format="function"` and a `target` (function-level localisation) the prompt names the
    function, and with `prefill` the answer is pre-filled with a code fence, its `def` line and the body's
    indentation, so a model that continues a final message (`aso.models.can_continue_final_message`)
    writes its body.
    """
    if edit_format not in EDIT_FORMATS:
        raise ValueError(f"edit format must be one of {', '.join(EDIT_FORMATS)}, not {edit_format!r}")
    failing = _template("failing").substitute(feedback=feedback.strip()) if feedback.strip() else ""
    user = _template("solve_user").substitute(
        issue=issue.strip()[:issue_chars],
        failing=failing,
        files=files or "(no source files found)\n",
        instruction=_template(f"instruction_{edit_format}").substitute().strip(),
    )
    system = "solve_system" if edit_format == "search-replace" else "solve_function_system"
    messages = [
        {"role": "system", "content": _template(system).substitute().strip()},
        {"role": "user", "content": user},
    ]
    if edit_format == "function" and target is not None:
        messages[1]["content"] += _template("function_target").substitute(name=target.name, path=target.path)
        if prefill and target.signature:
            messages.append({"role": "assistant", "content": answer_prefix(target)})
    return messages


def answer_prefix(target: FunctionTarget) -> str:
    """The pre-filled start of a function-format answer: a code fence, the target's `def` line(s) and the
    indentation of its body (a small model asked to continue after the bare `def` line mostly closes the
    block at once; after the indentation it writes a statement)."""
    return "```python\n" + target.signature + target.body_indent
