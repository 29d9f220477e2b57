"""The model protocol every backend implements, and the data it exchanges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# A prompt is plain text, or chat messages [{"role": "user", "content": "..."}]. Chat messages that end with
# an assistant message ask for a continuation of that message (a pre-filled answer); only backends whose
# class sets `continues_final_message = True` do that (see `can_continue_final_message`).
ChatMessage = dict[str, str]
Prompt = str | list[ChatMessage]


@dataclass(frozen=True)
class SamplingParams:
    """How to sample completions."""

    n: int = 1
    """Completions per prompt."""
    temperature: float = 0.7
    """0 means greedy."""
    top_p: float = 1.0
    """Nucleus sampling mass."""
    max_tokens: int = 256
    """New tokens per completion at most."""
    stop: tuple[str, ...] = ()
    """Strings that end a completion (not included in its text)."""
    seed: int | None = None
    """Seed: the same call (same prompts, same n) gives the same samples; None draws one."""
    logprobs: bool = False
    """Return per-token log-probabilities where the backend has them."""


@dataclass
class Completion:
    """One sampled completion."""

    text: str
    finish_reason: str = "stop"
    """"stop" (EOS or a stop string) or "length" (max_tokens reached)."""
    tokens: list[str] | None = None
    logprobs: list[float] | None = None
    """Log-probability of each generated token under the sampling distribution's model."""
    n_tokens: int = 0


@dataclass
class ModelInfo:
    """What a model name resolved to."""

    name: str
    """The name as given (e.g. `smollm2`, `hf:/path`, `openai:http://host/v1#model`)."""
    backend: str
    """`transformers`, `openai` or `scripted`."""
    location: str
    """File, directory or endpoint URL."""
    identity: str
    """`sha256:...` of the weights file (or of endpoint + model name)."""
    details: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Model(Protocol):
    """Sampling: prompts -> `n` completions each. Every backend implements this."""

    info: ModelInfo

    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """Return, for each prompt, `params.n` completions."""
        ...


@runtime_checkable
class ScoringModel(Model, Protocol):
    """Local backends also score: the next-token log-probability distribution for a batch of contexts."""

    def encode(self, prompt: Prompt) -> list[int]:
        """Token ids of a prompt (chat prompts get the model's chat template and generation prompt)."""
        ...

    def next_token_logprobs(self, contexts: Sequence[Sequence[int]]):  # -> torch.Tensor [B, V]
        """Log-softmax over the vocabulary of the next token after each context (token ids)."""
        ...


def can_continue_final_message(model: object) -> bool:
    """Whether `model` continues a pre-filled final assistant message instead of starting a new turn."""
    return bool(getattr(model, "continues_final_message", False))
