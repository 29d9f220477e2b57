import pytest

from aso.cli.main import main


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("generate", "serve", "models"):
        assert command in out


@pytest.mark.parametrize(
    "argv", [["generate", "hi", "--model", "bogus"], ["generate", "hi", "--model", "gguf:/no.gguf"]]
)
def test_user_errors_are_one_line_nonzero(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aso: error: ") and "\n" not in err and "Traceback" not in err


def test_models_reports_bad_names_with_nonzero_exit(capsys):
    assert main(["models", "smollm2", "bogus"]) == 2
    assert "unknown model" in capsys.readouterr().out


@pytest.mark.model
def test_generate_four_completions_from_embedded_model(embedded_model, capsys, tmp_path):
    argv = ["generate", "Write a Python function add(a, b).", "-n", "4", "--seed", "0", "--max-tokens", "40"]
    assert main([*argv, "--output", str(tmp_path / "a")]) == 0
    first = capsys.readouterr().out
    assert first.count("--- completion ") == 4
    assert main([*argv, "--output", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == first  # same seed, same completions
    assert (tmp_path / "a" / "completions.json").is_file()


@pytest.mark.model
def test_generate_through_aso_serve(embedded_model, capsys, tmp_path):
    from aso.serve import BackgroundServer

    with BackgroundServer(embedded_model, served_name="smollm2") as url:
        argv = [
            "generate",
            "Write a Python function add(a, b).",
            "-n",
            "4",
            "--seed",
            "0",
            "--max-tokens",
            "24",
            "--model",
            f"openai:{url}#smollm2",
            "--output",
            str(tmp_path / "r"),
        ]
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("--- completion ") == 4
