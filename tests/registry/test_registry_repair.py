"""A damaged, truncated or emptied index is damage (one line, exit 1); `repair` rebuilds it."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from aso.cli.main import main
from aso.registry import ItemKind, Registry, RegistryIntegrityError, repair, verify


@pytest.fixture
def filled(tmp_path):
    root = tmp_path / "reg"
    with Registry(root) as reg:
        for i in range(3):
            reg.put(f"prior {i}".encode() * 100, kind=ItemKind.EXPERIENCE_LIBRARY, name=f"lib-{i}")
        expected = reg.root_hash()
    return root, expected


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and err.startswith("aso: error: "), err
    return err


def _checkpoint(root) -> None:
    conn = sqlite3.connect(root / "index.sqlite")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def test_truncated_index_is_one_line_damage_and_repair_rebuilds_it(filled, capsys):
    root, expected = filled
    _checkpoint(root)
    index = root / "index.sqlite"
    index.write_bytes(index.read_bytes()[:3000])
    for argv in (["verify"], ["list"], ["get", "lib-0", "--out", str(root.parent / "x")]):
        assert main(["registry", *argv, "--registry", str(root)]) == 1
        err = _one_line_error(capsys)
        assert str(index) in err and "aso registry repair" in err
    assert main(["registry", "repair", "--registry", str(root)]) == 0
    out = capsys.readouterr().out
    assert "3 items" in out and f"root {expected}" in out
    with Registry(root, create=False) as reg:
        assert verify(reg).ok and reg.root_hash() == expected
        assert reg.get("lib-2") == b"prior 2" * 100


def test_emptied_index_is_damage_not_ok_zero_items(filled, capsys):
    root, expected = filled
    (root / "index.sqlite").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (root / f"index.sqlite{suffix}").unlink(missing_ok=True)
    assert main(["registry", "verify", "--registry", str(root)]) == 1
    assert "is empty" in _one_line_error(capsys)
    report = repair(root)
    assert (report.items, report.from_journal, report.altered, report.lost) == (3, 3, [], [])
    assert report.root == expected


def test_index_that_lost_rows_is_one_finding_naming_it(filled, capsys):
    root, _ = filled
    conn = sqlite3.connect(root / "index.sqlite")
    conn.execute("DELETE FROM items")
    conn.execute("DELETE FROM roots")
    conn.commit()
    conn.close()
    with Registry(root, create=False) as reg:
        report = verify(reg)
    assert not report.ok and [f.problem.value for f in report.findings] == ["index-incomplete"]
    assert "index.sqlite lists 0 items but 3 more committed" in report.findings[0].detail
    assert main(["registry", "verify", "--registry", str(root)]) == 1
    assert "INDEX-INCOMPLETE" in capsys.readouterr().out


def test_missing_index_with_objects_is_damage(filled, capsys):
    root, _ = filled
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (root / name).unlink(missing_ok=True)
    with pytest.raises(RegistryIntegrityError, match="is missing"):
        Registry(root, create=False)
    assert repair(root).items == 3


def test_repair_rechecks_hashes_and_quarantines_altered_objects(filled, capsys):
    root, _ = filled
    with Registry(root) as reg:
        victim = reg.resolve("lib-1")
        path = reg.object_path(victim.digest)
        stranger = reg.put(b"no record for me", kind=ItemKind.OTHER, name="stranger")
    path.write_bytes(b"tampered")
    (root / "records.jsonl").write_text("")  # the journal lost too: the stranger is recovered unnamed
    (root / "index.sqlite").write_bytes(b"garbage" * 100)
    for suffix in ("-wal", "-shm"):
        (root / f"index.sqlite{suffix}").unlink(missing_ok=True)
    assert main(["registry", "repair", "--registry", str(root)]) == 1  # something was altered
    out = capsys.readouterr().out
    assert f"ALTERED  {victim.digest[:16]}" in out
    assert (root / "quarantine" / victim.digest).read_bytes() == b"tampered"
    with Registry(root, create=False) as reg:
        assert len(reg.items()) == 3 and verify(reg).ok
        assert reg.resolve(stranger.digest).name == f"recovered-{stranger.digest[:12]}"


def test_stale_temp_files_are_removed_after_the_grace_period(tmp_path):
    root = tmp_path / "reg"
    with Registry(root) as reg:
        stale, fresh = reg.tmp / "1-dead.part", reg.tmp / "2-live.part"
        for p in (stale, fresh):
            p.write_bytes(b"partial")
        old = time.time() - 2 * 3600
        os.utime(stale, (old, old))
        reg.put(b"x", kind=ItemKind.OTHER, name="x")
        assert not stale.exists() and fresh.exists()
    os.utime(fresh, (old, old))
    assert repair(root).temp_removed == ["2-live.part"]
