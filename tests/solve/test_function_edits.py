import subprocess

import pytest
from solve_fixtures import git, solve

from aso.errors import ConfigError
from aso.models import ScriptedModel
from aso.solve import StopReason
from aso.solve.edits import EditStatus, is_test_file
from aso.solve.function_edits import apply_function_answer
from aso.solve.localize import locate_function
from aso.solve.workflow import resolve_edit_format

STACK = '''"""A stack."""

import sys


class Stack:
    def __init__(self):
        self.items = []

    @property
    def top(self):
        return self.items[0]

    def pop(self):
        return self.items.pop(0)


def helper(x):
    return x
'''


@pytest.fixture
def stack_dir(tmp_path):
    (tmp_path / "stack.py").write_text(STACK)
    return tmp_path


def statuses(result):
    return [d.status for d in result.dropped]


def test_a_method_is_replaced_at_its_indentation(stack_dir):
    answer = "Here:\n```python\ndef pop(self):\n    return self.items.pop()\n```\n"
    result = apply_function_answer(stack_dir, answer, ["stack.py"])
    assert not result.dropped
    new = result.files["stack.py"]
    assert "    def pop(self):\n        return self.items.pop()\n" in new
    assert new.replace("    def pop(self):\n        return self.items.pop()\n", "") == STACK.replace(
        "    def pop(self):\n        return self.items.pop(0)\n", ""
    )


def test_decorators_belong_to_the_definition_and_imports_are_added(stack_dir):
    answer = "```python\nimport os\nimport sys\n\n@property\ndef top(self):\n    return self.items[-1]\n```"
    new = apply_function_answer(stack_dir, answer, ["stack.py"]).files["stack.py"]
    assert new.count("@property") == 1 and "return self.items[-1]" in new
    assert new.count("import sys") == 1 and "import sys\nimport os\n" in new  # after the last import


def test_a_module_level_function_wins_over_a_method_of_the_same_name(tmp_path):
    old = "class A:\n    def f(self):\n        return 1\n\n\ndef f():\n    return 1\n"
    (tmp_path / "m.py").write_text(old)
    new = apply_function_answer(tmp_path, "```python\ndef f():\n    return 2\n```", ["m.py"]).files["m.py"]
    assert new == old.replace("return 1\n", "return 2\n").replace("return 2", "return 1", 1)


def test_files_are_searched_in_the_order_shown(tmp_path):
    (tmp_path / "a.py").write_text("def g():\n    return 'a'\n")
    (tmp_path / "b.py").write_text("def g():\n    return 'b'\n")
    result = apply_function_answer(tmp_path, "```python\ndef g():\n    return 0\n```", ["b.py", "a.py"])
    assert set(result.files) == {"b.py"}


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("The bug is in pop, it should pop the last item.", EditStatus.NO_BLOCKS),
        ("```python\ndef pop(self)\n    return 1\n```", EditStatus.SYNTAX_ERROR),
        ("```python\ndef push(self, x):\n    self.items.append(x)\n```", EditStatus.NAME_NOT_FOUND),
        ("```python\ndef helper(x):\n    return x\n```", EditStatus.NO_CHANGE),
    ],
)
def test_unusable_answers_are_dropped_with_a_reason(stack_dir, answer, status):
    result = apply_function_answer(stack_dir, answer, ["stack.py"])
    assert result.files == {} and statuses(result) == [status]


def test_only_shown_files_are_edited(stack_dir):
    answer = "```python\ndef helper(x):\n    return -x\n```"
    assert statuses(apply_function_answer(stack_dir, answer, [])) == [EditStatus.NAME_NOT_FOUND]


def test_the_workflow_resolves_with_a_function_answer(buggy_repo):
    # the answer is pre-filled with the located function's def line; the model writes the body
    prefilled = "```python\ndef add(a, b):\n    "
    body = "return a + b"
    result, model, _ = solve(
        buggy_repo, lambda text, i: body if text.endswith(prefilled) else "[]", edit_format="function"
    )
    assert result.resolved and result.stop is StopReason.RESOLVED
    assert result.summary()["edit_format"] == "function"
    prompt = str(model.calls[0])
    assert "def add(a, b):" in prompt and "1| def add" not in prompt  # shown without line numbers
    assert "The function to change is probably `add` in calc.py." in prompt
    assert result.summary()["target"] == "calc.py:add"
    clone = buggy_repo.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(buggy_repo), str(clone)], check=True)
    subprocess.run(["git", "apply", "-"], cwd=clone, input=result.best.patch.encode(), check=True)
    assert "return a + b" in (clone / "calc.py").read_text() and git(clone, "status", "--porcelain")


def test_auto_edit_format_depends_on_the_model():
    scripted = ScriptedModel(outputs=["x"])
    assert resolve_edit_format("auto", scripted) == "search-replace"
    scripted.hf_model = object()  # a local model exposes its weights
    assert resolve_edit_format("auto", scripted) == "function"
    with pytest.raises(ConfigError, match="--edit-format 'diff'"):
        resolve_edit_format("diff", scripted)


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_calc.py", True),
        ("test_calc.py", True),
        ("pkg/calc_test.py", True),
        ("conftest.py", True),
        ("src/pkg/testing/util.py", True),
        ("calc.py", False),
        ("src/contest.py", False),
        ("pkg/attest.py", False),
    ],
)
def test_test_files_by_convention(path, is_test):
    assert is_test_file(path) is is_test


def test_a_candidate_that_rewrites_the_tests_is_not_rewarded_for_it(buggy_repo):
    cheat = "return a + b\n```\n```python\ndef test_add():\n    pass\n```\n"  # also rewrites a test
    result, _, _ = solve(
        buggy_repo,
        lambda text, i: cheat if "code block" in text else "[]",
        iterations=1,
        edit_format="function",
    )
    assert result.resolved  # the fix stands; the rewritten test does not
    for c in result.candidates:
        assert "test_calc.py" not in c.patch and "test_file: test_calc.py" in c.dropped


def test_function_level_localisation_picks_the_function_the_issue_and_failure_name(tmp_path):
    (tmp_path / "ops.py").write_text(
        "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
    )
    (tmp_path / "test_ops.py").write_text("def test_add():\n    assert add(2, 3) == 5\n")
    (tmp_path / "box.py").write_text(
        "class Box:\n    @staticmethod\n    def size(\n        items,\n    ):\n"
        "        return len(items) - 1\n"
    )
    shown = ["test_ops.py", "ops.py", "box.py"]
    target = locate_function(tmp_path, shown, "add() subtracts: add(2, 3) is -1")
    assert (target.path, target.name, target.signature) == ("ops.py", "add", "def add(a, b):\n")
    assert target.body_indent == "    "
    target = locate_function(tmp_path, ["ops.py", "box.py"], "Box.size counts one item too few")
    assert target.name == "Box.size"
    assert target.signature == "@staticmethod\ndef size(\n    items,\n):\n"
    assert locate_function(tmp_path, ["test_ops.py"], "add") is None  # tests are not targets


def test_a_body_written_at_another_depth_takes_the_files_indentation(stack_dir):
    answer = '```python\ndef pop(self):\n     """Pop the last."""\n     x = self.items.pop()\n\n'
    answer += "     return x\n```"
    new = apply_function_answer(stack_dir, answer, ["stack.py"]).files["stack.py"]
    body = '    def pop(self):\n        """Pop the last."""\n'
    body += "        x = self.items.pop()\n\n        return x\n"
    assert body in new


def test_function_localisation_works_with_two_functions(tmp_path):
    # with Okapi BM25 a word in one of two documents has IDF 0: `shout` won on a title_case issue
    (tmp_path / "case.py").write_text(
        'def title_case(text):\n    """Capitalise every word."""\n    return text.lower()\n\n\n'
        'def shout(text):\n    """Upper-case the whole text."""\n    return text.upper()\n'
    )
    issue = 'title_case() does not capitalise: title_case("hello big world") returns "hello big world"'
    assert locate_function(tmp_path, ["case.py"], issue).name == "title_case"
