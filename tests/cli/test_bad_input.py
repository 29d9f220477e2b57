"""Every command, every option, a bad value: one line `aso: error: ...`, non-zero exit, no traceback.

The commands are enumerated from the typer app when the tests are collected, so commands added later are
covered without editing this file. Runs in-process through `main(argv)`. A bad value must be refused
before any model is loaded: loading one fails the test (`_no_model_loads`).
"""

from __future__ import annotations

import enum
import signal
import typing
from pathlib import Path

import pytest
import typer.main

from aso.cli.main import _register, app, main

BAD_PATH = "/dev/null/aso-bad"  # neither readable nor creatable (ENOTDIR), even as root
BOGUS_MODEL = "no-such-model-name"
PER_CALL_S = 30  # a hang fails the case instead of the run


def _commands() -> list[tuple[list[str], object]]:
    _register()
    found = []

    def walk(cmd, path: list[str]) -> None:
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, [*path, name])
        else:
            found.append((path, cmd))

    walk(typer.main.get_command(app), [])
    return found


def _annotation(param) -> object:
    descriptor = getattr(param, "type_descriptor", None)  # typer >= 0.20 (vendored click)
    if descriptor is not None:
        return descriptor.annotation
    return {"integer": int, "float": float, "boolean": bool}.get(getattr(param.type, "name", ""), str)


def _is_option(param) -> bool:
    return bool(param.opts) and param.opts[0].startswith("-")


def _bad_values(param) -> list[str]:
    """Bad values for one parameter, by its type: not a number, below/above its range, not a choice, a
    path that cannot exist, a model name that does not resolve."""
    kind = _annotation(param)
    if typing.get_origin(kind) is typing.Union or type(kind).__name__ == "UnionType":
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), str)
    if kind in (int, float):
        values = ["abc"]
        low, high = getattr(param, "min", None), getattr(param, "max", None)
        if low is not None:
            values.append(str(low - 1))
        if high is not None:
            values.append(str(high + 1))
        if low is None and high is None:
            values.append("-1")  # a count, a size or a limit below zero
        return values
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return ["bogus-choice"]
    if param.name == "model":
        return [BOGUS_MODEL]
    return [BAD_PATH]


# Commands whose argument is a command line to run (its own exit code is passed through): a valid one.
PASSTHROUGH = {("sandbox", "run"): ["--", "true"]}


def _required_args(cmd, skip, path: list[str]) -> list[str]:
    """Bad values for the other required parameters (a bad one fails too, one line)."""
    if tuple(path) in PASSTHROUGH:
        return PASSTHROUGH[tuple(path)]
    argv: list[str] = []
    has_model = any(p.name == "model" for p in cmd.params)
    for p in cmd.params:
        if p is skip or not p.required:
            continue
        value = _bad_values(p)[-1]
        argv += [p.opts[0], value] if _is_option(p) else [value]
    if has_model and getattr(skip, "name", None) != "model":
        argv += ["--model", BOGUS_MODEL]  # a free-text value that happens to be valid must not run a model
    return argv


def _cases() -> list[pytest.param]:
    cases = []
    for path, cmd in _commands():
        name = " ".join(path)
        cases.append(pytest.param([*path, "--no-such-option"], 2, id=f"{name} --no-such-option"))
        if any(p.required for p in cmd.params):
            cases.append(pytest.param(path, 2, id=f"{name} (missing required)"))
        for p in cmd.params:
            if p.is_eager or getattr(p, "hidden", False):
                continue
            rest = _required_args(cmd, p, path)
            if tuple(path) in PASSTHROUGH and not _is_option(p):
                continue
            if _is_option(p) and getattr(p, "is_flag", False):
                flag = f"{p.opts[0]}=zzz"
                cases.append(pytest.param([*path, flag, *rest], 2, id=f"{name} {flag}"))
                continue
            if _is_option(p) and tuple(path) not in PASSTHROUGH:
                cases.append(pytest.param([*path, *rest, p.opts[0]], 2, id=f"{name} {p.opts[0]} (no value)"))
            for value in _bad_values(p):
                head = [p.opts[0], value] if _is_option(p) else [value]
                typed = _annotation(p) in (int, float) and value == "abc"
                case_id = f"{name} {head[0]} {value}"
                cases.append(pytest.param([*path, *head, *rest], 2 if typed else None, id=case_id))
    return cases


class _ModelLoadReached(Exception):
    pass


@pytest.fixture(autouse=True)
def _no_model_loads(monkeypatch):
    """Loading any model fails the case: bad values must be refused before."""
    import aso.models

    def refuse(*args, **kwargs):
        raise _ModelLoadReached("a model load was reached: the bad value was not refused before it")

    monkeypatch.setattr(aso.models, "_load", refuse)


@pytest.fixture(autouse=True)
def _alarm():
    def on_alarm(*_):
        raise TimeoutError(f"command still running after {PER_CALL_S} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(PER_CALL_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(("argv", "code"), _cases())
def test_bad_value_is_one_line_error(argv, code, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a command writes by default lands here
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("aso: error: "), (status, out[-500:], err[-500:])
    assert sum(line.startswith("aso: error:") for line in lines) == 1
    assert status != 0
    if code is not None:
        assert status == code, err


def test_every_command_is_enumerated():
    names = {" ".join(path) for path, _ in _commands()}
    assert {"generate", "serve", "registry verify", "sandbox run"} <= names
    assert len(names) >= 20


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["generate", "hi", "-n", "abc"], "'-n'"),
        (["serve", "--port", "70000"], "'--port'"),
        (["registry", "get", "REF"], "'--out'"),
        (["synth", "run", "a.yaml", "b.json", "--timeout", "0.1"], "'--timeout'"),
    ],
)
def test_reported_cases_name_the_option(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aso: error: ") and "\n" not in err and needle in err


def test_malformed_gguf_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.undo()  # this one does load (and must refuse) the file
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00")
    assert main(["generate", "hi", "--model", f"gguf:{bad}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aso: error: cannot load model") and "malformed" in err and "\n" not in err
    assert Path(bad).exists()
