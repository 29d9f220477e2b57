"""A run without namespaces is never silent: a warning, and the result says what it could reach."""

import pytest

from aso.sandbox import Sandbox, SandboxPolicy, UnisolatedSandboxWarning


def test_namespaces_false_warns_loudly() -> None:
    with pytest.warns(UnisolatedSandboxWarning, match="UNISOLATED SANDBOX .*network"):
        res = Sandbox(policy=SandboxPolicy(namespaces=False)).run_python("print('hi')")
    assert res.ok and res.isolation.unisolated
    assert "namespaces disabled by policy" in res.isolation.warning()


def test_default_policy_does_not_warn_where_namespaces_hold(recwarn) -> None:
    res = Sandbox().run_python("print('hi')")
    if res.isolation.mode == "none":
        pytest.skip(f"no namespaces on this machine: {res.isolation.notes}")
    assert res.isolation.warning() is None
    assert not [w for w in recwarn if issubclass(w.category, UnisolatedSandboxWarning)]


def test_cli_run_prints_the_warning_when_unisolated(capsys) -> None:
    from aso.cli.main import main

    assert main(["sandbox", "run", "--", "true"]) == 0
    err = capsys.readouterr().err
    assert ("WARNING: UNISOLATED SANDBOX" in err) == ("isolation none" in err)
