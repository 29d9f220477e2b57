"""`PoEDecoder`: decode with the product of the base model and the experts built from priors.

Experts (names used in weights and logs):
- `base`: the model on the prompt as given (η₀);
- `X1..Xk`: the same model with one expert group's lessons prepended (`Priors.experts`); all context
  experts share ONE `ContextBank` (one batched, KV-cached forward per token);
- `token_bias`: the additive bias distilled from advantages (`Priors.token_bias`), weight
  `token_bias_weight`;
- `grammar`: an optional `GrammarExpert` (mask).

Greedy decoding advances all context experts in lock-step; `draft_tokens=N` switches to draft-and-verify
(`aso.decoding.speculative`; same tokens, pays only where a chunked forward is cheap).
`precision="bfloat16"` computes the large products of each step in bf16 (`PackedLinears`; several times
faster on CPUs with AMX/AVX-512-BF16, ~0.35% relative error per product, so tokens can differ from
float32); the default float32 is exact.

`weights="poai"` (default) derives η from each context expert's measured reliability
(`aso.decoding.weights`); a list (aligned with `expert_names`) or a dict gives fixed weights.

A model without logits (an OpenAI-compatible endpoint) cannot be combined per token: the decoder then
falls back to prompt-level priors (all lessons in the prompt, one `model.sample` call), warns, and says
so in `mode` / `notes`.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from aso.decoding.combine import poe_log_probs
from aso.decoding.contexts import ContextBank, ContextExpert
from aso.decoding.experts import Expert, GrammarExpert, TokenBiasExpert
from aso.decoding.speculative import speculative_greedy
from aso.decoding.weights import ExpertWeights, fixed_weights, reliability_weights
from aso.grpo.priors import Priors, load_priors
from aso.grpo.templates import render
from aso.models import Model, Prompt, SamplingParams, get_model

PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}
"""`precision=` values: the large matrix products of decoding steps in float32 (exact) or bfloat16."""

# (prompt, lessons text) -> prompt with the lessons
PriorPrompt = Callable[[Prompt, str], Prompt]


class DecodeMode(enum.Enum):
    """How priors are applied."""

    PRODUCT_OF_EXPERTS = "poe"
    PROMPT_FALLBACK = "prompt_fallback"


class FinishReason(enum.Enum):
    """Why a generation ended."""

    EOS = "eos"
    STOP = "stop"
    LENGTH = "length"
    DEAD_END = "dead_end"
    """Every token was forbidden (a grammar mask with nothing allowed)."""


@dataclass
class PoEOutput:
    """One generation."""

    text: str
    finish_reason: FinishReason
    token_ids: list[int] = field(default_factory=list)
    experts: dict[str, float] = field(default_factory=dict)
    """Expert name -> η actually used."""
    draft: dict[str, int] = field(default_factory=dict)
    """Draft-and-verify counts (`rounds`, `drafted`, `accepted`) when that loop ran; empty otherwise."""

    def __str__(self) -> str:
        return self.text


def prepend_lessons(prompt: Prompt, lessons: str) -> Prompt:
    """Put the lessons in front of the (first user message of the) prompt."""
    if not lessons:
        return prompt
    preamble = render("rollout_preamble", experiences=lessons)
    if isinstance(prompt, str):
        return preamble + prompt
    out, done = [], False
    for msg in prompt:
        if not done and msg.get("role") == "user":
            msg, done = {**msg, "content": preamble + msg.get("content", "")}, True
        out.append(msg)
    return out


class PoEDecoder:
    """Product-of-Experts decoding over the base model and the priors' experts."""

    def __init__(
        self,
        base_model: Model | str | None = None,
        priors: Priors | str | Path | None = None,
        weights: str | Sequence[float] | Mapping[str, float] = "poai",
        *,
        token_bias_weight: float = 1.0,
        grammar: GrammarExpert | None = None,
        prior_prompt: PriorPrompt = prepend_lessons,
        temperature: float = 0.0,
        seed: int = 0,
        draft_tokens: int = 0,
        precision: str = "float32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self.dtype = PRECISIONS[precision]
        self.draft_tokens = draft_tokens
        self.model = (
            get_model(base_model) if base_model is None or isinstance(base_model, str) else base_model
        )
        self.priors = load_priors(priors) if isinstance(priors, str | Path) else priors
        self.prior_prompt = prior_prompt
        self.temperature, self.seed = temperature, seed
        self.grammar = grammar
        self.notes: list[str] = []
        names = ["base"] + [e.id for e in (self.priors.experts if self.priors else [])]
        self.expert_names = names
        self.weights = self._resolve_weights(weights, names)
        self.token_bias_weight = token_bias_weight if self.priors and self.priors.token_bias else 0.0
        self.mode = DecodeMode.PRODUCT_OF_EXPERTS
        if getattr(self.model, "hf_model", None) is None:
            self.mode = DecodeMode.PROMPT_FALLBACK
            note = (
                f"model {self.model.info.name!r} gives no logits: PoE falls back to prompt-level priors "
                "(all lessons in the prompt; no token-level combination, token bias or grammar expert)"
            )
            self.notes.append(note)
            warnings.warn(note, stacklevel=2)
        if self.weights.dropped:
            self.notes.append(f"dropped experts (q <= 0.5 or weight 0): {', '.join(self.weights.dropped)}")

    def _resolve_weights(self, weights, names: list[str]) -> ExpertWeights:
        if isinstance(weights, str):
            if weights != "poai":
                raise ValueError(f"weights must be 'poai', a list or a dict, not {weights!r}")
            if self.priors is None:
                return fixed_weights(names, [1.0])
            rel = {"base": self.priors.base, **{e.id: e.reliability for e in self.priors.experts}}
            return reliability_weights(rel)
        return fixed_weights(names, weights)

    # --- generation --------------------------------------------------------------------------------
    def generate(
        self,
        prompt: Prompt,
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        temperature: float | None = None,
        min_tokens: int = 0,
    ) -> PoEOutput:
        """Generate one completion (greedy when the temperature is 0); EOS is refused before `min_tokens`."""
        temp = self.temperature if temperature is None else temperature
        if self.mode is DecodeMode.PROMPT_FALLBACK:
            return self._generate_fallback(prompt, max_tokens, stop, temp)
        names = [n for n in self.expert_names if n in self.weights.etas]
        contexts = [self._encode(self._expert_prompt(prompt, n)) for n in names]
        tokenizer = self.model.tokenizer  # type: ignore[attr-defined]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        if temp <= 0 and self.grammar is None and self.draft_tokens > 0 and len(names) > 1:
            return self._generate_draft_verify(names, contexts, pad, max_tokens, stop, min_tokens)
        bank = ContextBank(self.model.hf_model, contexts, pad_id=pad, dtype=self.dtype)  # type: ignore[attr-defined]
        ctx_experts = [ContextExpert(bank, i, self.weights.etas[n], n) for i, n in enumerate(names)]
        experts: list[Expert] = list(ctx_experts)
        if (bias_expert := self._token_bias_expert()) is not None:
            experts.append(bias_expert)
        if self.grammar is not None:
            self.grammar.reset()
            experts.append(self.grammar)
        return self._loop(experts, ctx_experts, bank, contexts[0], max_tokens, stop, temp, min_tokens)

    def _generate_draft_verify(
        self, names: list[str], contexts: list[list[int]], pad: int, max_tokens: int, stop, min_tokens: int
    ) -> PoEOutput:
        """Greedy PoE, the first context drafting and the others verifying (`aso.decoding.speculative`)."""
        hf = self.model.hf_model  # type: ignore[attr-defined]
        tokenizer = self.model.tokenizer  # type: ignore[attr-defined]
        bias_expert = self._token_bias_expert()
        others: list[Expert] = [] if bias_expert is None else [bias_expert]

        result = speculative_greedy(
            ContextBank(hf, contexts[:1], pad_id=pad, dtype=self.dtype),
            ContextBank(hf, contexts[1:], pad_id=pad, dtype=self.dtype),
            [self.weights.etas[n] for n in names],
            others,
            contexts[0],
            _eos_ids(self.model),
            max_tokens,
            min_tokens=min_tokens,
            draft_tokens=self.draft_tokens,
            stopped=lambda tokens: _stop_hit(tokenizer, tokens, stop),
        )
        text = tokenizer.decode(result.tokens, skip_special_tokens=True)
        reasons = {"eos": FinishReason.EOS, "stop": FinishReason.STOP}
        finish = reasons.get(result.stopped_by, FinishReason.LENGTH)
        if finish is FinishReason.STOP:
            text = _cut_at_stop(text, stop)
        used = {n: self.weights.etas[n] for n in names} | {e.name: e.weight for e in others}
        draft = {"rounds": result.rounds, "drafted": result.drafted, "accepted": result.accepted}
        return PoEOutput(text, finish, result.tokens, used, draft)

    def generate_batch(
        self,
        prompts: Sequence[Prompt],
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> list[PoEOutput]:
        """Greedy/sampled PoE for several prompts at once: every (prompt, context expert) row shares one
        bank and one forward per step. Same combination as `generate`; results can differ from it only
        by padding round-off. The grammar expert is not supported here (use `generate`)."""
        temp = self.temperature
        if self.mode is DecodeMode.PROMPT_FALLBACK:  # one seed per row, as rows sample apart locally
            first = self.seed if seed is None else seed
            return [
                self._generate_fallback(p, max_tokens, stop, temp, first + j) for j, p in enumerate(prompts)
            ]
        if self.grammar is not None:
            raise ValueError("generate_batch does not support a grammar expert; use generate")
        names = [n for n in self.expert_names if n in self.weights.etas]
        k = len(names)
        contexts = [self._encode(self._expert_prompt(p, n)) for p in prompts for n in names]
        tokenizer = self.model.tokenizer  # type: ignore[attr-defined]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        bank = ContextBank(self.model.hf_model, contexts, pad_id=pad, dtype=self.dtype)  # type: ignore[attr-defined]
        etas = [self.weights.etas[n] for n in names]
        bias_expert = self._token_bias_expert()
        bias = None if bias_expert is None else bias_expert.bias
        eos = _eos_ids(self.model)
        gen = torch.Generator().manual_seed(self.seed if seed is None else seed)
        generated: list[list[int]] = [[] for _ in prompts]
        finish = [FinishReason.LENGTH] * len(prompts)
        active = [True] * len(prompts)
        logp_rows = bank.step_rows([])
        for _ in range(max_tokens):
            per_prompt = logp_rows.view(len(prompts), k, -1)
            factors = [per_prompt[:, i, :] for i in range(k)]
            weights = list(etas)
            if bias is not None:
                factors.append(bias.unsqueeze(0).expand(len(prompts), -1)[:, : per_prompt.shape[-1]])
                weights.append(self.token_bias_weight)
            logp = poe_log_probs(factors, weights)
            next_tokens = []
            for j in range(len(prompts)):
                token = _choose(logp[j], temp, gen) if active[j] else pad
                if active[j]:
                    if token in eos:
                        active[j], finish[j] = False, FinishReason.EOS
                    else:
                        generated[j].append(token)
                        if _stop_hit(tokenizer, generated[j], stop):
                            active[j], finish[j] = False, FinishReason.STOP
                next_tokens.extend([token] * k)
            if not any(active):
                break
            logp_rows = bank.step_rows(next_tokens)
        outputs = []
        used = dict(zip(names, etas, strict=True))
        if bias is not None:
            used["token_bias"] = self.token_bias_weight
        for ids, why in zip(generated, finish, strict=True):
            text = tokenizer.decode(ids, skip_special_tokens=True)
            if why is FinishReason.STOP:
                text = _cut_at_stop(text, stop)
            outputs.append(PoEOutput(text, why, ids, dict(used)))
        return outputs

    def _loop(
        self, experts, ctx_experts, bank, prompt_ids, max_tokens, stop, temp, min_tokens=0
    ) -> PoEOutput:
        tokenizer = self.model.tokenizer  # type: ignore[attr-defined]
        eos = _eos_ids(self.model)
        gen = torch.Generator().manual_seed(self.seed)
        generated: list[int] = []
        finish = FinishReason.LENGTH
        for _ in range(max_tokens):
            for ce in ctx_experts:
                ce.generated = generated
            logits = bank.log_probs(generated)[:1]
            ids = torch.tensor([prompt_ids + generated])
            factors = [e.process_logits(ids, logits) for e in experts]
            logp = poe_log_probs(factors, [e.weight for e in experts])[0]
            if len(generated) < min_tokens:
                logp[list(eos)] = float("-inf")
            if not torch.isfinite(logp).any():
                finish = FinishReason.DEAD_END
                break
            token = _choose(logp, temp, gen)
            if token in eos:
                finish = FinishReason.EOS
                break
            generated.append(token)
            if _stop_hit(tokenizer, generated, stop):
                finish = FinishReason.STOP
                break
        text = tokenizer.decode(generated, skip_special_tokens=True)
        if finish is FinishReason.STOP:
            text = _cut_at_stop(text, stop)
        used = {e.name: e.weight for e in experts}
        return PoEOutput(text, finish, generated, used)

    def _token_bias_expert(self) -> TokenBiasExpert | None:
        """The priors' token-bias expert at `token_bias_weight`, or None when there is none to apply."""
        if self.token_bias_weight > 0 and self.priors and self.priors.token_bias:
            return TokenBiasExpert(self.priors.token_bias.dense(), self.token_bias_weight)
        return None

    def _generate_fallback(
        self, prompt: Prompt, max_tokens: int, stop: Sequence[str], temp: float, seed: int | None = None
    ) -> PoEOutput:
        lessons = self.priors.library.format() if self.priors else ""
        params = SamplingParams(
            n=1,
            temperature=temp,
            max_tokens=max_tokens,
            stop=tuple(stop),
            seed=self.seed if seed is None else seed,
        )
        completion = self.model.sample([self.prior_prompt(prompt, lessons)], params)[0][0]
        finish = FinishReason.LENGTH if completion.finish_reason == "length" else FinishReason.STOP
        return PoEOutput(completion.text, finish, [], {"prompt_priors": 1.0})

    def _expert_prompt(self, prompt: Prompt, name: str) -> Prompt:
        if name == "base" or self.priors is None:
            return prompt
        spec = next(e for e in self.priors.experts if e.id == name)
        return self.prior_prompt(prompt, self.priors.expert_text(spec))

    def _encode(self, prompt: Prompt) -> list[int]:
        return list(self.model.encode(prompt))  # type: ignore[attr-defined]


def _stop_hit(tokenizer, tokens: Sequence[int], stop: Sequence[str]) -> bool:  # noqa: ANN001
    """Whether the decoded `tokens` contain one of the `stop` strings."""
    return bool(stop) and any(s in tokenizer.decode(tokens, skip_special_tokens=True) for s in stop)


def _cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """`text` up to the earliest stop string it contains."""
    return text[: min(text.find(s) for s in stop if s in text)]


def _choose(logp: torch.Tensor, temperature: float, gen: torch.Generator) -> int:
    if temperature <= 0:
        return int(torch.argmax(logp))
    probs = torch.softmax(logp / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=gen))


def _eos_ids(model) -> set[int]:
    ids = {model.tokenizer.eos_token_id}
    configured = getattr(getattr(model.hf_model, "generation_config", None), "eos_token_id", None)
    if isinstance(configured, int):
        ids.add(configured)
    elif configured:
        ids.update(configured)
    return {i for i in ids if i is not None}
