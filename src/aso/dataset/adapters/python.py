"""Python examples: Stage 1 with the standard `ast` parser, Stage 2 in the sandbox under an opcode tracer."""

from __future__ import annotations

import ast
from collections import Counter

from aso.dataset.adapters.base import ExecutionOutcome, ExecutionResult, ParseResult
from aso.dataset.adapters.sandboxed import SandboxedAdapter


def python_constructs(tree: ast.AST) -> Counter:
    """Node type name -> count over every node of a parsed tree."""
    return Counter(type(node).__name__ for node in ast.walk(tree))


class PythonAdapter(SandboxedAdapter):
    """The `python` language: `ast` node types are the constructs; execution through `aso.sandbox`
    under `ecs_tracer.py`, which records the node types actually executed."""

    name = "python"
    display_name = "Python"
    fence = "python"
    prior_key = "python"
    vocabulary_name = "python"
    runner = "ecs_tracer.py"
    marker = "@@ASO_ECS@@"

    def parse(self, code: str) -> ParseResult:
        """Parse with `ast.parse`; a SyntaxError's message, line and column are kept."""
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError) as exc:
            where = f" (line {exc.lineno}, column {exc.offset})" if isinstance(exc, SyntaxError) else ""
            return ParseResult(ok=False, error=f"SyntaxError: {getattr(exc, 'msg', str(exc))}{where}")
        return ParseResult(ok=True, constructs=python_constructs(tree))

    def execute(self, code: str, parsed: ParseResult) -> ExecutionResult:
        """Run the example and its tests in the sandbox; record which node types executed."""
        result, payload = self.run_script({"example.py": code})
        if result.timed_out:
            return ExecutionResult(ExecutionOutcome.TIMED_OUT, message="timed out")
        if payload is None:
            return ExecutionResult(ExecutionOutcome.FAILED, message=(result.stderr or result.stdout)[-800:])
        failed = bool(payload["error"]) or payload["passed"] < payload["units"]
        return ExecutionResult(
            outcome=ExecutionOutcome.FAILED if failed else ExecutionOutcome.PASSED,
            executed=frozenset(payload["executed"]),
            test_units=int(payload["units"]),
            tests_passed=int(payload["passed"]),
            assertions=int(payload["asserts"]),
            message=payload["error"],
        )
