"""Run directories: every command that does work writes one.

Layout of a run directory::

    runs/<command>-<UTC time>-<short id>/
        config.json     the resolved config (what `--resume` compares against)
        meta.json       command, seed, model identity hash, aso version, argv, start time
        events.jsonl    append-only, one JSON object a line, flushed and fsynced per line
        ...             the command's outputs (written atomically with `write_json` / `write_text`)

An interrupted run is continued with `Run.resume(path)`: finished items are the `item_done` events
already in `events.jsonl`, so nothing finished is redone. A torn last line (the process was killed
mid-write) is ignored on read.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aso.errors import RunStateError


def default_root() -> Path:
    """Where new run directories go: `$ASO_RUNS_DIR`, else `./runs`."""
    return Path(os.environ.get("ASO_RUNS_DIR", "runs"))


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, ensure_ascii=False)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (temp file in the same directory, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Run:
    """One run directory: config, metadata, an append-only event log and outputs."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._events_path = self.path / "events.jsonl"

    # --- creation and resumption -------------------------------------------------------------
    @classmethod
    def create(
        cls,
        command: str,
        config: dict[str, Any],
        *,
        seed: int | None = None,
        model_hash: str | None = None,
        root: Path | None = None,
        path: Path | None = None,
    ) -> Run:
        """Create a new run directory for `command` with its resolved `config`, seed and model hash."""
        from aso import __version__

        if path is None:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            path = (
                Path(root or default_root()) / f"{command.replace(' ', '-')}-{stamp}-{secrets.token_hex(3)}"
            )
        path = Path(path)
        if (path / "config.json").exists():
            raise RunStateError(f"{path}: a run already exists here; use --resume {path} to continue it")
        path.mkdir(parents=True, exist_ok=True)
        run = cls(path)
        atomic_write_text(path / "config.json", _dumps(config) + "\n")
        meta = {
            "command": command,
            "seed": seed,
            "model_hash": model_hash,
            "aso_version": __version__,
            "argv": sys.argv,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic_write_text(path / "meta.json", json.dumps(meta, indent=2, default=str) + "\n")
        run.log("run_started", command=command)
        return run

    @classmethod
    def resume(cls, path: Path, config: dict[str, Any] | None = None) -> Run:
        """Open an existing run. If `config` is given it must equal the stored one (else RunStateError)."""
        path = Path(path)
        if not (path / "config.json").is_file():
            raise RunStateError(f"{path}: not a run directory (no config.json)")
        run = cls(path)
        if config is not None:
            stored = run.config
            now = json.loads(_dumps(config))
            changed = sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))
            if changed:
                raise RunStateError(f"{path}: config differs from the stored run in: {', '.join(changed)}")
        run.log("run_resumed")
        return run

    # --- reading -------------------------------------------------------------------------------
    @property
    def config(self) -> dict[str, Any]:
        """The resolved config the run was created with."""
        return json.loads((self.path / "config.json").read_text(encoding="utf-8"))

    @property
    def meta(self) -> dict[str, Any]:
        """Command, seed, model hash, version and start time."""
        return json.loads((self.path / "meta.json").read_text(encoding="utf-8"))

    def events(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Yield logged events in order (only those of `kind` if given); a torn last line is skipped."""
        if not self._events_path.exists():
            return
        with open(self._events_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line torn by a kill mid-write
                if kind is None or event.get("event") == kind:
                    yield event

    def done_items(self) -> dict[str, dict[str, Any]]:
        """Map item key -> its `item_done` event: what a resumed run must not redo."""
        return {e["key"]: e for e in self.events("item_done")}

    def done_rows(self) -> dict[str, dict[str, Any]]:
        """Map item key -> the fields it was marked done with (its `item_done` event without the
        bookkeeping `event`, `t`, `key`)."""
        return {
            key: {k: v for k, v in event.items() if k not in ("event", "t", "key")}
            for key, event in self.done_items().items()
        }

    # --- writing -------------------------------------------------------------------------------
    def log(self, event: str, **data: Any) -> None:
        """Append one event line, flushed and fsynced so a kill loses at most the line being written."""
        record = {"event": event, "t": round(time.time(), 3), **data}
        line = _dumps(record) + "\n"
        with open(self._events_path, "a", encoding="utf-8") as fh:
            # A previous kill can leave a torn line without newline; start ours on a fresh line.
            if fh.tell() > 0 and not self._ends_with_newline():
                fh.write("\n")
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with open(self._events_path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def mark_done(self, key: str, **result: Any) -> None:
        """Record that item `key` finished, with its result; `done_items` reads these back."""
        self.log("item_done", key=key, **result)

    def write_json(self, name: str, data: Any) -> Path:
        """Write an output JSON file atomically inside the run directory."""
        target = self.path / name
        atomic_write_text(target, json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
        return target

    def write_text(self, name: str, text: str) -> Path:
        """Write an output text file atomically inside the run directory."""
        target = self.path / name
        atomic_write_text(target, text)
        return target

    def finish(self, **summary: Any) -> None:
        """Log the end of the run with a summary."""
        self.log("run_finished", **summary)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"


def open_run(
    command: str,
    config: dict[str, Any],
    *,
    resume: Path | None,
    seed: int | None,
    model_hash: str | None,
    output: Path | None = None,
) -> Run:
    """What a CLI command calls: resume `resume` (config must match) or create a new run."""
    if resume is not None:
        return Run.resume(resume, config)
    return Run.create(command, config, seed=seed, model_hash=model_hash, path=output)
