"""Standalone script run INSIDE the sandbox (imports nothing from aso): executes `example.py` under an
opcode tracer, maps executed instructions back to AST nodes, runs the example's tests, prints one JSON line.

How executed line/col events become AST nodes: every executed instruction has a source span
(`code.co_positions()`, Python 3.11+); an AST node counts as executed when at least one executed
instruction's span lies inside the node's span. Output (last stdout line, after the marker)::

    {"executed": [node types], "units": int, "passed": int, "asserts": int, "error": str}
"""

import ast
import contextlib
import io
import json
import sys
import traceback

MARKER = "@@ASO_ECS@@"
EVENT_LIMIT = 2_000_000  # stop tracing (not running) after this many events: keeps hot loops cheap
FILENAME = "example.py"


def main():
    """Run the example under the tracer and print the result line."""
    source = open(FILENAME, encoding="utf-8").read()
    tree = ast.parse(source)
    code = compile(tree, FILENAME, "exec")
    hits = set()  # (code object, instruction offset)
    budget = [EVENT_LIMIT]

    def local(frame, event, arg):
        if budget[0] <= 0:
            frame.f_trace_opcodes = False
            return None
        budget[0] -= 1
        hits.add((frame.f_code, frame.f_lasti))
        return local

    def global_trace(frame, event, arg):
        if frame.f_code.co_filename != FILENAME or budget[0] <= 0:
            return None
        frame.f_trace_opcodes = True
        return local(frame, event, arg)

    namespace = {"__name__": "__main__", "__file__": FILENAME}
    asserts = sum(isinstance(n, ast.Assert) for n in ast.walk(tree))
    test_names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")]
    in_tests = set()
    for n in tree.body:
        if isinstance(n, ast.FunctionDef) and n.name in test_names:
            in_tests.update(id(x) for x in ast.walk(n))
    body_has_asserts = any(isinstance(n, ast.Assert) and id(n) not in in_tests for n in ast.walk(tree))
    units = len(test_names) + (1 if body_has_asserts else 0)
    passed = 0
    error = ""
    sink = io.StringIO()
    sys.settrace(global_trace)
    try:
        with contextlib.redirect_stdout(sink):
            try:
                exec(code, namespace)
                passed += 1 if body_has_asserts else 0
            except BaseException:
                error = traceback.format_exc(limit=3)
                raise
            for name in test_names:
                fn = namespace.get(name)
                try:
                    if callable(fn):
                        fn()
                        passed += 1
                except Exception:
                    error = error or traceback.format_exc(limit=3)
    except BaseException:
        pass
    finally:
        sys.settrace(None)

    spans = set()
    positions = {}
    for co, offset in hits:
        if co not in positions:
            positions[co] = list(co.co_positions())
        table = positions[co]
        index = offset // 2
        if 0 <= index < len(table):
            line, end_line, col, end_col = table[index]
            if None not in (line, end_line, col, end_col):
                spans.add((line, col, end_line, end_col))
    executed = set()
    for node in ast.walk(tree):
        start = (getattr(node, "lineno", None), getattr(node, "col_offset", None))
        end = (getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None))
        if None in start or None in end:
            continue
        for line, col, end_line, end_col in spans:
            if (line, col) >= start and (end_line, end_col) <= end:
                executed.add(type(node).__name__)
                break
    result = {
        "executed": sorted(executed),
        "units": units,
        "passed": passed,
        "asserts": asserts,
        "error": error[-800:],
    }
    sys.stdout.write("\n" + MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
