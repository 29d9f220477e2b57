"""`aso serve` options: no keys means loopback only; --add-key prints a key once and stores its hash."""

from aso.cli.main import main
from aso.serve import KeyStore


def test_non_loopback_without_keys_is_refused_before_loading_a_model(capsys, monkeypatch):
    monkeypatch.delenv("ASO_API_KEYS", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "aso: error: --host 0.0.0.0: refusing to listen beyond loopback without API keys (--api-keys)"
    )


def test_add_key_prints_the_key_once_and_keeps_its_hash(tmp_path, capsys):
    keys = tmp_path / "keys.txt"
    assert main(["serve", "--api-keys", str(keys), "--add-key", "alice"]) == 0
    key = capsys.readouterr().out.splitlines()[0]
    assert key.startswith("aso-") and key not in keys.read_text()
    assert KeyStore.load(keys, env="").name_of(key) == "alice"


def test_malformed_key_file_is_one_line(tmp_path, capsys):
    keys = tmp_path / "keys.txt"
    keys.write_text("plain-text-key alice\n")
    assert main(["serve", "--api-keys", str(keys)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"aso: error: {keys}: line 1: expected 'sha256:<64 hex> NAME'")
