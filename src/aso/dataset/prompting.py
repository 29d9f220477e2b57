"""Prompts from the template files in `prompts/` (string.Template `$name` placeholders)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from string import Template

from aso.dataset.adapters.base import LanguageAdapter
from aso.dataset.requests import GenerationRequest
from aso.models import ChatMessage

FEWSHOT_MAX_LINES = 20  # few-shots are cut to keep prompts short for small models


@lru_cache(maxsize=8)
def load_template(name: str) -> Template:
    """`prompts/<name>.txt` as a Template."""
    return Template(
        resources.files("aso.dataset").joinpath("prompts").joinpath(f"{name}.txt").read_text("utf-8")
    )


class PromptBuilder:
    """Renders a GenerationRequest into chat messages for one language."""

    def __init__(self, adapter: LanguageAdapter) -> None:
        self.adapter = adapter
        reference = getattr(adapter, "reference_text", None)
        self._reference = (reference() + "\n\n") if callable(reference) else ""

    def _describe(self, constructs: tuple[str, ...]) -> str:
        return "\n".join(f"- {c}: {self.adapter.describe(c)}" for c in constructs)

    def render(self, request: GenerationRequest, fewshot_codes: list[str] = ()) -> list[ChatMessage]:
        """The chat prompt for one request; `fewshot_codes` are the GoldPool examples' code."""
        common = {
            "reference": self._reference,
            "language": self.adapter.display_name,
            "fence": self.adapter.fence,
        }
        if request.mode == "reward":
            shots = "".join(
                load_template("fewshot").substitute(
                    fence=self.adapter.fence, code="\n".join(code.splitlines()[:FEWSHOT_MAX_LINES])
                )
                for code in fewshot_codes
            )
            steer = ", ".join(f"{c} ({self.adapter.describe(c)})" for c in request.steer) or "any"
            text = load_template("reward").substitute(common, fewshots=shots, steer=steer)
        else:
            text = load_template("cell").substitute(common, constructs=self._describe(request.constructs))
        return [{"role": "user", "content": text.strip()}]
