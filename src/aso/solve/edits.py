"""The model's edit format, SEARCH/REPLACE blocks (as aider writes them), parsed forgivingly::

    path/to/file.py
    <<<<<<< SEARCH
    exact lines to find
    =======
    lines to put instead
    >>>>>>> REPLACE

The file path is the last non-blank line before `<<<<<<< SEARCH` (code fences, backticks and a
`File:` prefix are stripped). An empty SEARCH creates a new file. Matching is exact first, then line by
line ignoring trailing whitespace, then with a line-number gutter (`  12| `, as the model was shown the
code) removed. Nothing here raises on model output: every block that cannot be used is kept as a
`Dropped` with its `EditStatus`. Edits are applied to file texts in memory; `unified_diff` turns the
result into a patch that `git apply` accepts.

Not handled: deleting or renaming files, binary files.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_START = re.compile(r"^\s*<{5,9} ?SEARCH\s*$")
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_END = re.compile(r"^\s*>{5,9} ?REPLACE\s*$")
_GUTTER = re.compile(r"^\s*\d+\s?\| ?")


class EditStatus(enum.Enum):
    """What happened to one SEARCH/REPLACE block."""

    APPLIED = "applied"
    NO_PATH = "no_path"
    """No file path before the block."""
    BAD_PATH = "bad_path"
    """Absolute, outside the repository, or inside `.git`."""
    UNTERMINATED = "unterminated"
    """No `=======` or no `>>>>>>> REPLACE` before the end of the answer."""
    FILE_NOT_FOUND = "file_not_found"
    """The file does not exist (and SEARCH is not empty)."""
    SEARCH_NOT_FOUND = "search_not_found"
    """The SEARCH text is not in the file."""
    NO_CHANGE = "no_change"
    """SEARCH and REPLACE are the same."""
    NO_BLOCKS = "no_blocks"
    """The answer has no SEARCH/REPLACE block at all (function format: no code block)."""
    SYNTAX_ERROR = "syntax_error"
    """Function format: the code block is not valid Python."""
    NAME_NOT_FOUND = "name_not_found"
    """Function format: no shown file defines a function or class of that name."""
    TEST_FILE = "test_file"
    """The edit changes a test file: the tests judge the candidate, so it may not rewrite them."""


@dataclass(frozen=True)
class Edit:
    """One SEARCH/REPLACE block."""

    path: str
    search: str
    replace: str


@dataclass(frozen=True)
class Dropped:
    """A block that was not used, and why."""

    status: EditStatus
    detail: str

    def __str__(self) -> str:
        return f"{self.status.value}: {self.detail}"


@dataclass
class EditResult:
    """The parsed and applied edits of one answer."""

    files: dict[str, str] = field(default_factory=dict)
    """Relative path -> new text, for every file that changed."""
    applied: list[Edit] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)


def parse_edits(text: str) -> tuple[list[Edit], list[Dropped]]:
    """The SEARCH/REPLACE blocks of `text`, and the malformed ones with a reason."""
    lines = text.splitlines()
    edits: list[Edit] = []
    dropped: list[Dropped] = []
    i = 0
    while i < len(lines):
        if not _START.match(lines[i]):
            i += 1
            continue
        path = _path_before(lines, i)
        search, replace, j = [], [], i + 1
        while j < len(lines) and not _DIVIDER.match(lines[j]):
            search.append(lines[j])
            j += 1
        k = j + 1
        while k < len(lines) and not _END.match(lines[k]):
            replace.append(lines[k])
            k += 1
        if k >= len(lines):
            dropped.append(Dropped(EditStatus.UNTERMINATED, f"block at line {i + 1} for {path or '?'}"))
            break
        if not path:
            dropped.append(Dropped(EditStatus.NO_PATH, f"block at line {i + 1}"))
        else:
            edits.append(Edit(path, _joined(search), _joined(replace)))
        i = k + 1
    return edits, dropped


def apply_edits(root: str | Path, text: str) -> EditResult:
    """Parse `text` and apply its blocks, in order, to the files under `root` (read only; the new texts
    are returned in `EditResult.files`)."""
    root = Path(root)
    edits, dropped = parse_edits(text)
    result = EditResult(dropped=list(dropped))
    if not edits and not dropped and text.strip():
        result.dropped.append(Dropped(EditStatus.NO_BLOCKS, f"{len(text)} characters without a block"))
    for edit in edits:
        rel = _safe_path(edit.path)
        if rel is None:
            result.dropped.append(Dropped(EditStatus.BAD_PATH, edit.path))
            continue
        current = result.files.get(rel)
        if current is None and (root / rel).is_file():
            current = (root / rel).read_text(encoding="utf-8", errors="replace")
        status, new = _replace(current, edit)
        if status is not EditStatus.APPLIED:
            result.dropped.append(Dropped(status, rel))
            continue
        result.files[rel] = new
        result.applied.append(edit)
    return result


def is_test_file(path: str) -> bool:
    """A test file by the usual conventions: under `tests/`/`test/`/`testing/`, `test_*.py`, `*_test.py`,
    `conftest.py`."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def without_test_edits(result: EditResult) -> EditResult:
    """`result` with every change to a test file moved to `dropped` (status `TEST_FILE`): a candidate
    that rewrote the tests judging it would score by editing the judge."""
    kept = {rel: text for rel, text in result.files.items() if not is_test_file(rel)}
    dropped = [Dropped(EditStatus.TEST_FILE, rel) for rel in result.files if is_test_file(rel)]
    applied = [e for e in result.applied if not is_test_file(e.path)]
    return EditResult(kept, applied, [*result.dropped, *dropped])


def unified_diff(root: str | Path, files: Mapping[str, str]) -> str:
    """A git-style unified diff from the files under `root` to the new texts in `files`."""
    root = Path(root)
    chunks = []
    for rel in sorted(files):
        old_path = root / rel
        old = old_path.read_text(encoding="utf-8", errors="replace") if old_path.is_file() else None
        if old == files[rel]:
            continue
        lines = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            files[rel].splitlines(keepends=True),
            "/dev/null" if old is None else f"a/{rel}",
            f"b/{rel}",
        )
        header = f"diff --git a/{rel} b/{rel}\n" + ("new file mode 100644\n" if old is None else "")
        chunks.append(header + "".join(_terminated(lines)))
    return "".join(chunks)


def _terminated(lines):  # noqa: ANN001, ANN202
    for line in lines:
        yield line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _replace(current: str | None, edit: Edit) -> tuple[EditStatus, str]:
    if current is None:
        if edit.search.strip():
            return EditStatus.FILE_NOT_FOUND, ""
        return EditStatus.APPLIED, edit.replace
    if edit.search == edit.replace:
        return EditStatus.NO_CHANGE, current
    if not edit.search.strip():
        return EditStatus.SEARCH_NOT_FOUND, current  # an empty SEARCH on an existing file: ambiguous
    if edit.search in current:
        return EditStatus.APPLIED, current.replace(edit.search, edit.replace, 1)
    for strip_gutter in (False, True):
        new = _replace_lines(current, edit, strip_gutter)
        if new is not None:
            return EditStatus.APPLIED, new
    return EditStatus.SEARCH_NOT_FOUND, current


def _replace_lines(current: str, edit: Edit, strip_gutter: bool) -> str | None:
    """Match SEARCH line by line ignoring trailing whitespace (and, if asked, a line-number gutter)."""
    search, replace = edit.search.splitlines(), edit.replace.splitlines()
    if strip_gutter:
        if not all(_GUTTER.match(s) for s in search if s.strip()):
            return None
        search = [_GUTTER.sub("", s, count=1) for s in search]
        replace = [_GUTTER.sub("", s, count=1) for s in replace]
    want = [s.rstrip() for s in search]
    lines = current.splitlines(keepends=True)
    for start in range(len(lines) - len(want) + 1):
        if [s.rstrip() for s in lines[start : start + len(want)]] == want:
            new = "".join(r + "\n" for r in replace)
            return "".join(lines[:start]) + new + "".join(lines[start + len(want) :])
    return None


def _path_before(lines: list[str], i: int) -> str:
    for j in range(i - 1, max(-1, i - 4), -1):
        candidate = lines[j].strip().strip("`*").strip()
        if not candidate or candidate.startswith("```"):
            continue
        candidate = re.sub(r"^(file|path)\s*:\s*", "", candidate, flags=re.I).strip("`*\"' ")
        return candidate if re.fullmatch(r"[\w./\\-]+", candidate) and not _END.match(lines[j]) else ""
    return ""


def _safe_path(path: str) -> str | None:
    rel = PurePosixPath(path.replace("\\", "/").removeprefix("./"))
    if not rel.parts or rel.is_absolute() or ".." in rel.parts or rel.parts[0] == ".git":
        return None
    return rel.as_posix()


def _joined(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
