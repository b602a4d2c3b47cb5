"""The subpackages import one way only (pyproject.toml [tool.importlinter])."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import grcim

ROOT = Path(__file__).resolve().parents[1]


def test_import_layers_are_kept() -> None:
    package_dir = Path(grcim.__file__).parent
    if not (package_dir / "mapper").is_dir():
        pytest.skip("editable install: import-linter cannot follow setuptools package-dir "
                    "mappings; the regular install of the README's set-up checks this")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (test extra)")
    proc = subprocess.run([exe, str(ROOT / "pyproject.toml")], capture_output=True, text=True,
                          cwd=package_dir.parent, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "broken" in proc.stdout and "0 broken" in proc.stdout


def test_contract_keeps_the_documented_order() -> None:
    # docs/architecture.md: physics below the plug-ins, report above the mapper; a contract
    # edited to drop a layer would still pass lint-imports, so the order is checked here
    import tomllib

    doc = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    layers = doc["tool"]["importlinter"]["contracts"][0]["layers"]
    flat = [name.strip() for layer in layers for name in layer.replace(":", "|").split("|")]
    order = ["grcim.cli", "grcim.sweep", "grcim.report", "grcim.mapper", "grcim.plugins",
             "grcim.physics", "grcim.errors"]
    assert [n for n in flat if n in order] == order
    assert layers[layers.index("grcim.report") + 1].replace(" ", "") == \
        "grcim.studies|grcim.mapper"
