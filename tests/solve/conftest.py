import pytest
from solve_fixtures import CALC, ISSUE, TESTS

from aso.solve.demo_repo import init_repo


@pytest.fixture
def buggy_repo(tmp_path):
    return init_repo(tmp_path / "repo", {"calc.py": CALC, "test_calc.py": TESTS, "README.md": "calc\n"})


@pytest.fixture
def issue_file(tmp_path):
    path = tmp_path / "issue.md"
    path.write_text(ISSUE)
    return path
