"""aso: language models that write verified code and improve without training.

A model proposes; a verifier disposes (tests in a sandbox, an SMT solver, a parser); what a group of
attempts teaches is kept as priors that steer the next generation at decode time.

Index:
- `aso.models`    model backends (embedded SmolLM2, HF/GGUF, OpenAI-compatible), `get_model`
- `aso.sandbox`   running untrusted code with limits
- `aso.runs`      run directories with append-only event logs, resumable
- `aso.grpo`      `TFGRPOOptimizer`, `ExperienceLibrary`
- `aso.decoding`  `PoEDecoder` and its experts
- `aso.synth`     hole specs, enumerative + Z3 synthesis, LLM hints
- `aso.dataset`   dataset synthesis: CW-Reward, MAP-Elites, ConstructPrior
- `aso.bitdelta`  1-bit delta compression
- `aso.registry`  Merkle-proofed, content-addressed prior store
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# Heavy imports (torch) are deferred so `import aso` and `aso --help` stay fast.
_LAZY = {
    "TFGRPOOptimizer": "aso.grpo",
    "ExperienceLibrary": "aso.grpo",
    "PoEDecoder": "aso.decoding",
    "get_model": "aso.models",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'aso' has no attribute {name!r}")
