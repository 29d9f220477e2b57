import subprocess

from solve_fixtures import FIX, MALFORMED

from aso.solve import EditStatus, apply_edits, parse_edits, unified_diff


def test_parse_one_block_with_fence_and_prose():
    text = "Fix:\n```python\ncalc.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    edits, dropped = parse_edits(text)
    assert [(e.path, e.search, e.replace) for e in edits] == [("calc.py", "x = 1\n", "x = 2\n")]
    assert dropped == []


def test_malformed_blocks_are_dropped_with_a_reason():
    _, dropped = parse_edits(MALFORMED)
    assert [d.status for d in dropped] == [EditStatus.UNTERMINATED]
    _, dropped = parse_edits("<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n")
    assert [d.status for d in dropped] == [EditStatus.NO_PATH]
    assert parse_edits("def f(): pass") == ([], [])
    assert [d.status for d in apply_edits(".", "def f(): pass").dropped] == [EditStatus.NO_BLOCKS]


def test_apply_reports_missing_search_and_bad_paths(tmp_path):
    (tmp_path / "calc.py").write_text("a = 1\n")
    text = (
        "calc.py\n<<<<<<< SEARCH\nb = 2\n=======\nb = 3\n>>>>>>> REPLACE\n"
        "../etc/passwd\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n"
        "nope.py\n<<<<<<< SEARCH\nq\n=======\nr\n>>>>>>> REPLACE\n"
    )
    result = apply_edits(tmp_path, text)
    assert result.files == {}
    assert [d.status for d in result.dropped] == [
        EditStatus.SEARCH_NOT_FOUND,
        EditStatus.BAD_PATH,
        EditStatus.FILE_NOT_FOUND,
    ]


def test_whitespace_and_line_number_gutter_are_tolerated(tmp_path):
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    gutter = "m.py\n<<<<<<< SEARCH\n   2|     return 1\n=======\n   2|     return 2\n>>>>>>> REPLACE\n"
    assert apply_edits(tmp_path, gutter).files == {"m.py": "def f():\n    return 2\n"}
    trailing = "m.py\n<<<<<<< SEARCH\ndef f():   \n=======\ndef g():\n>>>>>>> REPLACE\n"
    assert apply_edits(tmp_path, trailing).files["m.py"].startswith("def g():\n")


def test_diff_applies_with_git_apply_including_a_new_file(buggy_repo, tmp_path):
    text = FIX + "new_mod.py\n<<<<<<< SEARCH\n=======\nVALUE = 1\n>>>>>>> REPLACE\n"
    result = apply_edits(buggy_repo, text)
    patch = unified_diff(buggy_repo, result.files)
    assert "new file mode" in patch
    subprocess.run(["git", "apply", "--check", "-"], cwd=buggy_repo, input=patch.encode(), check=True)


def test_diff_of_a_file_without_final_newline(tmp_path):
    (tmp_path / "m.py").write_text("a = 1")
    patch = unified_diff(tmp_path, {"m.py": "a = 2"})
    assert "\\ No newline at end of file" in patch
    subprocess.run(["git", "apply", "-"], cwd=tmp_path, input=patch.encode(), check=True)
    assert (tmp_path / "m.py").read_text() == "a = 2"
