"""Where an instance's repository comes from: `--repo-cache DIR` (clones or bare mirrors), else a bare
clone from GitHub into `~/.cache/aso/swe-repos` (made once, reused).

Layouts accepted under DIR, first match wins: `DIR/owner+name/repo` (a bare mirror, as the `fetch` tool
lays them out), `DIR/owner__name`, `DIR/owner__name.git`, `DIR/name`, `DIR/owner/name`; each either a
clone (with `.git`) or a bare repository.

Submodules are not part of a working copy made with `git archive`; `fill_submodules` adds them, at
their recorded commits, from the same cache.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
from pathlib import Path

from aso.errors import ConfigError

CLONE_DIR = Path(os.environ.get("ASO_SWE_REPOS") or Path.home() / ".cache" / "aso" / "swe-repos")
"""Bare clones made from GitHub (`$ASO_SWE_REPOS` overrides)."""
CLONE_TIMEOUT_S = 1800


def _is_git_dir(path: Path) -> bool:
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def candidates(cache: Path, repo: str) -> list[Path]:
    """The paths tried for `owner/name` under `cache`, in order."""
    owner, _, name = repo.partition("/")
    return [
        cache / f"{owner}+{name}" / "repo",
        cache / f"{owner}__{name}",
        cache / f"{owner}__{name}.git",
        cache / name,
        cache / owner / name,
    ]


def find_repo(cache: str | Path | None, repo: str, clone: bool = True) -> Path:
    """The git directory of `owner/name`: from `cache`, else from earlier clones, else cloned from
    GitHub (when `clone`); ConfigError saying what was tried."""
    tried: list[Path] = []
    if cache is not None:
        cache = Path(cache).expanduser()
        if not cache.is_dir():
            raise ConfigError(f"--repo-cache {cache}: not a directory")
        tried = candidates(cache, repo)
        for path in tried:
            if _is_git_dir(path):
                return path
    cloned = CLONE_DIR / f"{repo.replace('/', '__')}.git"
    if _is_git_dir(cloned):
        return cloned
    if not clone:
        raise ConfigError(f"{repo}: not in the repo cache (looked for {', '.join(map(str, tried[:3]))})")
    return clone_repo(repo, cloned, tried)


def clone_repo(repo: str, target: Path, tried: list[Path]) -> Path:
    """`git clone --bare https://github.com/REPO target` (into a temporary name, renamed when done)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    subprocess.run(["rm", "-rf", str(partial)], check=False)
    url = f"https://github.com/{repo}"
    try:
        done = subprocess.run(
            ["git", "clone", "--bare", "--quiet", url, str(partial)],
            capture_output=True,
            text=True,
            timeout=CLONE_TIMEOUT_S,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except subprocess.TimeoutExpired:
        done = None
    if done is None or done.returncode != 0:
        subprocess.run(["rm", "-rf", str(partial)], check=False)
        why = (done.stderr.strip().splitlines() or ["no message"])[-1] if done else "timed out"
        where = f"; not found under --repo-cache either ({', '.join(map(str, tried[:2]))})" if tried else ""
        raise ConfigError(
            f"{repo}: cannot clone {url} ({why}){where}; give --repo-cache DIR with a clone or mirror"
        )
    partial.rename(target)
    return target


def cache_of(repo_git: Path, repo: str) -> Path | None:
    """The repository cache `repo_git` was found in (by `find_repo`'s layouts), or None."""
    for cache in (repo_git.parent, repo_git.parent.parent):
        if repo_git in candidates(cache, repo):
            return cache
    return None


def github_name(url: str, repo: str) -> str | None:
    """`owner/name` of a submodule URL on GitHub (a relative URL is taken next to `repo`), else None."""
    if url.startswith("../"):
        owner = repo.split("/")[0]
        return f"{owner}/{url[3:].removesuffix('.git')}" if "/" not in url[3:] else None
    m = re.search(r"github\.com[:/]([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    return f"{m.group(1)}/{m.group(2)}" if m else None


def submodules(repo_git: Path, commit: str) -> list[tuple[str, str, str]]:
    """(path, url, recorded commit) of each submodule of `commit`: the `.gitmodules` entries whose path
    is a gitlink in its tree."""
    done = subprocess.run(
        [
            "git",
            "-C",
            str(repo_git),
            "config",
            "--blob",
            f"{commit}:.gitmodules",
            "--get-regexp",
            r"\.(path|url)$",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    entries: dict[str, dict[str, str]] = {}
    for line in done.stdout.splitlines() if done.returncode == 0 else []:
        key, _, value = line.partition(" ")
        name, _, field = key.removeprefix("submodule.").rpartition(".")
        entries.setdefault(name, {})[field] = value
    found = []
    for entry in entries.values():
        if "path" not in entry or "url" not in entry:
            continue
        tree = subprocess.run(
            ["git", "-C", str(repo_git), "ls-tree", commit, "--", entry["path"]],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if len(tree) >= 3 and tree[0] == "160000":
            found.append((entry["path"], entry["url"], tree[2]))
    return found


def fill_submodules(root: Path, repo_git: Path, repo: str, commit: str) -> list[str]:
    """Extract each submodule of `repo` at `commit` into the copy `root` at its recorded commit (and
    theirs, recursively), from the repository cache holding `repo_git`, else as `find_repo` finds
    repositories: what the harness's checkout has once its install ran `git submodule update --init`
    (astropy's setup.py does, for astropy_helpers; `git archive` leaves the directory empty). One note
    per submodule: filled, or why not (it is then left empty)."""
    notes = []
    for path, url, sub_commit in submodules(repo_git, commit):
        name = github_name(url, repo)
        if name is None:
            notes.append(f"submodule {path}: not filled ({url} is not on GitHub)")
            continue
        try:
            sub_git = find_repo(cache_of(repo_git, repo), name)
        except ConfigError as exc:
            notes.append(f"submodule {path}: not filled ({exc})")
            continue
        archive = subprocess.run(
            ["git", "-C", str(sub_git), "archive", "--format=tar", sub_commit],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            notes.append(f"submodule {path}: not filled ({name} has no commit {sub_commit[:12]})")
            continue
        target = root / path
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
        notes.append(f"submodule {path}: {name} at {sub_commit[:12]} (from {sub_git})")
        notes += fill_submodules(target, sub_git, name, sub_commit)
    return notes
