"""The honest protocol's pieces: nearby test files, the reproduction test taken from the model's answer."""

from aso.models import ScriptedModel
from aso.solve import Issue
from aso.swe.honest import nearby_test_files, reproduction_prompt, reproduction_test


def test_nearby_test_files_are_named_after_the_localised_modules(tmp_path):
    for rel in ["pkg/utils.py", "tests/test_utils.py", "tests/test_other.py", "pkg/models.py"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert nearby_test_files(tmp_path, ["pkg/utils.py", "pkg/models.py"]) == ["tests/test_utils.py"]


def test_the_reproduction_test_is_the_first_code_block_with_a_test_function():
    answer = (
        "Sure.\n```python\nimport x\n```\n"
        "```python\nfrom calc import add\n\ndef test_it():\n    assert add(1, 1) == 2\n```"
    )
    model = ScriptedModel(respond=lambda text, i: answer)
    assert reproduction_test(model, Issue("add is wrong", "")).startswith("from calc import add")
    assert reproduction_test(ScriptedModel(respond=lambda t, i: "no code"), Issue("t", "")) is None


def test_the_reproduction_prompt_holds_only_the_issue():
    prompt = reproduction_prompt(Issue("add() subtracts", "calc.add(2, 3) returns -1."))
    text = "\n".join(m["content"] for m in prompt)
    assert "calc.add(2, 3) returns -1." in text and "FAIL_TO_PASS" not in text
