"""The installed package type-checks clean under mypy (pyproject.toml [tool.mypy]).

mypy checks the INSTALLED grcim (it ships ``py.typed``), not the checkout: the checkout's
folders become subpackages only through setuptools' ``package-dir``, which mypy cannot
follow. The same command by hand, from any folder outside the checkout:

    .venv/bin/mypy -p grcim --python-executable .venv/bin/python --config-file pyproject.toml
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import grcim

ROOT = Path(__file__).resolve().parents[1]


def test_installed_package_type_checks_clean(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (test extra)")
    pyproject = ROOT / "pyproject.toml"
    if not pyproject.is_file():
        pytest.skip("not run from a checkout: no pyproject.toml holds the mypy settings")
    if not (Path(grcim.__file__).parent / "mapper").is_dir():
        pytest.skip("editable install: mypy cannot follow setuptools package-dir mappings; "
                    "the regular install of the README's set-up checks this")
    # One incremental cache per environment, outside the checkout: a rerun checks only the
    # modules that changed (the cache is keyed by content, so a stale entry is not trusted).
    key = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    cache = Path(tempfile.gettempdir()) / f"grcim-mypy-cache-{key}"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "-p", "grcim", "--python-executable", sys.executable,
         "--config-file", str(pyproject), "--cache-dir", str(cache), "--no-color-output",
         "--no-error-summary"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600, check=False)
    elapsed = time.perf_counter() - start
    print(f"mypy -p grcim: {elapsed:.1f} s (cache {cache})")
    assert proc.returncode == 0, f"mypy found errors:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}"
    assert proc.stdout.strip() == "" and proc.stderr.strip() == ""
