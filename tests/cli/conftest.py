"""Fixtures the CLI tests share."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

MAPPER_CONFTEST = Path(__file__).parent.parent / "mapper" / "conftest.py"


@pytest.fixture
def tiny_files(tmp_path: Path) -> dict[str, str]:
    """A tiny chip file (also one with a 1 kB DRAM, ``small``, and one with dearer DRAM,
    ``other``) and a one-model models file: the mapper tests' fixtures, as files."""
    spec = importlib.util.spec_from_file_location("mapper_conftest", MAPPER_CONFTEST)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    chip = tmp_path / "tiny.yaml"
    chip.write_text(mod.chip_yaml(), encoding="utf-8")
    small = tmp_path / "small_dram.yaml"
    small.write_text(mod.chip_yaml(dram_size_bytes=1024), encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(mod.chip_yaml(dram_pj=20.0), encoding="utf-8")
    fields = {k: v for k, v in mod.TINY_LLAMA.items() if k != "name"}
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"default": "tiny-llama",
                                      "models": {"tiny-llama": fields}}), encoding="utf-8")
    return {"chip": str(chip), "small": str(small), "other": str(other),
            "models": str(models)}
