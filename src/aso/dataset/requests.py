"""What one generation call is asked to produce (shared by all modes)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt's specification."""

    mode: str
    """`reward`, `map-elites` or `prior`."""
    constructs: tuple[str, ...] = ()
    """MAP-Elites: the target cell, every construct of which the example MUST use."""
    reason: str = ""
    """Why this target was chosen (selection reason, or `coverage` for CW-Reward)."""
    steer: tuple[str, ...] = ()
    """CW-Reward: under-represented constructs the coverage summary asks for."""
    fewshot_ids: tuple[int, ...] = ()
    """CW-Reward: GoldPool example ids injected as few-shots."""

    def to_json(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> GenerationRequest:
        """Inverse of `to_json`."""
        return cls(
            mode=data["mode"],
            constructs=tuple(data["constructs"]),
            reason=data["reason"],
            steer=tuple(data["steer"]),
            fewshot_ids=tuple(data["fewshot_ids"]),
        )
