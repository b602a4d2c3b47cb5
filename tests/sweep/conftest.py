"""Shared pieces of the sweep tests: a tiny chip and model whose points map in
milliseconds, spec files, and one operating-point cache directory for the session.

The tiny chip is the mapper tests' hand-checkable INT8 chip (tests/mapper/conftest.py):
every node carries explicit energies, so a tiny sweep never runs the plug-in models' Monte
Carlo; its MAC cells have an area of 1 µm² each, so chip area grows with ``n_macros``.
"""

from __future__ import annotations

import importlib.util
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml


def _mapper_conftest() -> Any:
    # the mapper tests' conftest, loaded by path (test folders are not packages), as
    # tests/cli/test_map_cli.py does
    spec = importlib.util.spec_from_file_location(
        "mapper_conftest", Path(__file__).parent.parent / "mapper" / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_MAPPER = _mapper_conftest()


def chip_yaml(**over: Any) -> str:
    """Arch YAML of the mapper tests' tiny chip without vector registers and with MAC cells
    of 1 µm² each (see the module docstring)."""
    result: str = _MAPPER.chip_yaml(**{"regs_bits": 0, "mac_area_m2": 1.0e-12, **over})
    return result


TINY_LLAMA = {k: v for k, v in _MAPPER.TINY_LLAMA.items() if k != "name"}
"""The mapper tests' tiny Llama (its fields in a models file)."""


@pytest.fixture(scope="session")
def op_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One operating-point cache for every sweep test (ensembles computed once)."""
    return tmp_path_factory.mktemp("opcache")


@pytest.fixture
def tiny_files(tmp_path: Path) -> Path:
    """A folder with ``tiny.yaml`` (the chip) and ``models.yaml`` (tiny-llama)."""
    (tmp_path / "tiny.yaml").write_text(chip_yaml(), encoding="utf-8")
    (tmp_path / "models.yaml").write_text(yaml.safe_dump(
        {"default": "tiny-llama", "models": {"tiny-llama": TINY_LLAMA}}), encoding="utf-8")
    return tmp_path


@pytest.fixture
def write_spec(tiny_files: Path) -> Callable[..., Path]:
    """Factory: ``write_spec(body, name="spec.yaml")`` -> path of a spec in tiny_files."""
    def make(body: str, name: str = "spec.yaml") -> Path:
        path = tiny_files / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path
    return make


def tiny_spec(variables: str = "n_macros: [2, 4]", phases: str = "[prefill, decode]",
              extra: str = "") -> str:
    """Spec text of a tiny map sweep (paths relative to the spec's folder); prefill of 8
    tokens, decode at context 16."""
    tokens = "    tokens: [8]\n" if "prefill" in phases else ""
    context = "    context: [16]\n" if "decode" in phases else ""
    return f"""\
sweep:
  archs: [tiny.yaml]
  variables: {{{variables}}}
  workloads:
    models: [tiny-llama]
    models_file: models.yaml
    phases: {phases}
{tokens}{context}{extra}"""


def cli_env(op_cache: Path) -> dict[str, str]:
    """Environment of a ``grcim`` subprocess (warnings stay warnings there)."""
    env = dict(os.environ)
    env["GRCIM_OP_CACHE_DIR"] = str(op_cache)
    return env


@pytest.fixture
def chip_text() -> Callable[..., str]:
    """Factory :func:`chip_yaml` (tests with module-level helpers cannot import conftest)."""
    return chip_yaml


@pytest.fixture
def spec_text() -> Callable[..., str]:
    """Factory :func:`tiny_spec`."""
    return tiny_spec


@pytest.fixture
def grcim_env(op_cache: Path) -> dict[str, str]:
    """Environment for ``grcim`` subprocesses (:func:`cli_env`)."""
    return cli_env(op_cache)
