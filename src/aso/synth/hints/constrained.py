"""Grammar-constrained decoding: the hole's grammar as a token mask over a local model's vocabulary.

`GrammarLogitsProcessor` is a `transformers` logits processor: at each step every row may only take
tokens whose text keeps its output a valid prefix of a term of the grammar (see `term_prefix`), and
end-of-sequence only once the term is complete. The mask is built as one tensor per step from memoised
per-state token-id lists. `constrained_sample` runs a local backend's `hf_model.generate` with it.

Not handled: remote (OpenAI-compatible) models, which expose no logits; the caller refuses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import torch
from transformers import LogitsProcessor, LogitsProcessorList

from aso.errors import ConfigError
from aso.models import Completion, Prompt, SamplingParams
from aso.synth.grammar import Grammar
from aso.synth.hints.term_prefix import TermPrefixParser, TokenTrie, allowed_token_ids
from aso.synth.terms import to_sexpr


def grammar_parser(grammar: Grammar) -> TermPrefixParser:
    """A prefix parser over the productions of an engine `Grammar` (SyGuS any-constant sets become
    the grammar's listed constants)."""
    productions = {nt: [to_sexpr(p) for p in prods] for nt, prods in grammar.productions.items()}
    for nt in grammar.any_constant:
        productions[nt] = productions.get(nt, []) + [str(c) for c in grammar.extra_constants or (0, 1)]
    return TermPrefixParser(productions, grammar.start)


@lru_cache(maxsize=2)
def _token_strings(tokenizer) -> tuple[str, ...]:  # noqa: ANN001 - any HF tokenizer
    return tuple(tokenizer.decode([i]) for i in range(len(tokenizer)))


class GrammarLogitsProcessor(LogitsProcessor):
    """Masks every token that would take a row's generated text out of the grammar's terms."""

    def __init__(self, parser: TermPrefixParser, tokenizer, eos_token_ids: Sequence[int]) -> None:  # noqa: ANN001
        self.parser = parser
        self.tokens = _token_strings(tokenizer)
        self.trie = TokenTrie(self.tokens, parser.charset)
        self.eos = [int(t) for t in eos_token_ids]
        self._allowed: dict[int, torch.Tensor] = {}
        self.reset()

    def reset(self) -> None:
        """Forget per-row states (also done automatically when a call does not continue the last one)."""
        self._next_len: int | None = None
        self._states: list[int | None] = []

    def _allowed_ids(self, sid: int | None) -> torch.Tensor:
        key = -1 if sid is None else sid
        ids = self._allowed.get(key)
        if ids is None:
            found = [] if sid is None else allowed_token_ids(self.parser, self.trie, sid)
            if sid is None or self.parser.is_complete(sid) or not found:
                found = found + self.eos  # a dead or complete row may only end
            ids = self._allowed[key] = torch.tensor(sorted(set(found)), dtype=torch.long)
        return ids

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        """Mask `scores` [B, V] given the sequences so far `input_ids` [B, L]."""
        length = input_ids.shape[1]
        if length != self._next_len or len(self._states) != input_ids.shape[0]:  # a new generation
            self._states = [self.parser.start_state] * input_ids.shape[0]
        else:
            last = input_ids[:, -1].tolist()
            for row, tok in enumerate(last):
                sid = self._states[row]
                if sid is not None and tok not in self.eos:
                    self._states[row] = self.parser.feed(sid, self.tokens[tok])
        self._next_len = length + 1
        mask = torch.full_like(scores, float("-inf"))
        for row, sid in enumerate(self._states):
            ids = self._allowed_ids(sid).to(scores.device)
            ids = ids[ids < scores.shape[1]]
            mask[row, ids] = 0.0
        return scores + mask


def _eos_ids(model) -> list[int]:  # noqa: ANN001
    ids = model.hf_model.generation_config.eos_token_id
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    if model.tokenizer.eos_token_id is not None:
        ids.append(model.tokenizer.eos_token_id)
    return sorted(set(ids))


def constrained_sample(
    model,
    prompts: Sequence[Prompt],
    params: SamplingParams,
    grammar: Grammar,  # noqa: ANN001
) -> list[list[Completion]]:
    """Sample `params.n` completions per prompt from a local model, each constrained to `grammar`.

    `model` must be a local backend with `.hf_model`, `.tokenizer` and `.encode` (not a remote one).
    """
    if not hasattr(model, "hf_model"):
        raise ConfigError(f"--constrained needs a local model (smollm2, hf:, gguf:), not {model.info.name!r}")
    eos = _eos_ids(model)
    proc = GrammarLogitsProcessor(grammar_parser(grammar), model.tokenizer, eos)
    results: list[list[Completion]] = []
    for k, prompt in enumerate(prompts):
        ids = torch.tensor([model.encode(prompt)], dtype=torch.long, device=model.device)
        kwargs: dict = dict(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=params.max_tokens,
            num_return_sequences=params.n,
            logits_processor=LogitsProcessorList([proc]),
            pad_token_id=model.tokenizer.pad_token_id,
            eos_token_id=eos,
        )
        if params.temperature > 0:
            kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        proc.reset()
        with torch.inference_mode():
            if params.seed is not None:
                torch.manual_seed(params.seed + k)
            out = model.hf_model.generate(**kwargs)
        completions = []
        for seq in out[:, ids.shape[1] :].tolist():
            end = next((i for i, t in enumerate(seq) if t in eos), len(seq))
            text = model.tokenizer.decode(seq[:end], skip_special_tokens=True)
            completions.append(
                Completion(text=text, finish_reason="stop" if end < len(seq) else "length", n_tokens=end)
            )
        results.append(completions)
    return results
