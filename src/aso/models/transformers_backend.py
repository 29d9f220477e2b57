"""Local models through `transformers`: HF directories and GGUF files, batched, CPU or CUDA.

A GGUF file is dequantised by transformers' GGUF loader; that costs ~30 s for the embedded model, so the
converted weights and tokenizer are cached once under `$ASO_CACHE` (default `~/.cache/aso/converted/<sha>`),
keyed by the GGUF file's hash. The cache is derived from the file on disk; nothing is downloaded.
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerBase

from aso.errors import ModelNotFoundError
from aso.models.base import Completion, ModelInfo, Prompt, SamplingParams
from aso.models.names import ModelRef, model_identity
from aso.runs import atomic_write_text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def converted_cache_dir(identity: str) -> Path:
    """Where the dequantised copy of a GGUF model with this identity hash is kept."""
    root = Path(os.environ.get("ASO_CACHE", Path.home() / ".cache" / "aso"))
    return root / "converted" / identity.removeprefix("sha256:")[:32]


def _load_gguf(ref: ModelRef, identity: str):
    cache = converted_cache_dir(identity)
    if not (cache / "complete").is_file():
        tokenizer = AutoTokenizer.from_pretrained(ref.location, gguf_file=ref.model_id)
        model = AutoModelForCausalLM.from_pretrained(ref.location, gguf_file=ref.model_id)
        _save_converted(model, tokenizer, cache)
        if not (cache / "complete").is_file():
            # no writable cache: the dequantised weights are plain floats, but transformers still marks
            # the model quantized (and refuses `.float()`, `.to(dtype)`); drop the marks
            model.is_quantized = False
            model.hf_quantizer = None
            return tokenizer, model
    # the first load returns what every later load returns: a plain model from the cache
    return AutoTokenizer.from_pretrained(cache), AutoModelForCausalLM.from_pretrained(cache)


def _save_converted(model, tokenizer: PreTrainedTokenizerBase, cache: Path) -> None:
    """Save dequantised weights as a plain HF directory (GGUF-loaded models refuse save_pretrained)."""
    from safetensors.torch import save_model

    tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        config = model.config.to_dict()
        config.pop("quantization_config", None)
        import json

        atomic_write_text(tmp / "config.json", json.dumps(config, indent=2))
        save_model(model, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer.save_pretrained(tmp)
        (tmp / "complete").write_text("ok\n")
        if not cache.exists():
            os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home: the cache is an optimisation only
    finally:
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def left_pad(contexts: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-pad token contexts into `[B, L]` ids and attention mask (1 = real token)."""
    width = max(len(c) for c in contexts)
    ids = torch.full((len(contexts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(contexts), width), dtype=torch.long)
    for i, c in enumerate(contexts):
        ids[i, width - len(c) :] = torch.tensor(list(c), dtype=torch.long)
        mask[i, width - len(c) :] = 1
    return ids, mask


class TransformersModel:
    """A local causal LM: sampling (batched `generate`) and next-token scoring."""

    continues_final_message = True
    """Chat prompts ending with an assistant message are continued (see `encode`)."""

    def __init__(self, ref: ModelRef, device: str | None = None, max_batch: int = 16) -> None:
        self.ref = ref
        identity = model_identity(ref)
        self.info = ModelInfo(
            name=ref.name,
            backend="transformers",
            location=str(Path(ref.location) / ref.model_id) if ref.model_id else ref.location,
            identity=identity,
        )
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        try:
            if ref.model_id:
                self.tokenizer, model = _load_gguf(ref, identity)
            else:
                self.tokenizer = AutoTokenizer.from_pretrained(ref.location)
                model = AutoModelForCausalLM.from_pretrained(ref.location)
        except (OSError, ValueError) as exc:
            raise ModelNotFoundError(f"cannot load model {ref.name!r}: {str(exc).splitlines()[0]}") from exc
        except (struct.error, EOFError, KeyError, IndexError) as exc:  # the GGUF reader on a cut/bad file
            raise ModelNotFoundError(
                f"cannot load model {ref.name!r}: malformed or truncated model file "
                f"({(str(exc).splitlines() or [''])[0][:120]})"
            ) from exc
        self.hf_model = model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.max_batch = max_batch
        self._lock = threading.Lock()  # one generate at a time (the server shares one model)

    # --- prompts ---------------------------------------------------------------------------------
    @staticmethod
    def chat_prompt(text: str, system: str | None = None) -> list[dict[str, str]]:
        """Wrap plain text as chat messages."""
        messages = [{"role": "system", "content": system}] if system else []
        return [*messages, {"role": "user", "content": text}]

    def encode(self, prompt: Prompt) -> list[int]:
        """Token ids of a prompt; chat messages get the chat template and the generation prompt.

        Chat messages ending with an assistant message are a pre-filled answer: the template leaves that
        message open (`continue_final_message`) and generation continues it.
        """
        if isinstance(prompt, str):
            return self.tokenizer(prompt, add_special_tokens=True)["input_ids"]
        if self.tokenizer.chat_template is None:
            raise ModelNotFoundError(f"model {self.ref.name!r} has no chat template; pass a plain prompt")
        prefilled = bool(prompt) and prompt[-1].get("role") == "assistant"
        ids = self.tokenizer.apply_chat_template(
            prompt, add_generation_prompt=not prefilled, continue_final_message=prefilled, tokenize=True
        )
        return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)

    def _pad(self, contexts: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        ids, mask = left_pad(contexts, self.tokenizer.pad_token_id)
        return ids.to(self.device), mask.to(self.device)

    # --- scoring -------------------------------------------------------------------------------
    @torch.inference_mode()
    def next_token_logprobs(self, contexts: Sequence[Sequence[int]]) -> torch.Tensor:
        """Log-softmax of the next-token logits after each context: a [B, V] float tensor."""
        ids, mask = self._pad(contexts)
        with self._lock:
            logits = self.hf_model(input_ids=ids, attention_mask=mask).logits[:, -1, :]
        return torch.log_softmax(logits.float(), dim=-1)

    # --- sampling ------------------------------------------------------------------------------
    def sample(self, prompts: Sequence[Prompt], params: SamplingParams) -> list[list[Completion]]:
        """For each prompt, `params.n` completions, generated in batches of prompts."""
        encoded = [self.encode(p) for p in prompts]
        per_batch = max(1, self.max_batch // max(1, params.n))
        results: list[list[Completion]] = []
        for start in range(0, len(encoded), per_batch):
            seed = None if params.seed is None else params.seed + start
            results.extend(self._generate(encoded[start : start + per_batch], params, seed))
        return results

    @torch.inference_mode()
    def _generate(
        self, contexts: list[list[int]], params: SamplingParams, seed: int | None
    ) -> list[list[Completion]]:
        ids, mask = self._pad(contexts)
        greedy = params.temperature <= 0
        kwargs = dict(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=params.max_tokens,
            do_sample=not greedy,
            num_return_sequences=params.n,
            pad_token_id=self.tokenizer.pad_token_id,
            return_dict_in_generate=True,
            output_logits=params.logprobs,
        )
        if not greedy:
            kwargs.update(temperature=params.temperature, top_p=params.top_p, top_k=0)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self.tokenizer)
        with self._lock:
            if seed is not None:
                torch.manual_seed(seed)
            out = self.hf_model.generate(**kwargs)
        new = out.sequences[:, ids.shape[1] :]
        token_logprobs = None
        if params.logprobs:
            stacked = torch.stack(out.logits, dim=1).float().log_softmax(-1)  # [B*n, T, V]
            token_logprobs = stacked.gather(-1, new.unsqueeze(-1)).squeeze(-1)
        return self._to_completions(new, token_logprobs, params)

    def _to_completions(
        self, new: torch.Tensor, token_logprobs: torch.Tensor | None, params: SamplingParams
    ) -> list[list[Completion]]:
        eos = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id}
        flat: list[Completion] = []
        for row, seq in enumerate(new.tolist()):
            length = next((i for i, t in enumerate(seq) if t in eos), len(seq))
            finish = "stop" if length < len(seq) else "length"
            text = self.tokenizer.decode(seq[:length], skip_special_tokens=True)
            cut = min((text.find(s) for s in params.stop if s in text), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
            completion = Completion(text=text, finish_reason=finish, n_tokens=length)
            if token_logprobs is not None:
                completion.tokens = self.tokenizer.convert_ids_to_tokens(seq[:length])
                completion.logprobs = token_logprobs[row, :length].tolist()
            flat.append(completion)
        n = params.n
        return [flat[i : i + n] for i in range(0, len(flat), n)]
