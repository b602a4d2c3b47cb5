"""Fixtures for the classic Accelergy 0.4 tests: the real ``accelergy`` command, run cleanly.

Accelergy is not on the package index: the tests that run it need the vendored wheel
(``../shared/vendor/accelergy/``) installed in this environment, as ``.ci/run`` does. Where
it is absent they skip, saying so; with ``GRCIM_REQUIRE_VENDORED_TOOLS=1`` (set by
``.ci/run`` when the vendor folder exists) the skip becomes a failure, so CI cannot pass
without running them. Each run gets a fresh ``HOME`` (Accelergy writes
``~/.config/accelergy/accelergy_config.yaml`` with absolute paths on its first run; a stale
one silently finds nothing) and full precision (``-p 15``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REQUIRE = os.environ.get("GRCIM_REQUIRE_VENDORED_TOOLS") == "1"


def missing_tool(reason: str) -> None:
    """Skip (with the reason), or fail when CI requires the vendored tools."""
    if REQUIRE:
        pytest.fail(f"{reason}, but GRCIM_REQUIRE_VENDORED_TOOLS=1 (.ci/run found the "
                    "vendor folder): install it as the vendor README says")
    pytest.skip(reason)


@dataclass
class AccelergyRun:
    """One finished ``accelergy`` run: exit status, log and the output folder."""

    returncode: int
    log: str
    out: Path

    def table(self, name: str) -> dict:
        """``ERT.yaml`` / ``ART.yaml`` ... of the run, parsed."""
        return yaml.safe_load((self.out / name).read_text())


@pytest.fixture(scope="session")
def accelergy_exe() -> Path:
    """The ``accelergy`` command of this environment (where grcim is installed)."""
    exe = Path(sys.executable).parent / "accelergy"
    if not exe.is_file():
        missing_tool("classic Accelergy 0.4 is not installed in this environment (not on "
                     "the package index; pip install ../shared/vendor/accelergy/*.whl)")
    return exe


class Accelergy:
    """The ``accelergy`` command: ``run(files, *flags, cwd, home)`` and ``yaml(doc)``."""

    def __init__(self, exe: Path) -> None:
        self.exe = exe

    def run(self, files: list[Path], *flags: str, cwd: Path, home: Path | None = None
            ) -> AccelergyRun:
        """Run in ``cwd`` with a fresh ``HOME`` (``cwd/home`` unless given), ``-p 15``."""
        home = home or cwd / "home"
        home.mkdir(exist_ok=True)
        out = cwd / "out"
        env = {**os.environ, "HOME": str(home),
               "PATH": f"{self.exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        proc = subprocess.run([str(self.exe), *map(str, files), "-o", str(out), "-p", "15",
                               *flags], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=600)
        return AccelergyRun(proc.returncode, proc.stdout + proc.stderr, out)

    @staticmethod
    def yaml(doc: dict) -> str:
        """``doc`` as YAML that Accelergy reads as written (every text value quoted)."""
        return yaml.dump(doc, Dumper=QuotedDumper, sort_keys=False)


@pytest.fixture(scope="session")
def accelergy(accelergy_exe: Path) -> Accelergy:
    """The real Accelergy 0.4 of this environment (skips or fails when absent)."""
    return Accelergy(accelergy_exe)


class QuotedDumper(yaml.SafeDumper):
    """Writes every string value in double quotes (Accelergy evaluates unquoted text)."""


def _quoted_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"')


def _plain_keys(dumper: yaml.SafeDumper, mapping: dict) -> yaml.Node:
    pairs = [(yaml.ScalarNode("tag:yaml.org,2002:str", str(k)), dumper.represent_data(v))
             for k, v in mapping.items()]
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs)


QuotedDumper.add_representer(str, _quoted_str)
QuotedDumper.add_representer(dict, _plain_keys)
