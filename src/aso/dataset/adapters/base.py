"""What every language adapter provides: parse an example, list its constructs, optionally execute it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ParseResult:
    """Stage 1: did the example parse, and which construct (node) types does it use."""

    ok: bool
    """True when the language's own parser accepted the example."""
    constructs: Counter = field(default_factory=Counter)
    """Node type -> occurrences in the example (all node types the adapter reports, not only vocabulary)."""
    error: str = ""
    """The parser's message when `ok` is False (kept verbatim in the run log)."""


class ExecutionOutcome(Enum):
    """How an example's execution ended."""

    PASSED = "passed"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    NOT_EXECUTABLE = "not_executable"


@dataclass(frozen=True)
class ExecutionResult:
    """Stage 2 and test quality: what ran, and whether the example's own tests passed."""

    outcome: ExecutionOutcome
    executed: frozenset[str] = frozenset()
    """Node types of which at least one node was executed."""
    test_units: int = 0
    """Test units found: each `test_*` function, plus the module body if it holds assertions."""
    tests_passed: int = 0
    """Test units that ran without an exception."""
    assertions: int = 0
    """Assertion statements in the example."""
    message: str = ""
    """Tail of the error output when the example failed."""


@runtime_checkable
class LanguageAdapter(Protocol):
    """A language the dataset pipeline can generate: parser, construct vocabulary and (optional) runner."""

    name: str
    """Name used on the command line (`python`, `kcl`, `lark:PATH`)."""
    display_name: str
    """Human name used in prompts."""
    fence: str
    """Markdown code-fence tag for this language."""
    prior_key: str
    """Section of `construct_map.yaml` that maps mined Python constructs to this language."""

    def vocabulary(self) -> list[str]:
        """The default construct vocabulary (node types cells are built from)."""
        ...

    def describe(self, construct: str) -> str:
        """A short human description of a construct, used in prompts."""
        ...

    def parse(self, code: str) -> ParseResult:
        """Stage 1: parse `code` with the language's parser."""
        ...

    def execute(self, code: str, parsed: ParseResult) -> ExecutionResult:
        """Stage 2: run `code` (only ever in a sandbox or the language's own evaluator)."""
        ...
