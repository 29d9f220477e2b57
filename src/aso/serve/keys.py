"""API keys: kept as sha256 hashes (a key file stores only hashes), checked in constant time.

Key file: one key a line, `sha256:<hex> <name>`; `#` starts a comment. `ASO_API_KEYS` holds plain keys
separated by commas (for containers and tests); they are hashed on reading.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import socket
from pathlib import Path

from aso.errors import ConfigError

ENV_VAR = "ASO_API_KEYS"


def hash_key(key: str) -> str:
    """`sha256:<hex>` of a key."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    """Hashed API keys -> names. Empty means the server runs without keys (loopback only)."""

    def __init__(self, hashed: dict[str, str] | None = None) -> None:
        self.hashed = dict(hashed or {})  # "sha256:<hex>" -> key name

    def __bool__(self) -> bool:
        return bool(self.hashed)

    @classmethod
    def load(cls, path: Path | None = None, env: str | None = None) -> KeyStore:
        """Keys from `path` (hashes) and from `ASO_API_KEYS` (plain, comma-separated)."""
        hashed: dict[str, str] = {}
        if path is not None:
            if not path.is_file():
                raise ConfigError(f"--api-keys: key file not found: {path}")
            for number, line in enumerate(path.read_text().splitlines(), 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                digest, _, name = line.partition(" ")
                hexpart = digest.removeprefix("sha256:")
                if not digest.startswith("sha256:") or len(hexpart) != 64 or not _is_hex(hexpart):
                    raise ConfigError(
                        f"{path}: line {number}: expected 'sha256:<64 hex> NAME', got {line[:40]!r}"
                    )
                hashed[digest] = name.strip() or digest[7:19]
        raw = os.environ.get(ENV_VAR, "") if env is None else env
        for i, key in enumerate(k.strip() for k in raw.split(",")):
            if key:
                hashed[hash_key(key)] = f"env-{i}"
        return cls(hashed)

    def name_of(self, key: str | None) -> str | None:
        """The name of a valid key, else None (compares every hash: no early exit)."""
        if not key:
            return None
        digest = hash_key(key)
        found = None
        for stored, name in self.hashed.items():
            if hmac.compare_digest(stored, digest):
                found = name
        return found


def add_key(path: Path, name: str) -> str:
    """Create a new random key, append its hash and `name` to `path`, and return the key (shown once)."""
    if any(c.isspace() for c in name) or not name:
        raise ConfigError(f"--add-key: key name must be one word, got {name!r}")
    key = "aso-" + secrets.token_urlsafe(24)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fh.write(f"{hash_key(key)} {name}\n")
    os.chmod(path, 0o600)
    return key


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def is_loopback(host: str | None, resolve: bool = False) -> bool:
    """Whether `host` is a loopback address (without keys a server answers only those). A name is
    resolved when `resolve` (all its addresses must be loopback; `socket.gaierror` if it does not
    resolve), else only `localhost` counts."""
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not resolve:
        return host == "localhost"
    return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
