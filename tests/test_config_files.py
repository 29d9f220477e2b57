import os

import pytest
import yaml

from aso.config_files import parse_json, parse_yaml, read_json, read_text, read_yaml, require_file
from aso.errors import ConfigError


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(ConfigError) as exc:
        call(*args, **kwargs)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_good_files(tmp_path):
    y = tmp_path / "a.yaml"
    y.write_text("name: x\nitems: [1, 2]\n")
    j = tmp_path / "a.json"
    j.write_text('{"name": "x", "items": [1, 2]}')
    assert read_yaml(y) == read_json(j) == {"name": "x", "items": [1, 2]}
    assert read_yaml(j) == {"name": "x", "items": [1, 2]}  # YAML reads JSON too
    assert read_text(y) == "name: x\nitems: [1, 2]\n"
    assert require_file(str(y)) == y


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert _error(read_yaml, path, "kernel file") == f"{path}: kernel file not found"
    assert _error(read_json, path) == f"{path}: file not found"
    assert _error(require_file, path, "hint file") == f"{path}: hint file not found"


def test_directory_given(tmp_path):
    assert _error(read_json, tmp_path, "hole file") == f"{tmp_path}: is a directory, not a hole file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.json"
    path.write_text("{}")
    path.chmod(0)
    try:
        message = _error(read_json, path, "priors file")
        assert message == f"{path}: cannot read priors file (Permission denied)"
    finally:
        path.chmod(0o600)


def test_read_error(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text("{}")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(path), "read_text", refuse)
    assert _error(read_json, path, "priors file") == f"{path}: cannot read priors file (Permission denied)"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"a: caf\xe9\n")
    assert _error(read_yaml, path) == f"{path}: not UTF-8 text (byte 0xe9 at offset 6)"


def test_bad_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb:\n  c: {d: 1, e: 2\n  f: 3\n")
    message = _error(read_yaml, path)
    assert message.startswith(f"{path}: invalid YAML at line 4, column 4: ")
    assert "while parsing a flow mapping started at line 3" in message


def test_bad_yaml_scanner_error(tmp_path):
    path = tmp_path / "tab.yaml"
    path.write_text("a: 1\n\tb: 2\n")
    assert _error(read_yaml, path) == (
        f"{path}: invalid YAML at line 2, column 1: found character '\\t' that cannot start any token "
        "(while scanning for the next token)"
    )


def test_bad_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "a": 1,\n  "b": \n}\n')
    assert _error(read_json, path) == f"{path}: invalid JSON at line 4, column 1: Expecting value"
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert _error(read_json, empty) == f"{empty}: invalid JSON at line 1, column 1: Expecting value"


def test_wrong_top_level_type(tmp_path):
    y = tmp_path / "list.yaml"
    y.write_text("- a\n- b\n")
    assert _error(read_yaml, y) == f"{y}: expected a YAML mapping at the top level, got a list"
    assert read_yaml(y, expect=list) == ["a", "b"]
    assert read_yaml(y, expect=None) == ["a", "b"]
    j = tmp_path / "list.json"
    j.write_text("[1]")
    assert _error(read_json, j) == f"{j}: expected a JSON object at the top level, got an array"
    assert _error(parse_json, "null", "x.json") == "x.json: expected a JSON object at the top level, got null"
    assert _error(parse_yaml, "3", "x.yaml", expect=(list, dict)) == (
        "x.yaml: expected a YAML list or mapping at the top level, got a number"
    )


def test_empty_yaml(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# only a comment\n")
    message = _error(read_yaml, path)
    assert message == f"{path}: expected a YAML mapping at the top level, got an empty document"
    assert read_yaml(path, allow_empty=True) == {}
    assert read_yaml(path, expect=list, allow_empty=True) == []
    assert read_yaml(path, expect=None) is None


def test_custom_loader_and_safety():
    class Tagged(yaml.SafeLoader):
        pass

    Tagged.add_constructor("!up", lambda loader, node: loader.construct_scalar(node).upper())
    assert parse_yaml("a: !up x", "t.yaml", loader=Tagged) == {"a": "X"}
    message = _error(parse_yaml, "a: !!python/object:os.system {}", "t.yaml")
    assert message.startswith("t.yaml: invalid YAML at line 1, column 4: ")


def test_read_jsonl_names_the_bad_line(tmp_path):
    from aso.config_files import read_jsonl

    path = tmp_path / "p.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert read_jsonl(path) == [(1, {"a": 1}), (3, {"a": 2})]
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ConfigError, match=r"p.jsonl: line 2: invalid JSON at line 1, column 7"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n[1]\n')
    with pytest.raises(ConfigError, match=r"p.jsonl: line 2: expected a JSON object"):
        read_jsonl(path)
