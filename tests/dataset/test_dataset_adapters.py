import pytest

from aso.dataset.adapters import ExecutionOutcome, get_adapter
from aso.dataset.adapters.kcl import kcl_constructs
from aso.dataset.stages import ExamplePipeline, StageOutcome, extract_code, jaccard_novelty
from aso.errors import ConfigError

PY = """
def f(xs):
    out = [x * 2 for x in xs if x > 1]
    if not out:
        raise ValueError("empty")
    return out[1:]

def never():
    while True:
        break

total = 0
for v in f([1, 2, 3]):
    total += v
assert total == 6

def test_f():
    assert f([5]) == []
"""

KCL = """schema App:
    name: str
    replicas: int = 1
    check:
        replicas > 0, "replicas must be positive"

apps = [App {name = "a${i}", replicas = i + 1} for i in range(3)]
double = lambda y: int { y * 2 }
assert double(3) == 6
"""


def test_python_ecs_records_executed_node_types_in_sandbox():
    adapter = get_adapter("python")
    parsed = adapter.parse(PY)
    assert parsed.ok and parsed.constructs["FunctionDef"] == 3
    result = adapter.execute(PY, parsed)
    assert result.outcome is ExecutionOutcome.PASSED
    assert {"ListComp", "For", "AugAssign", "Slice", "Return", "Assert", "If"} <= result.executed
    assert "While" not in result.executed and "Break" not in result.executed  # never() is never called
    assert "Raise" not in result.executed
    assert result.test_units == 2 and result.tests_passed == 2 and result.assertions == 2


def test_python_failing_assertion_is_reported():
    adapter = get_adapter("python")
    code = "x = 1\nassert x == 2\n"
    result = adapter.execute(code, adapter.parse(code))
    assert result.outcome is ExecutionOutcome.FAILED and "AssertionError" in result.message


def test_kcl_parses_and_executes_real_snippets():
    adapter = get_adapter("kcl")
    parsed = adapter.parse(KCL)
    assert parsed.ok
    assert {"Schema", "SchemaAttr", "Check", "ListComp", "Lambda", "Assert", "JoinedString"} <= set(
        parsed.constructs
    )
    assert "Basic" not in parsed.constructs  # type annotations are not constructs
    result = adapter.execute(KCL, parsed)
    assert result.outcome is ExecutionOutcome.PASSED and result.tests_passed == 1
    bad = "a = 1\nassert a == 2, 'boom'\n"
    failed = adapter.execute(bad, adapter.parse(bad))
    assert failed.outcome is ExecutionOutcome.FAILED and "boom" in failed.message


def test_kcl_malformed_example_rejected_at_stage1_with_parser_message():
    adapter = get_adapter("kcl")
    pipe = ExamplePipeline(adapter, adapter.vocabulary())
    rec = pipe.evaluate(0, "```kcl\nschema X:\n  a: int =\n```", [])
    assert rec.outcome is StageOutcome.PARSE_ERROR
    assert "expected one of" in rec.error and "line 2" in rec.error


def test_kcl_constructs_counts_only_statement_and_expression_tags():
    ast_json = (
        '{"body": [{"node": {"type": "Assign", "value": {"node": {"type": "NumberLit", "value": '
        '{"type": "Int", "value": 1}}}, "ty": {"node": {"type": "Basic"}}}}]}'
    )
    assert dict(kcl_constructs(ast_json)) == {"Assign": 1, "NumberLit": 1}


def test_lark_avap_grammar_and_examples():
    adapter = get_adapter("lark:avap")
    vocab = adapter.vocabulary()
    assert {"orm_select", "start_loop", "try_block", "go_stmt", "encode_sha256"} <= set(vocab)
    assert "start" not in vocab and not any(v.startswith("_") for v in vocab)
    ok = adapter.parse('addParam("id", uid)\normAccessSelect("users", "id = 1", rows)\naddResult(rows)\n')
    assert ok.ok and set(ok.constructs) == {"add_param", "orm_select", "add_result"}
    bad = adapter.parse('addParam("x" y)\n')
    assert not bad.ok and "line 1" in bad.error
    assert "Grammar (Lark)" in adapter.reference_text() and "Example" in adapter.reference_text()
    assert adapter.execute("", ok).outcome is ExecutionOutcome.NOT_EXECUTABLE


def test_unknown_language_is_a_config_error():
    with pytest.raises(ConfigError):
        get_adapter("cobol")
    with pytest.raises(ConfigError):
        get_adapter("lark:/nonexistent.lark")


def test_stage_helpers():
    assert extract_code("text\n```python\nx = 1\n```\nmore") == "x = 1"
    assert extract_code("x = 2") == "x = 2"
    assert jaccard_novelty({"A", "B"}, [{"A", "B", "C", "D"}]) == pytest.approx(0.5)
    assert jaccard_novelty({"A"}, []) == 1.0


def test_pipeline_rejects_near_duplicates_without_executing():
    adapter = get_adapter("python")
    pipe = ExamplePipeline(adapter, adapter.vocabulary(), execute=False)
    code = "def f(a, b):\n    total = a + b\n    return total * 2\n\nassert f(1, 2) == 6\n"
    first = pipe.evaluate(0, code, [])
    assert first.accepted
    pipe.remember(first)
    assert pipe.evaluate(1, code, []).outcome is StageOutcome.NEAR_DUPLICATE
    assert pipe.evaluate(2, "def (:", []).outcome is StageOutcome.PARSE_ERROR
