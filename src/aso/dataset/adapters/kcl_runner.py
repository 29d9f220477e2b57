"""Standalone script run INSIDE the sandbox: executes `main.k` with kcl-lib's `exec_program` and prints
one JSON line after a marker: {"ok": bool, "error": str, "yaml": str}."""

import json
import sys

MARKER = "@@ASO_KCL@@"


def main():
    """Evaluate main.k and print the result line."""
    import kcl_lib.api as api

    source = open("main.k", encoding="utf-8").read()
    try:
        result = api.API().exec_program(api.ExecProgramArgs(k_filename_list=["main.k"], k_code_list=[source]))
        payload = {
            "ok": not result.err_message,
            "error": result.err_message[-800:],
            "yaml": result.yaml_result[:2000],
        }
    except Exception as exc:  # kcl-lib raises for some evaluation errors
        payload = {"ok": False, "error": str(exc)[-800:], "yaml": ""}
    sys.stdout.write("\n" + MARKER + json.dumps(payload) + "\n")


if __name__ == "__main__":
    main()
