"""Shared pieces of the sweep tests: a tiny chip and model whose points map in
milliseconds, spec files, and one operating-point cache directory for the session.

The tiny chip is the mapper tests' hand-checkable INT8 chip (tests/mapper/conftest.py):
every node carries explicit energies, so a tiny sweep never runs the plug-in models' Monte
Carlo; its MAC cells have an area of 1 µm² each, so chip area grows with ``n_macros``.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

TINY = dict(
    n_macros=4, rows=8, cols=8, rows_per_adc=4, adcs_per_macro=4, adc_rate_hz=1.0e8,
    n_weight_slices=2, n_input_slices=2, dac_bits=4, cell_bits=4,
    weight_write_energy_per_row_j=8.0e-12, weight_write_latency_per_row_s=1.0e-8,
    sram_size_bytes=1024, sram_bw=1.0e12, dram_size_bytes=2**20, dram_bw=1.0e9,
    dram_pj=10.0, sram_pj=1.0, adc_pj=2.0, dac_pj=0.5, mac_pj=0.1, vector_ops=1.0e9,
    sram_leak_w=1.0e-3, kv="dram", dyn="vector_unit",
)
"""Default parameters of :func:`chip_yaml` (units in the docstring above)."""


def chip_yaml(**over: Any) -> str:
    """Arch YAML of a tiny INT8 chip with explicit costs (see the module docstring)."""
    p = {**TINY, **over}
    return f"""\
arch:
  variables:
    kind: "chip"
    tech_node: 22.0e-9
    clock_hz: 1.0e+9
    n_macros: {p['n_macros']}
    kv_cache_placement: "{p['kv']}"
    dynamic_matmul_unit: "{p['dyn']}"
    sram_size_bytes: {p['sram_size_bytes']}
    sram_read_bandwidth_bytes_per_s: {p['sram_bw']!r}
    sram_write_bandwidth_bytes_per_s: {p['sram_bw']!r}
    sram_read_energy_per_bit_j: {p['sram_pj'] * 1e-12!r}
    sram_write_energy_per_bit_j: {p['sram_pj'] * 1e-12!r}
    sram_area_m2: 1.0e-6
    sram_leak_power_w: {p['sram_leak_w']!r}
    dram_kind: "lpddr5"
    dram_size_bytes: {p['dram_size_bytes']}
    dram_bandwidth_bytes_per_s: {p['dram_bw']!r}
    dram_read_energy_per_bit_j: {p['dram_pj'] * 1e-12!r}
    dram_write_energy_per_bit_j: {p['dram_pj'] * 1e-12!r}
    vector_throughput_ops_per_s: {p['vector_ops']!r}
    vector_add_energy_j: 1.0e-12
    vector_mul_energy_j: 2.0e-12
    vector_exp_energy_j: 4.0e-12
    vector_div_energy_j: 8.0e-12
    vector_area_m2: 1.0e-7
    vector_leak_power_w: 0
    pipeline: "int"
    input_format: "int8"
    weight_format: "int8"
    rows: {p['rows']}
    cols: {p['cols']}
    rows_per_adc: {p['rows_per_adc']}
    adcs_per_macro: {p['adcs_per_macro']}
    adc_rate_hz: {p['adc_rate_hz']!r}
    adc_bits: 6
    sqnr_target_db: 35
    dac_bits: {p['dac_bits']}
    n_input_slices: {p['n_input_slices']}
    cell_bits: {p['cell_bits']}
    n_weight_slices: {p['n_weight_slices']}
    weight_write_energy_per_row_j: {p['weight_write_energy_per_row_j']!r}
    weight_write_latency_per_row_s: {p['weight_write_latency_per_row_s']!r}
  nodes:
  - !Memory
    name: DRAM
    size: dram_size_bytes * 8
    area: 0
    leak_power: 0
    actions:
    - {{name: read, energy: dram_read_energy_per_bit_j, bits_per_action: 1}}
    - {{name: write, energy: dram_write_energy_per_bit_j, bits_per_action: 1}}
  - !Memory
    name: GlobalBuffer
    size: sram_size_bytes * 8
    area: sram_area_m2
    leak_power: sram_leak_power_w
    actions:
    - {{name: read, energy: sram_read_energy_per_bit_j, bits_per_action: 1}}
    - {{name: write, energy: sram_write_energy_per_bit_j, bits_per_action: 1}}
  - !Fork
    nodes:
    - !Compute
      name: VectorUnit
      area: vector_area_m2
      leak_power: vector_leak_power_w
      actions:
      - {{name: compute, energy: vector_mul_energy_j + vector_add_energy_j}}
  - !Container
    name: Macro
    spatial:
    - {{name: macro, fanout: n_macros}}
  - !Container
    name: RowGroup
    spatial:
    - {{name: row_group, fanout: rows // rows_per_adc, reuse: output}}
  - !Toll
    name: ADC
    tensors: {{keep: output}}
    direction: up
    area: 0
    leak_power: 0
    actions:
    - {{name: read, energy: {p['adc_pj'] * 1e-12!r}}}
  - !Toll
    name: DAC
    tensors: {{keep: input}}
    direction: down
    area: 0
    leak_power: 0
    actions:
    - {{name: read, energy: {p['dac_pj'] * 1e-12!r}}}
  - !Container
    name: Column
    spatial:
    - {{name: column, fanout: cols, may_reuse: input, usage_scale: n_weight_slices}}
  - !Container
    name: Row
    spatial:
    - {{name: row, fanout: rows_per_adc, reuse: output}}
  - !Memory
    name: CimCells
    size: n_weight_slices * cell_bits
    area: 0
    leak_power: 0
    actions:
    - {{name: read, energy: 0, bits_per_action: 1}}
    - {{name: write, energy: weight_write_energy_per_row_j / (cols * cell_bits),
        bits_per_action: 1}}
  - !Compute
    name: MAC
    component_class: int_cim_mac
    area: 1.0e-12
    leak_power: 0
    actions:
    - {{name: compute, energy: {p['mac_pj'] * 1e-12!r}}}
"""




TINY_LLAMA = dict(
    d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2, vocab=50,
    ffn="swiglu", norm="rmsnorm", tied_embeddings=False, positional="rope", biases=False,
    max_context=64,
)
"""A Llama-style model small enough for the tiny chip's DRAM."""


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
