"""Prompt templates of `aso.grpo`, read from `aso/grpo/prompts/*.txt` (`string.Template`, `$name` fields)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def template(name: str) -> Template:
    """The template `prompts/<name>.txt` of this package."""
    text = resources.files("aso.grpo").joinpath("prompts", f"{name}.txt").read_text(encoding="utf-8")
    return Template(text)


def render(name: str, **fields: object) -> str:
    """Fill template `name` with `fields` (every `$field` must be given)."""
    return template(name).substitute({k: str(v) for k, v in fields.items()})
