"""Named outcomes. `AsoError` and its subclasses are *user* errors: the CLI prints their message as one
line and exits non-zero, with no traceback. Anything else is a bug and keeps its traceback.

Exit codes: 2 for bad input (usage, a malformed file, an unknown model name or an endpoint that cannot
serve it), 1 for work that was tried and failed (a damaged registry, a failed build)."""

from __future__ import annotations


class AsoError(Exception):
    """A user-facing error: bad input, a missing file, an unreachable endpoint. One line, no traceback."""

    exit_code = 2


class ConfigError(AsoError):
    """A configuration or spec file is malformed; the message names the file and the field."""


class ModelNotFoundError(AsoError):
    """A model name does not resolve (unknown scheme, missing file, embedded model not installed)."""


class EndpointError(AsoError):
    """An OpenAI-compatible endpoint is unreachable or answered with an error (exit 2: the endpoint the
    user named cannot serve the command)."""


class RunStateError(AsoError):
    """A run directory cannot be resumed (missing, or its config no longer matches)."""
