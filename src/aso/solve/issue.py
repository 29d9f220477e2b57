"""An issue to solve: a title and a body, read from a Markdown or plain-text file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aso.config_files import read_text
from aso.errors import ConfigError


@dataclass(frozen=True)
class Issue:
    """What the user wants fixed."""

    title: str
    """The first non-blank line, without Markdown heading marks."""
    body: str
    """Everything after the title (may be empty)."""
    source: str = "<text>"
    """Where it was read from (a path, or an instance id)."""

    @property
    def text(self) -> str:
        """Title and body as one text, for prompts and for localisation."""
        return f"{self.title}\n\n{self.body}".strip()

    @classmethod
    def from_text(cls, text: str, source: str = "<text>") -> Issue:
        """Split `text` into title and body; ConfigError when it has no words at all."""
        lines = text.strip().splitlines()
        if not lines:
            raise ConfigError(f"{source}: the issue is empty")
        title = lines[0].lstrip("#").strip()
        return cls(title, "\n".join(lines[1:]).strip(), source)


def read_issue(path: str | Path) -> Issue:
    """Read an issue file (UTF-8 Markdown or text); one-line ConfigError when missing or empty."""
    return Issue.from_text(read_text(path, "issue file"), str(path))
