"""A private copy of a repository at one commit, made with `git archive`: the user's checkout (its
working tree, index, refs and worktree list) is only read, never written.

Not handled: submodules (not part of `git archive`), Git LFS content (pointer files are copied as they
are), files marked `export-ignore`. A repository lacking some file contents (a partial mirror) can be
extracted without them on request (`missing_ok`).
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

    def __init__(self, path: Path, repo: Path, commit: str, missing: tuple[str, ...] = ()) -> None:
        self.path = path
        self.repo = repo
        self.commit = commit
        self.missing = missing
        """Files left out because `repo` lacks their content (`create(missing_ok=True)` only)."""

    @classmethod
    def create(cls, repo: str | Path, commit: str | None = None, missing_ok: bool = False) -> Workspace:
        """Extract `repo` at `commit` (default HEAD) into a new temporary directory. A repository that
        lacks some file contents (a partial mirror) is an error, unless `missing_ok`: the other files
        are then extracted and the missing ones listed in `missing`."""
        repo = Path(repo).resolve()
        full = resolve_commit(repo, commit)
        archive = _git(repo, "archive", "--format=tar", full)
        if archive.returncode != 0 and not missing_ok:
            raise ConfigError(f"--repo {repo}: git archive {full[:12]} failed: {_first_line(archive.stderr)}")
        path = Path(tempfile.mkdtemp(prefix="aso-solve-"))
        missing: tuple[str, ...] = ()
        try:
            if archive.returncode == 0:
                with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
                    tar.extractall(path, filter="data")
            else:
                missing = _extract_present(repo, full, path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return cls(path, repo, full, missing)

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


def _extract_present(repo: Path, commit: str, path: Path) -> tuple[str, ...]:
    """Write the files of `commit` whose contents `repo` has into `path` (`git ls-tree`, `git cat-file
    --batch`: modes and symlinks kept, submodules as empty directories); the paths it lacks."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit)
    if listing.returncode != 0:
        raise ConfigError(f"--repo {repo}: git ls-tree {commit[:12]} failed: {_first_line(listing.stderr)}")
    blobs = []
    for record in filter(None, listing.stdout.split(b"\0")):
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        rel = name.decode("utf-8", "surrogateescape")
        if kind == "commit":
            (path / rel).mkdir(parents=True, exist_ok=True)
        elif kind == "blob":
            blobs.append((mode, sha, rel))
    out = _git(repo, "cat-file", "--batch", input="".join(f"{sha}\n" for _, sha, _ in blobs).encode()).stdout
    pos = 0
    missing = []
    for mode, _, rel in blobs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing":
            missing.append(rel)
            continue
        size = int(header[2])
        data, pos = out[pos : pos + size], pos + size + 1
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            target.symlink_to(data.decode("utf-8", "surrogateescape"))
        else:
            target.write_bytes(data)
            target.chmod(0o755 if mode == "100755" else 0o644)
    return tuple(missing)


def _first_line(data: bytes) -> str:
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else "(no message)"
