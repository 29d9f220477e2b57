from aso.cli.main import main


def test_eval_poe_without_priors_is_a_user_error(capsys):
    assert main(["eval", "humaneval", "--poe"]) == 2
    assert "aso: error: --poe needs --priors" in capsys.readouterr().err


def test_optimize_refuses_the_heldout_split(capsys, tmp_path):
    code = main(["optimize", "humaneval", "--train-split", "heldout", "--out", str(tmp_path / "p.json")])
    assert code == 2
    assert "held-out split is never used" in capsys.readouterr().err


def test_eval_with_missing_priors_file(capsys, tmp_path):
    assert main(["eval", "humaneval", "--priors", str(tmp_path / "nope.json")]) == 2
    assert "priors file not found" in capsys.readouterr().err


def test_help_has_examples(capsys):
    for cmd in (["optimize", "humaneval", "--help"], ["eval", "humaneval", "--help"]):
        main(cmd)
        assert "Example:" in capsys.readouterr().out


def test_eval_refuses_an_unknown_precision(capsys):
    assert main(["eval", "humaneval", "--precision", "fp8"]) == 2
    assert "--precision must be float32 or bfloat16, got 'fp8'" in capsys.readouterr().err
