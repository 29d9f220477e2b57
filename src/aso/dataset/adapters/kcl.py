"""KCL examples through `kcl-lib`: `parse_file` for the AST (statement and expression tags only) and
`exec_program` (run in the sandbox) as the execution check.

KCL has no per-node execution trace here, so Stage 2 is all-or-nothing: when the program evaluates
without error every present construct counts as executed, otherwise none does.
"""

from __future__ import annotations

import json
from collections import Counter

from aso.dataset.adapters.base import ExecutionOutcome, ExecutionResult, ParseResult
from aso.dataset.adapters.sandboxed import SandboxedAdapter

# Tags of KCL's AST that are statements or expressions (type annotations such as `Basic` and literal
# payloads such as `Int` are excluded).
STATEMENT_TAGS = frozenset(
    "TypeAlias Expr Unification Assign AugAssign Assert If Import SchemaAttr Schema Rule".split()
)
EXPRESSION_TAGS = frozenset(
    (
        "Target Identifier Unary Binary If Selector Call Paren Quant List ListIfItem ListComp Starred "
        "DictComp ConfigIfEntry CompClause Schema Config Check Lambda Subscript Keyword Arguments Compare "
        "NumberLit StringLit NameConstantLit JoinedString FormattedValue Missing"
    ).split()
)


def kcl_constructs(ast_json: str) -> Counter:
    """Statement/expression tag -> count in a KCL AST (as JSON); each schema check counts as `Check`."""
    counts: Counter = Counter()
    tags = STATEMENT_TAGS | EXPRESSION_TAGS

    def walk(obj) -> None:
        if isinstance(obj, dict):
            node = obj.get("node")
            if isinstance(node, dict) and node.get("type") in tags:
                counts[node["type"]] += 1
            checks = obj.get("checks")
            if isinstance(checks, list):
                counts["Check"] += len(checks)
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(json.loads(ast_json))
    return counts


class KclAdapter(SandboxedAdapter):
    """The `kcl` language (https://kcl-lang.io) through the `kcl-lib` package."""

    name = "kcl"
    display_name = "KCL"
    fence = "kcl"
    prior_key = "kcl"
    vocabulary_name = "kcl"
    runner = "kcl_runner.py"
    marker = "@@ASO_KCL@@"

    def __init__(self, timeout_s: float = 20.0) -> None:
        super().__init__(timeout_s)

    def parse(self, code: str) -> ParseResult:
        """Parse with kcl-lib's `parse_file`; all parser messages with their positions are kept."""
        import kcl_lib.api as api

        result = api.API().parse_file(api.ParseFileArgs(path="main.k", source=code))
        if result.errors:
            messages = [
                f"{m.msg} (line {m.pos.line}, column {m.pos.column})"
                for e in result.errors
                for m in e.messages
            ]
            return ParseResult(ok=False, error="KCL parse error: " + "; ".join(messages))
        return ParseResult(ok=True, constructs=kcl_constructs(result.ast_json))

    def execute(self, code: str, parsed: ParseResult) -> ExecutionResult:
        """Evaluate with `exec_program` inside the sandbox; assertions and checks are the example's tests."""
        result, payload = self.run_script({"main.k": code})
        tests = parsed.constructs.get("Assert", 0) + parsed.constructs.get("Check", 0)
        if result.timed_out:
            return ExecutionResult(ExecutionOutcome.TIMED_OUT, assertions=tests, message="timed out")
        if payload is None or not payload["ok"]:
            message = payload["error"] if payload else (result.stderr or result.stdout)[-800:]
            return ExecutionResult(
                ExecutionOutcome.FAILED, test_units=1 if tests else 0, assertions=tests, message=message
            )
        return ExecutionResult(
            ExecutionOutcome.PASSED,
            executed=frozenset(parsed.constructs),
            test_units=1 if tests else 0,
            tests_passed=1 if tests else 0,
            assertions=tests,
        )
