"""Our use of swebench's official log parsers on each runner's log format (between the harness's
markers), and its grading rules: XFAIL passes, a missing test fails, ids cut as the dataset cuts them."""

import pytest

pytest.importorskip("swebench.harness.grading")

from aso.swe.instances import Instance  # noqa: E402
from aso.swe.specs import END_TEST_OUTPUT, START_TEST_OUTPUT, grade, parse_log_text, test_command  # noqa: E402


def _log(body: str) -> str:
    return f"+ git apply\nsetup noise\n{START_TEST_OUTPUT}\n{body}\n{END_TEST_OUTPUT}\n"


def test_requests_ids_are_cut_at_a_space_and_at_an_absolute_path_parameter():
    body = (
        'PASSED tests/test_utils.py::test_pragmas[<meta charset="UTF-8">]\n'
        "PASSED tests/test_utils.py::test_unzipped_paths_unchanged[/tmp/x/tests/test_utils.py]\n"
        "FAILED tests/test_utils.py::test_prepend_scheme - AssertionError: no\n"
    )
    status = parse_log_text("psf/requests", "2.27", _log(body))
    assert status["tests/test_utils.py::test_pragmas[<meta"] == "PASSED"
    assert status["tests/test_utils.py::test_unzipped_paths_unchanged[/test_utils.py]"] == "PASSED"
    assert status["tests/test_utils.py::test_prepend_scheme"] == "FAILED"


def test_sympy_bin_test_format():
    body = "test_one ok\ntest_two F\ntest_three E\n"
    status = parse_log_text("sympy/sympy", "1.9", _log(body))
    assert status == {"test_one": "PASSED", "test_two": "FAILED", "test_three": "ERROR"}


def test_django_runner_format():
    body = (
        "test_a (admin_views.tests.AdminTests) ... ok\n"
        "test_b (admin_views.tests.AdminTests) ... FAIL\n"
        "test_c (admin_views.tests.AdminTests) ... skipped 'no db'\n"
    )
    status = parse_log_text("django/django", "4.0", _log(body))
    assert status["test_a (admin_views.tests.AdminTests)"] == "PASSED"
    assert status["test_b (admin_views.tests.AdminTests)"] == "FAILED"
    assert status["test_c (admin_views.tests.AdminTests)"] == "SKIPPED"


def _instance(f2p, p2p, repo="pytest-dev/pytest", version="5.4"):
    return Instance(
        "x__y-1",
        repo,
        "0" * 40,
        "",
        "diff --git a/t/test_a.py b/t/test_a.py\n",
        "issue",
        tuple(f2p),
        tuple(p2p),
        version=version,
    )


def test_grading_xfail_passes_and_a_missing_test_fails(tmp_path):
    log = tmp_path / "test_output.txt"
    log.write_text(_log("XFAIL t/test_a.py::test_x - reason\nPASSED t/test_a.py::test_y\n"))
    report = grade(_instance(["t/test_a.py::test_x"], ["t/test_a.py::test_y"]), "diff", log)
    assert report["resolved"] is True
    report = grade(_instance(["t/test_a.py::test_x"], ["t/test_a.py::test_gone"]), "diff", log)
    assert report["resolved"] is False
    assert report["tests_status"]["PASS_TO_PASS"]["failure"] == ["t/test_a.py::test_gone"]


def test_a_log_without_markers_is_not_applied(tmp_path):
    log = tmp_path / "test_output.txt"
    log.write_text(">>>>> Patch Apply Failed\n")
    report = grade(_instance(["t/test_a.py::test_x"], []), "diff", log)
    assert report["patch_successfully_applied"] is False and report["resolved"] is False


def test_test_command_is_the_harness_one_with_the_test_patch_directives():
    inst = _instance([], [], repo="sympy/sympy", version="1.9")
    inst = Instance(
        **{
            **inst.__dict__,
            "test_patch": "diff --git a/sympy/core/tests/test_x.py b/sympy/core/tests/test_x.py\n",
        }
    )
    assert test_command(inst).endswith("bin/test -C --verbose sympy/core/tests/test_x.py")
