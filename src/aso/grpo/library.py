"""The experience library: short natural-language lessons with ids, provenance and measured usefulness.

Operations come from `aso.grpo.operations`. After each batch update the library is renumbered
`E1..En` in order (as the reference implementation renumbers its `dict[str, str]`), so ids the model
sees are always short and dense; provenance keeps where each lesson came from.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field

from aso.grpo.operations import Operation, OpKind

ID_PREFIX = "E"


@dataclass
class Usefulness:
    """Measured usefulness of an experience: outcomes of rollouts whose prompt contained it."""

    successes: int = 0
    """Rollouts that passed every test."""
    trials: int = 0
    """Rollouts conditioned on it."""
    advantage_sum: float = 0.0
    """Sum of those rollouts' advantages (learnable groups only)."""

    def record(self, success: bool, advantage: float) -> None:
        """Count one rollout conditioned on this experience."""
        self.trials += 1
        self.successes += int(success)
        self.advantage_sum += advantage

    @property
    def mean_advantage(self) -> float:
        """Average advantage of rollouts conditioned on it (0 when never used)."""
        return self.advantage_sum / self.trials if self.trials else 0.0


@dataclass
class Experience:
    """One lesson."""

    id: str
    text: str
    provenance: list[str] = field(default_factory=list)
    """Where it came from / was edited: e.g. `"epoch1/batch0/HumanEval/12:ADD"`."""
    usefulness: Usefulness = field(default_factory=Usefulness)


class OpOutcome(enum.Enum):
    """What applying one operation did."""

    ADDED = "added"
    UPDATED = "updated"
    DELETED = "deleted"
    KEPT = "kept"
    DUPLICATE = "duplicate"
    UNKNOWN_ID = "unknown_id"
    FULL = "full"


class ExperienceLibrary:
    """An ordered set of experiences with ADD / UPDATE / DELETE / KEEP and renumbering."""

    def __init__(self, experiences: Iterable[Experience] = (), max_size: int = 32) -> None:
        self._items: dict[str, Experience] = {e.id: e for e in experiences}
        self.max_size = max_size
        self._next = len(self._items) + 1

    # --- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Experience]:
        return iter(list(self._items.values()))

    def __contains__(self, exp_id: object) -> bool:
        return exp_id in self._items

    def get(self, exp_id: str) -> Experience | None:
        """The experience with this id, or None."""
        return self._items.get(self._normalise_id(exp_id))

    @property
    def ids(self) -> list[str]:
        """Ids in order."""
        return list(self._items)

    def format(self, ids: Iterable[str] | None = None) -> str:
        """The lessons as prompt text, one `[E1] text` a line (only `ids` if given); "" when empty."""
        chosen = self._items.values() if ids is None else [self._items[i] for i in ids if i in self._items]
        return "\n".join(f"[{e.id}] {e.text}" for e in chosen)

    # --- editing ---------------------------------------------------------------------------------
    def apply(self, op: Operation, source: str = "") -> OpOutcome:
        """Apply one operation; an unknown id or a duplicate text changes nothing and says so."""
        if op.kind is OpKind.ADD:
            assert op.text is not None
            if self._find_text(op.text):
                return OpOutcome.DUPLICATE
            if len(self._items) >= self.max_size:
                return OpOutcome.FULL
            new_id = self._fresh_id()
            self._items[new_id] = Experience(new_id, op.text, [f"{source}:ADD"])
            return OpOutcome.ADDED
        target = self._normalise_id(op.target or "")
        exp = self._items.get(target)
        if exp is None:
            return OpOutcome.UNKNOWN_ID
        if op.kind is OpKind.DELETE:
            del self._items[target]
            return OpOutcome.DELETED
        if op.kind is OpKind.UPDATE:
            assert op.text is not None
            other = self._find_text(op.text)
            if other is not None and other.id != target:
                return OpOutcome.DUPLICATE
            exp.text = op.text
            exp.provenance.append(f"{source}:UPDATE")
            return OpOutcome.UPDATED
        return OpOutcome.KEPT

    def apply_all(self, ops: Iterable[Operation], source: str = "") -> list[OpOutcome]:
        """Apply operations in order; returns each one's outcome."""
        return [self.apply(op, source) for op in ops]

    def renumber(self) -> dict[str, str]:
        """Renumber to `E1..En` in order; returns old id -> new id."""
        mapping = {old: f"{ID_PREFIX}{i}" for i, old in enumerate(self._items, start=1)}
        items = {}
        for old, exp in self._items.items():
            exp.id = mapping[old]
            items[exp.id] = exp
        self._items = items
        self._next = len(items) + 1
        return mapping

    def record_use(self, ids: Iterable[str], success: bool, advantage: float) -> None:
        """Credit one rollout's outcome to every experience its prompt contained."""
        for exp_id in ids:
            if exp_id in self._items:
                self._items[exp_id].usefulness.record(success, advantage)

    # --- (de)serialisation -----------------------------------------------------------------------
    def to_list(self) -> list[dict]:
        """Plain data for JSON."""
        return [asdict(e) for e in self._items.values()]

    @classmethod
    def from_list(cls, data: Iterable[dict], max_size: int = 32) -> ExperienceLibrary:
        """Inverse of `to_list`."""
        exps = [
            Experience(
                d["id"], d["text"], list(d.get("provenance", [])), Usefulness(**d.get("usefulness", {}))
            )
            for d in data
        ]
        return cls(exps, max_size=max_size)

    def copy(self) -> ExperienceLibrary:
        """A deep copy."""
        return ExperienceLibrary.from_list(self.to_list(), self.max_size)

    # --- internals -------------------------------------------------------------------------------
    def _fresh_id(self) -> str:
        while f"{ID_PREFIX}{self._next}" in self._items:
            self._next += 1
        new_id = f"{ID_PREFIX}{self._next}"
        self._next += 1
        return new_id

    @staticmethod
    def _normalise_id(exp_id: str) -> str:
        exp_id = exp_id.strip().upper()
        return f"{ID_PREFIX}{exp_id}" if exp_id.isdigit() else exp_id

    def _find_text(self, text: str) -> Experience | None:
        key = " ".join(text.lower().split())
        for exp in self._items.values():
            if " ".join(exp.text.lower().split()) == key:
                return exp
        return None
