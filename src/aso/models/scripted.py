"""A scripted model for tests of logic that does not depend on the model (no mocks needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from aso.models.base import Completion, ModelInfo, Prompt, SamplingParams


def prompt_text(prompt: Prompt) -> str:
    """The text of a prompt: itself, or its chat messages' contents joined by newlines."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(m.get("content", "") for m in prompt)


class ScriptedModel:
    """Returns scripted outputs in order (cycling), or whatever `respond(prompt_text, i)` returns.

    Example: `ScriptedModel(outputs=["(+ a b)", "junk"])` answers the first call with "(+ a b)", the
    second with "junk", the third with "(+ a b)" again. `calls` records every prompt it was given.
    A chat prompt ending with an assistant message is "continued": the scripted output is the continuation.
    """

    continues_final_message = True

    def __init__(
        self,
        outputs: Sequence[str] = (),
        respond: Callable[[str, int], str] | None = None,
        name: str = "scripted",
    ) -> None:
        if not outputs and respond is None:
            raise ValueError("ScriptedModel needs outputs or respond")
        self._outputs = list(outputs)
        self._respond = respond
        self._i = 0
        self.calls: list[Prompt] = []
        digest = hashlib.sha256("\x00".join(self._outputs).encode()).hexdigest()
        self.info = ModelInfo(name=name, backend="scripted", location="memory", identity=f"sha256:{digest}")

    def _next(self, text: str) -> str:
        i = self._i
        self._i += 1
        if self._respond is not None:
            return self._respond(text, i)
        return self._outputs[i % len(self._outputs)]

    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Answer each prompt with `params.n` scripted completions."""
        results = []
        for prompt in prompts:
            self.calls.append(prompt)
            text = prompt_text(prompt)
            results.append([Completion(text=self._next(text)) for _ in range(params.n)])
        return results
