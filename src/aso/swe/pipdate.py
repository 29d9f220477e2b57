"""The package date: environments resolve their packages from PyPI as of `PACKAGES_AS_OF`, the date
SWE-bench Verified's verdicts were fixed (its FAIL_TO_PASS/PASS_TO_PASS lists were validated in images
built then; the harness's specs leave most versions open, and e.g. Sphinx 5.0's tests fail with
Pygments 2.19 of 2025). pip's `--uploaded-prior-to` does it (pip >= 25.3), with the machine's pip
config set aside so that local wheel directories cannot bypass the cap. `$ASO_SWE_AS_OF` sets another
date; empty or `none` resolves as of today.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PACKAGES_AS_OF = "2024-08-13T00:00:00Z"
"""SWE-bench Verified's release: packages uploaded later are not considered."""


def packages_as_of() -> str:
    """The cap date of package resolution ('' = none): `$ASO_SWE_AS_OF`, else `PACKAGES_AS_OF`."""
    value = os.environ.get("ASO_SWE_AS_OF", PACKAGES_AS_OF).strip()
    return "" if value.lower() in ("", "none") else value


def pip_config_aside() -> dict[str, str]:
    """Environment variables that set the machine's pip config aside (its local wheel directories and
    extra indexes: they bypass the cap, and their pages carry no Requires-Python, so an old pip takes a
    pip it cannot run); the CA bundle the caller's pip is told about (`PIP_CERT`,
    `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`) is kept."""
    env = {"PIP_CONFIG_FILE": os.devnull}
    for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.path.isfile(os.environ.get(name, "")):
            env["PIP_CERT"] = os.environ[name]
            break
    return env


def pip_cap_env(as_of: str) -> dict[str, str]:
    """Environment variables that make pip resolve as of `as_of` ({} for no cap), the machine's pip
    config set aside (`pip_config_aside`)."""
    if not as_of:
        return {}
    return {"PIP_UPLOADED_PRIOR_TO": as_of, **pip_config_aside()}


def pip_has_cap(venv: Path) -> bool:
    """Whether the pip of `venv` knows `--uploaded-prior-to`."""
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return "--uploaded-prior-to" in done.stdout
