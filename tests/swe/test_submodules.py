"""Submodules in SWE working copies: `git archive` leaves a submodule's directory empty; the copy gets
it at its recorded commit from the same repository cache (astropy's astropy_helpers, which its setup.py
initialises with `git submodule update --init` in the harness's checkout)."""

import subprocess

from aso.solve import Workspace
from aso.solve.demo_repo import init_repo
from aso.swe.repos import cache_of, fill_submodules, github_name, submodules


def _git(repo, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _with_submodule(cache, url: str) -> tuple[str, str]:
    """acme/main with `helpers` a submodule (`url`) of acme/helpers at its first commit, which a second
    commit then leaves behind; (main's commit, the recorded commit)."""
    helpers = init_repo(cache / "acme__helpers", {"helpers/__init__.py": "VERSION = 1\n"})
    recorded = _git(helpers, "rev-parse", "HEAD").strip()
    (helpers / "helpers" / "__init__.py").write_text("VERSION = 2\n")
    _git(helpers, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two")
    gitmodules = f'[submodule "helpers"]\n\tpath = helpers\n\turl = {url}\n'
    main = init_repo(cache / "acme__main", {"setup.py": "", ".gitmodules": gitmodules})
    _git(main, "update-index", "--add", "--cacheinfo", f"160000,{recorded},helpers")
    _git(main, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "submodule")
    return _git(main, "rev-parse", "HEAD").strip(), recorded


def test_a_submodule_is_filled_at_its_recorded_commit(tmp_path):
    cache = tmp_path / "cache"
    head, recorded = _with_submodule(cache, "https://github.com/acme/helpers.git")
    main = cache / "acme__main"
    assert submodules(main, head) == [("helpers", "https://github.com/acme/helpers.git", recorded)]
    assert cache_of(main, "acme/main") == cache
    with Workspace.create(main, head) as ws:
        assert not any((ws.path / "helpers").iterdir())  # git archive: an empty directory
        notes = fill_submodules(ws.path, main, "acme/main", head)
        assert (ws.path / "helpers" / "helpers" / "__init__.py").read_text() == "VERSION = 1\n"
    assert notes == [f"submodule helpers: acme/helpers at {recorded[:12]} (from {cache / 'acme__helpers'})"]


def test_a_submodule_off_github_is_left_empty_with_a_note(tmp_path):
    cache = tmp_path / "cache"
    head, _ = _with_submodule(cache, "https://example.org/helpers.git")
    with Workspace.create(cache / "acme__main", head) as ws:
        notes = fill_submodules(ws.path, cache / "acme__main", "acme/main", head)
        assert not any((ws.path / "helpers").iterdir())
    assert notes == ["submodule helpers: not filled (https://example.org/helpers.git is not on GitHub)"]


def test_github_names_of_submodule_urls():
    for url in (
        "https://github.com/astropy/astropy-helpers.git",
        "git@github.com:astropy/astropy-helpers",
        "../astropy-helpers.git",
    ):
        assert github_name(url, "astropy/astropy") == "astropy/astropy-helpers"
    assert github_name("https://gitlab.com/a/b.git", "astropy/astropy") is None
