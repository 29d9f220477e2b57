"""One way to read a YAML or JSON config/data file, with one error wording.

Every failure is a `ConfigError` whose message is one line, `<path>: <problem>`:

    kernel.yaml: kernel file not found
    specs: is a directory, not a hole file
    p.json: cannot read priors file (Permission denied)
    p.json: not UTF-8 text (byte 0xff at offset 12)
    k.yaml: invalid YAML at line 96, column 27: expected ',' or '}', but got ':' (while parsing ...)
    h.json: invalid JSON at line 1, column 2: Expecting property name enclosed in double quotes
    s.yaml: expected a YAML mapping at the top level, got a list

Callers add their own field checks after the top-level type is right, naming the same path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from aso.errors import ConfigError

Expected = type | tuple[type, ...] | None
"""The top-level type(s) a document must have (None = anything)."""

_YAML_NAMES = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
_JSON_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}


def require_file(path: str | Path, what: str = "file") -> Path:
    """`path` as a `Path` if it is a regular file, else `ConfigError` ("not found", "is a directory")."""
    path = Path(path)
    if path.is_file():
        return path
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a {what}")
    if path.exists():
        raise ConfigError(f"{path}: not a regular file, expected a {what}")
    raise ConfigError(f"{path}: {what} not found")


def read_text(path: str | Path, what: str = "file") -> str:
    """The UTF-8 text of a file; `ConfigError` when it is missing, not a file, unreadable or not UTF-8."""
    path = require_file(path, what)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise ConfigError(f"{path}: not UTF-8 text (byte {byte:#04x} at offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror or exc.__class__.__name__})") from None


def parse_yaml(
    text: str,
    where: str | Path,
    *,
    expect: Expected = dict,
    allow_empty: bool = False,
    loader: type = yaml.SafeLoader,
) -> Any:
    """Parse YAML text read from `where`; `ConfigError` with line and column when it is not valid YAML.

    `expect` is the required top-level type; `allow_empty` turns an empty document into `expect()`
    (e.g. `{}`) instead of an error. `loader` must be a `yaml.SafeLoader` (sub)class.
    """
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - callers pass SafeLoader or a subclass of it
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: invalid YAML{_yaml_problem(exc)}") from None
    if data is None and allow_empty:
        return expect() if isinstance(expect, type) else None
    return _check_type(data, where, expect, "YAML", _YAML_NAMES)


def parse_json(text: str, where: str | Path, *, expect: Expected = dict) -> Any:
    """Parse JSON text read from `where`; `ConfigError` with line and column when it is not valid JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno}, column {exc.colno}"
        raise ConfigError(f"{where}: invalid JSON at {at}: {exc.msg}") from None
    return _check_type(data, where, expect, "JSON", _JSON_NAMES)


def read_yaml(
    path: str | Path,
    what: str = "file",
    *,
    expect: Expected = dict,
    allow_empty: bool = False,
    loader: type = yaml.SafeLoader,
) -> Any:
    """Read and parse a YAML file (`read_text` then `parse_yaml`); `what` names it in "not found"."""
    return parse_yaml(read_text(path, what), path, expect=expect, allow_empty=allow_empty, loader=loader)


def read_json(path: str | Path, what: str = "file", *, expect: Expected = dict) -> Any:
    """Read and parse a JSON file (`read_text` then `parse_json`); `what` names it in "not found"."""
    return parse_json(read_text(path, what), path, expect=expect)


def read_jsonl(path: str | Path, what: str = "file") -> list[tuple[int, dict[str, Any]]]:
    """The JSON objects of a JSONL file with their line numbers (blank lines skipped); `ConfigError`
    `<path>: line N: invalid JSON ...` or `... expected a JSON object` naming the first bad line."""
    records = []
    for lineno, line in enumerate(read_text(path, what).splitlines(), start=1):
        if line.strip():
            records.append((lineno, parse_json(line, f"{path}: line {lineno}", expect=dict)))
    return records


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """` at line L, column C: problem (context)` from a PyYAML error, on one line."""
    if not isinstance(exc, yaml.MarkedYAMLError) or not (exc.problem or exc.context):
        return ": " + " ".join((str(exc).splitlines() or [exc.__class__.__name__])[0].split())
    mark = exc.problem_mark or exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = exc.problem or exc.context
    if exc.problem and exc.context:
        started = f" started at line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
        problem += f" ({exc.context}{started})"
    return f"{where}: " + " ".join(problem.split())


def _check_type(data: Any, where: str | Path, expect: Expected, fmt: str, names: dict[type, str]) -> Any:
    if expect is None or isinstance(data, expect):
        return data
    types = expect if isinstance(expect, tuple) else (expect,)
    wanted = " or ".join(names.get(t, t.__name__) for t in types)
    if data is None:
        got = "an empty document" if fmt == "YAML" else "null"
    else:
        name = names.get(type(data), type(data).__name__)
        got = f"{'an' if name[0] in 'aeiou' else 'a'} {name}"
    raise ConfigError(f"{where}: expected a {fmt} {wanted} at the top level, got {got}")
