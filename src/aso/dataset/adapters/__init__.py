"""Language adapters: `get_adapter("python" | "kcl" | "lark:GRAMMAR.lark")`."""

from __future__ import annotations

from aso.dataset.adapters.base import (
    ExecutionOutcome,
    ExecutionResult,
    LanguageAdapter,
    ParseResult,
)
from aso.errors import ConfigError

__all__ = ["ExecutionOutcome", "ExecutionResult", "LanguageAdapter", "ParseResult", "get_adapter"]


def get_adapter(language: str) -> LanguageAdapter:
    """Resolve a `--language` value to an adapter (ConfigError naming the value when unknown)."""
    if language == "python":
        from aso.dataset.adapters.python import PythonAdapter

        return PythonAdapter()
    if language == "kcl":
        from aso.dataset.adapters.kcl import KclAdapter

        return KclAdapter()
    if language.startswith("lark:"):
        from aso.dataset.adapters.lark_dsl import LarkAdapter, resolve_grammar

        return LarkAdapter(resolve_grammar(language.removeprefix("lark:")))
    raise ConfigError(f"--language {language!r}: use python, kcl or lark:GRAMMAR.lark (lark:avap is shipped)")
