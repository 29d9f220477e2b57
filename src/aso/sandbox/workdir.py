"""The temporary directory a run owns: a copy of the source, the files it was given, HOME and TMPDIR.

Layout (the whole tree is removed after the run)::

    aso-sandbox-XXXX/
        work/   current directory: a copy of `source_dir` plus `files`
        home/   HOME
        tmp/    TMPDIR
        bin/    first on PATH: `python`, `python3` -> the chosen interpreter

With a `work_base`, `work/` is made in a tree of its own there (`aso-sandbox-work-XXXX/work`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from aso.errors import ConfigError


def _relative(name: str, what: str) -> PurePosixPath:
    rel = PurePosixPath(name)
    if not name or rel.is_absolute() or ".." in rel.parts:
        raise ConfigError(f"sandbox {what}: {name!r} must be a relative path inside the work directory")
    return rel


class WorkDir:
    """A fresh temporary directory tree for one run."""

    def __init__(self, root: Path, work_root: Path | None = None) -> None:
        self.root = root
        self.work_root = work_root
        """The tree holding `work/` when it is not under `root` (`create`'s `work_base`)."""
        self.work = (work_root or root) / "work"
        self.home = root / "home"
        self.tmp = root / "tmp"
        self.bin = root / "bin"

    @classmethod
    def create(
        cls,
        source_dir: str | os.PathLike[str] | None,
        files: Mapping[str, str | bytes] | None,
        work_base: str | None = None,
    ) -> WorkDir:
        """Copy `source_dir` (left untouched) and write `files` into a new temporary directory (the
        work dir in `work_base` when given)."""
        if source_dir is not None and not Path(source_dir).is_dir():
            raise ConfigError(f"sandbox source_dir: {str(source_dir)!r} is not a directory")
        checked = {_relative(name, "files"): data for name, data in (files or {}).items()}
        wd = cls(Path(tempfile.mkdtemp(prefix="aso-sandbox-")))
        try:
            if work_base is not None:
                wd = cls(wd.root, Path(tempfile.mkdtemp(prefix="aso-sandbox-work-", dir=work_base)))
            if source_dir is not None:
                shutil.copytree(source_dir, wd.work, symlinks=True)
            else:
                wd.work.mkdir()
            for sub in (wd.home, wd.tmp, wd.bin):
                sub.mkdir()
            for rel, data in checked.items():
                target = wd.work / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(data, bytes):
                    target.write_bytes(data)
                else:
                    target.write_text(data, encoding="utf-8")
        except BaseException:
            wd.remove()
            raise
        return wd

    def install_python(self, python: str, fallback: str | None = None) -> None:
        """Put `python` and `python3` first on the sandbox PATH (running `fallback` when `python` is
        not executable from inside). A shell shim, not a symlink: a symlink would make a venv
        interpreter lose its venv (it finds pyvenv.cfg next to the path it was run as)."""
        line = f'exec {shlex.quote(python)} "$@"\n'
        if fallback:
            line = f'[ -x {shlex.quote(python)} ] && {line}exec {shlex.quote(fallback)} "$@"\n'
        for name in ("python", "python3"):
            shim = self.bin / name
            shim.write_text(f"#!/bin/sh\n{line}")
            shim.chmod(0o755)

    def collect(self, names: Iterable[str], limit: int) -> dict[str, str]:
        """Read back files the run wrote (at most `limit` bytes each); missing files are left out."""
        out = {}
        for name in names:
            path = (self.work / _relative(name, "collect")).resolve()
            # the run controls the tree: never follow its symlinks out of the work dir
            if path.is_relative_to(self.work.resolve()) and path.is_file():
                with open(path, "rb") as fh:
                    out[name] = fh.read(limit).decode("utf-8", errors="replace")
        return out

    @property
    def roots(self) -> list[Path]:
        """The trees the run may write (removed after it)."""
        return [self.root] + ([self.work_root] if self.work_root is not None else [])

    def remove(self) -> None:
        """Delete the tree, including files the run made unreadable to us."""

        def _retry(func, path, _exc):  # type: ignore[no-untyped-def]
            parent = os.path.dirname(path)
            os.chmod(parent, os.stat(parent).st_mode | stat.S_IRWXU)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, stat.S_IRWXU)
                shutil.rmtree(path, ignore_errors=True)
            else:
                func(path)

        for root in self.roots:
            shutil.rmtree(root, onerror=_retry)
