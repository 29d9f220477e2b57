"""Where an instance's repository comes from: `--repo-cache DIR` (clones or bare mirrors), else a bare
clone from GitHub into `~/.cache/aso/swe-repos` (made once, reused).

Layouts accepted under DIR, first match wins: `DIR/owner+name/repo` (a bare mirror, as the `fetch` tool
lays them out), `DIR/owner__name`, `DIR/owner__name.git`, `DIR/name`, `DIR/owner/name`; each either a
clone (with `.git`) or a bare repository.
"""

from __future__ import annotations

import os
import subprocess
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
