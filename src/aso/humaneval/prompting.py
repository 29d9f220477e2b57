"""Prompts for HumanEval and taking the function out of the answer.

The chat prompt is the better plain baseline for SmolLM2-135M-Instruct (7/40 greedy on HumanEval/0-39,
against 0/40 as a raw completion): ask for the whole function in a ```python block, then take the
function from the block. `program` joins the prompt's imports with what the model wrote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from aso.models import Prompt

_BLOCK = re.compile(r"```[ \t]*(?:python|py|Python)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
CODE_STOP = ("\n```\n",)


@lru_cache(maxsize=1)
def _template() -> Template:
    path = resources.files("aso.humaneval").joinpath("prompts", "chat_function.txt")
    return Template(path.read_text(encoding="utf-8"))


def chat_prompt(problem: dict[str, Any]) -> Prompt:
    """Chat messages asking for the whole function in a code block."""
    return [{"role": "user", "content": _template().substitute(prompt=problem["prompt"])}]


def extract_code(answer: str) -> str:
    """The first fenced code block of an answer (an unclosed one runs to the end); else the answer."""
    match = _BLOCK.search(answer)
    return match.group(1) if match else answer


def code_blocks(answer: str) -> list[str]:
    """Every fenced Python code block of an answer, in order (an unclosed last one runs to the end)."""
    return [m.group(1) for m in _BLOCK.finditer(answer)]


def _imports(prompt: str) -> str:
    lines = [ln for ln in prompt.splitlines() if ln.startswith(("import ", "from "))]
    return "\n".join(lines)


def program(problem: dict[str, Any], answer: str) -> str:
    """A runnable program: the prompt's imports plus the function the model wrote.

    If the code does not define the entry point, the answer is treated as the body continuing the
    prompt (a raw completion), so both prompt styles are scored the same way.
    """
    code = extract_code(answer)
    entry = problem["entry_point"]
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        return f"{_imports(problem['prompt'])}\n\n{code}\n"
    return problem["prompt"] + answer + "\n"


def exemplar_prompt(problem: dict[str, Any], exemplars: Sequence[tuple[str, str]]) -> Prompt:
    """The chat prompt preceded by solved examples: one (user task, assistant code block) turn pair each.

    An example's task is shown short (`short_prompt`): on a CPU every prompt token is paid once per sample.

        `exemplars` are (task prompt, solution code) pairs, most similar first; the most similar is put last,
        nearest to the task.
    """
    turns: list[dict[str, str]] = []
    for prompt, code in reversed(list(exemplars)):
        turns.append({"role": "user", "content": _template().substitute(prompt=short_prompt(prompt))})
        turns.append({"role": "assistant", "content": f"```python\n{extract_code(code).strip()}\n```"})
    return [*turns, *chat_prompt(problem)]


def without_docstring(code: str) -> str:
    """The code without its functions' docstrings (shorter exemplars); unchanged if it does not parse."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and ast.get_docstring(node) is not None:
            node.body = node.body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def short_prompt(prompt: str) -> str:
    """A task prompt cut to its last `def` line and the first line of that function's docstring."""
    lines = prompt.rstrip().splitlines()
    defs = [i for i, ln in enumerate(lines) if ln.lstrip().startswith("def ")]
    if not defs:
        return prompt
    head = lines[: defs[-1] + 1]
    doc = next(
        (ln.strip().strip('"').strip("'").strip() for ln in lines[defs[-1] + 1 :] if ln.strip(" \"'")), ""
    )
    indent = "    "
    return "\n".join(head) + (f'\n{indent}"""{doc}"""\n' if doc else "\n")
