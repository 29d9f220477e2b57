"""A private copy of a repository at one commit, made with `git archive`: the user's checkout (its
working tree, index, refs and worktree list) is only read, never written.

Not handled: submodules (not part of `git archive`), Git LFS content (pointer files are copied as they
are), files marked `export-ignore`.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from aso.errors import ConfigError


def _git(repo: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, check=False)


def resolve_commit(repo: str | Path, rev: str | None) -> str:
    """The full hash of `rev` (default HEAD) in `repo`; ConfigError naming the repo or the revision."""
    repo = Path(repo)
    if not repo.is_dir():
        raise ConfigError(f"--repo {repo}: not a directory")
    if _git(repo, "rev-parse", "--git-dir").returncode != 0:
        raise ConfigError(f"--repo {repo}: not a git repository")
    name = rev or "HEAD"
    if name.startswith("-"):
        raise ConfigError(f"--commit {name!r}: not a revision")
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    if done.returncode != 0:
        raise ConfigError(f"--commit {name!r}: no such commit in {repo}")
    return done.stdout.decode().strip()


class Workspace:
    """A temporary directory holding the files of `repo` at `commit` (no `.git`); `remove()` deletes it."""

    def __init__(self, path: Path, repo: Path, commit: str) -> None:
        self.path = path
        self.repo = repo
        self.commit = commit

    @classmethod
    def create(cls, repo: str | Path, commit: str | None = None) -> Workspace:
        """Extract `repo` at `commit` (default HEAD) into a new temporary directory."""
        repo = Path(repo).resolve()
        full = resolve_commit(repo, commit)
        archive = _git(repo, "archive", "--format=tar", full)
        if archive.returncode != 0:
            raise ConfigError(f"--repo {repo}: git archive {full[:12]} failed: {_first_line(archive.stderr)}")
        path = Path(tempfile.mkdtemp(prefix="aso-solve-"))
        try:
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                tar.extractall(path, filter="data")
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return cls(path, repo, full)

    def files(self) -> list[str]:
        """Relative paths of every regular file, sorted."""
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file())

    def apply_patch(self, patch: str, what: str = "patch") -> None:
        """Apply a unified diff to the copy with `git apply` (no repository needed); ConfigError if it
        does not apply. Applying a patch runs no code from it."""
        if not patch.strip():
            return
        done = subprocess.run(
            ["git", "apply", "--whitespace=nowarn", "-"],
            cwd=self.path,
            input=patch.encode(),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise ConfigError(f"{what} does not apply at {self.commit[:12]}: {_first_line(done.stderr)}")

    def remove(self) -> None:
        """Delete the copy."""
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _first_line(data: bytes) -> str:
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else "(no message)"
