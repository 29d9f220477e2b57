"""aso registry sync: only missing items move, each checked against its proof; damage refused;
an interrupted (even SIGKILLed) sync leaves whole items and a re-run completes it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from aso.cli.main import main
from aso.errors import AsoError
from aso.registry import ItemKind, Registry, verify
from aso.registry.sync import sync


def fill(root, names, meta=None) -> dict[str, str]:
    with Registry(root) as reg:
        kind = ItemKind.EXPERIENCE_LIBRARY
        records = {n: reg.put(json.dumps({"x": n}).encode(), kind=kind, name=n, meta=meta) for n in names}
    return {n: r.digest for n, r in records.items()}


def test_sync_copies_only_missing_items_and_the_roots_then_agree(tmp_path):
    fill(tmp_path / "src", ["a", "b", "c", "d"], meta={"node": "n1"})
    fill(tmp_path / "dst", ["a", "b"], meta={"node": "n1"})
    with Registry(tmp_path / "src") as src, Registry(tmp_path / "dst") as dst:
        report = sync(src, dst)
        assert report.ok and report.already_present == 2
        assert sorted(i.name for i in report.copied) == ["c", "d"]
        assert dst.root_hash() == src.root_hash() == report.target_root_after
        assert verify(dst).ok
        assert dst.items()[0].meta == {"node": "n1"}
        again = sync(src, dst)
        assert not again.copied and again.already_present == 4


def test_a_damaged_source_item_is_refused_and_the_rest_copied(tmp_path):
    digests = fill(tmp_path / "src", ["a", "b", "c"])
    with Registry(tmp_path / "src") as src:
        src.object_path(digests["b"]).write_bytes(b'{"lesson": "poisoned"}')
    (tmp_path / "src" / "objects" / digests["c"][:2] / digests["c"]).unlink()
    with Registry(tmp_path / "src") as src, Registry(tmp_path / "dst") as dst:
        report = sync(src, dst)
        assert [i.name for i in report.copied] == ["a"]
        lines = sorted(r.line() for r in report.refused)
        assert len(lines) == 2 and all("\n" not in line for line in lines)
        assert any("altered" in line and digests["b"][:12] in line for line in lines)
        assert any("lost" in line and digests["c"][:12] in line for line in lines)
        assert {i.digest for i in dst.items()} == {digests["a"]}


def test_a_source_whose_index_no_longer_folds_to_its_root_is_refused_whole(tmp_path):
    fill(tmp_path / "src", ["a", "b"])
    import sqlite3

    con = sqlite3.connect(tmp_path / "src" / "index.sqlite")
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    item_table = next(t for t in tables if "item" in t)
    con.execute(f"update {item_table} set name = 'renamed' where name = 'a'")
    con.commit()
    con.close()
    with Registry(tmp_path / "src") as src, Registry(tmp_path / "dst") as dst:
        with pytest.raises(AsoError, match="not to the recorded root"):
            sync(src, dst)
        assert dst.items() == []


def test_an_interrupted_sync_is_completed_by_running_it_again(tmp_path):
    fill(tmp_path / "src", [f"item{i}" for i in range(6)])

    def stop_after_two(record, copied):
        stop_after_two.n += 1
        if stop_after_two.n == 2:
            raise KeyboardInterrupt

    stop_after_two.n = 0
    with Registry(tmp_path / "src") as src, Registry(tmp_path / "dst") as dst:
        with pytest.raises(KeyboardInterrupt):
            sync(src, dst, on_item=stop_after_two)
        assert len(dst.items()) == 2 and verify(dst).ok
        report = sync(src, dst)
        assert len(report.copied) == 4 and dst.root_hash() == src.root_hash()


def test_a_sigkilled_sync_leaves_whole_items_and_a_rerun_finishes(tmp_path):
    fill(tmp_path / "src", [f"item{i}" for i in range(300)])
    code = (
        "import sys\nfrom aso.registry import Registry\nfrom aso.registry.sync import sync\n"
        "print('start', flush=True)\n"
        f"sync(Registry({str(tmp_path / 'src')!r}), Registry({str(tmp_path / 'dst')!r}))\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "start"
    time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    with Registry(tmp_path / "dst") as dst:
        assert verify(dst).ok  # whatever arrived is whole
        print("items before the re-run:", len(dst.items()))
    assert main(["registry", "sync", str(tmp_path / "src"), str(tmp_path / "dst")]) == 0
    with Registry(tmp_path / "src") as src, Registry(tmp_path / "dst") as dst:
        assert dst.root_hash() == src.root_hash() and len(dst.items()) == 300


def test_cli_sync_refusal_is_one_line_and_exits_1(tmp_path, capsys):
    digests = fill(tmp_path / "src", ["a", "b"])
    (tmp_path / "src" / "objects" / digests["a"][:2] / digests["a"]).write_bytes(b"garbage")
    assert main(["registry", "sync", str(tmp_path / "src"), str(tmp_path / "dst")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"refused {digests['a'][:12]} (a): altered")
    assert main(["registry", "sync", str(tmp_path / "nowhere"), str(tmp_path / "dst")]) == 2
    assert capsys.readouterr().err.startswith("aso: error: no registry at")
