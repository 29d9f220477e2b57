"""The three-stage filter every generated example passes through, whatever the mode.

Stage 1 parser validation; Stage 2 the Execution Coverage Score (ECS = executed constructs / present
constructs, over the vocabulary) and test quality; Stage 3 novelty: Jaccard novelty of the construct set
against a pool, and MinHash (datasketch) near-duplicate rejection of the text against everything accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import Enum

from datasketch import MinHash, MinHashLSH

from aso.dataset.adapters.base import ExecutionOutcome, ExecutionResult, LanguageAdapter

FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)
FULL_TEST_CREDIT_ASSERTS = 3  # an example earns full test credit with this many assertions (all passing)


class StageOutcome(Enum):
    """Where an example ended up."""

    ACCEPTED = "accepted"
    NO_CODE = "no_code"
    PARSE_ERROR = "parse_error"
    NEAR_DUPLICATE = "near_duplicate"


@dataclass
class ExampleRecord:
    """One generated example after the stages (this is what the run log keeps)."""

    id: int
    code: str
    outcome: StageOutcome
    error: str = ""
    """Stage 1 parser message (PARSE_ERROR), or the execution error tail."""
    constructs: list[str] = field(default_factory=list)
    """Vocabulary constructs present (sorted)."""
    counts: dict[str, int] = field(default_factory=dict)
    """Vocabulary construct -> occurrences."""
    executed: list[str] = field(default_factory=list)
    """Vocabulary constructs that executed."""
    execution: str = ExecutionOutcome.NOT_EXECUTABLE.value
    ecs: float | None = None
    """Executed / present vocabulary constructs; None for parse-only languages."""
    test_quality: float = 0.0
    novelty: float = 0.0
    lines: int = 0
    """Non-blank lines."""

    def to_json(self) -> dict:
        """A JSON-ready dict (enum as its value)."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data

    @classmethod
    def from_json(cls, data: dict) -> ExampleRecord:
        """Inverse of `to_json`."""
        return cls(**{**data, "outcome": StageOutcome(data["outcome"])})

    @property
    def accepted(self) -> bool:
        """Passed all three stages."""
        return self.outcome is StageOutcome.ACCEPTED


def extract_code(text: str) -> str:
    """The first fenced code block of a completion, else the whole completion (stripped)."""
    match = FENCE.search(text)
    return (match.group(1) if match else text).strip()


def execution_coverage(present: Iterable[str], executed: Iterable[str]) -> float:
    """ECS: |present ∩ executed| / |present| (0 when nothing is present)."""
    present = set(present)
    return len(present & set(executed)) / len(present) if present else 0.0


def test_quality(result: ExecutionResult) -> float:
    """Passing fraction of test units × min(1, assertions / 3); parse-only languages: the assertion term.

    No assertions -> 0. For NOT_EXECUTABLE languages the assertions are counted but never run.
    """
    assert_term = min(1.0, result.assertions / FULL_TEST_CREDIT_ASSERTS)
    if result.outcome is ExecutionOutcome.NOT_EXECUTABLE:
        return assert_term
    if result.test_units == 0:
        return 0.0
    return (result.tests_passed / result.test_units) * assert_term


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (1.0 for two empty sets)."""
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def jaccard_novelty(constructs: set[str], pool: Iterable[set[str]]) -> float:
    """1 - max Jaccard similarity to any pool member (1.0 against an empty pool)."""
    best = max((jaccard(constructs, other) for other in pool), default=0.0)
    return 1.0 - best


class NearDuplicateIndex:
    """MinHash LSH over token 3-shingles: is a text a near-duplicate of one already accepted?"""

    def __init__(self, threshold: float = 0.9, num_perm: int = 64) -> None:
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._num_perm = num_perm

    def _signature(self, text: str) -> MinHash:
        tokens = re.findall(r"\w+|[^\w\s]", text)
        shingles = {" ".join(tokens[i : i + 3]) for i in range(max(1, len(tokens) - 2))}
        mh = MinHash(num_perm=self._num_perm, seed=1)
        for s in shingles:
            mh.update(s.encode("utf-8"))
        return mh

    def is_duplicate(self, text: str) -> bool:
        """True when an accepted text is estimated above the Jaccard threshold."""
        return bool(self._lsh.query(self._signature(text)))

    def add(self, key: str, text: str) -> None:
        """Remember an accepted text."""
        if key not in self._lsh.keys:
            self._lsh.insert(key, self._signature(text))


class ExamplePipeline:
    """Runs Stages 1-3 for one language and vocabulary; remembers accepted texts for near-duplicates."""

    def __init__(self, adapter: LanguageAdapter, vocabulary: list[str], execute: bool = True) -> None:
        self.adapter = adapter
        self.vocabulary = list(vocabulary)
        self._vocab = set(vocabulary)
        self.execute = execute
        self.near_duplicates = NearDuplicateIndex()

    def evaluate(self, example_id: int, completion: str, pool: Iterable[set[str]]) -> ExampleRecord:
        """Evaluate a model completion; `pool` holds the construct sets novelty is measured against."""
        code = extract_code(completion)
        lines = sum(1 for line in code.splitlines() if line.strip())
        if not code:
            return ExampleRecord(example_id, code, StageOutcome.NO_CODE, error="empty completion")
        parsed = self.adapter.parse(code)
        if not parsed.ok:
            return ExampleRecord(example_id, code, StageOutcome.PARSE_ERROR, error=parsed.error, lines=lines)
        counts = {k: int(v) for k, v in parsed.constructs.items() if k in self._vocab}
        present = sorted(counts)
        if self.near_duplicates.is_duplicate(code):
            return ExampleRecord(
                example_id,
                code,
                StageOutcome.NEAR_DUPLICATE,
                constructs=present,
                counts=counts,
                lines=lines,
                error="near-duplicate of an accepted example (MinHash Jaccard >= 0.9)",
            )
        if self.execute:
            run = self.adapter.execute(code, parsed)
        else:
            run = ExecutionResult(ExecutionOutcome.NOT_EXECUTABLE)
        executed = sorted(set(run.executed) & self._vocab)
        ecs = (
            None if run.outcome is ExecutionOutcome.NOT_EXECUTABLE else execution_coverage(present, executed)
        )
        return ExampleRecord(
            id=example_id,
            code=code,
            outcome=StageOutcome.ACCEPTED,
            error=run.message[-400:],
            constructs=present,
            counts=counts,
            executed=executed,
            execution=run.outcome.value,
            ecs=ecs,
            test_quality=test_quality(run),
            novelty=jaccard_novelty(set(present), pool),
            lines=lines,
        )

    def remember(self, record: ExampleRecord) -> None:
        """Add an accepted record's text to the near-duplicate index (also used when replaying a run)."""
        if record.accepted:
            self.near_duplicates.add(str(record.id), record.code)
