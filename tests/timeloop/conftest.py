"""Fixtures for the tests that run the real Timeloop (``timeloop-model``, ``timeloop-mapper``).

Timeloop is on no package index: ``../shared/vendor/timeloop/`` holds a prebuilt,
self-contained copy (a tarball) and its Python front-end (a wheel, installed by ``.ci/run``
together with the Accelergy wheel it imports). The tarball is extracted once per session
into a temporary folder. Where either is absent the tests skip, saying which; with
``GRCIM_REQUIRE_VENDORED_TOOLS=1`` (set by ``.ci/run`` when the vendor folder exists) that
is a failure. ``GRCIM_VENDOR_DIR`` overrides the vendor folder's location.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REQUIRE = os.environ.get("GRCIM_REQUIRE_VENDORED_TOOLS") == "1"
TARBALL = "timeloop/timeloop-debian12-x86_64.tar.gz"


def missing_tool(reason: str) -> None:
    """Skip (with the reason), or fail when CI requires the vendored tools."""
    if REQUIRE:
        pytest.fail(f"{reason}, but GRCIM_REQUIRE_VENDORED_TOOLS=1 (.ci/run found the "
                    "vendor folder): install it as the vendor README says")
    pytest.skip(reason)


def vendor_dir() -> Path:
    """The vendor folder: ``$GRCIM_VENDOR_DIR``, else ``../shared/vendor`` of the checkout."""
    return Path(os.environ.get("GRCIM_VENDOR_DIR") or REPO.parent / "shared" / "vendor")


@pytest.fixture(scope="session")
def timeloop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extracted prebuilt Timeloop (``bin/``, ``examples/``), front-end importable."""
    if importlib.util.find_spec("pytimeloop") is None:
        missing_tool("Timeloop's Python front-end (pytimeloop.timeloopfe) is not installed "
                     "(not on the package index; pip install ../shared/vendor/timeloop/*.whl)")
    tarball = vendor_dir() / TARBALL
    if not tarball.is_file():
        missing_tool(f"the prebuilt Timeloop is not here ({tarball}; set GRCIM_VENDOR_DIR)")
    where = tmp_path_factory.mktemp("timeloop")
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(where)], check=True, timeout=300)
    return where / "timeloop"


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh HOME: Accelergy (imported by the front-end) writes its config there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
