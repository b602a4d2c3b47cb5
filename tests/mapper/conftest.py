"""Tiny chips and workloads whose mapping can be worked out by hand.

Every node of a tiny chip carries explicit action energies, area and leakage, so a test's
expected energy is ``sum(count x energy)`` written in the test, independent of the
plug-in models. Defaults (chosen so the hand arithmetic stays small):

- macro: 8 rows x 8 cols, 4 rows per ADC (2 row groups), 4 ADCs (2 per row group) at
  100 MS/s, 2 cells of 4 bits per 8-bit weight (4 weights per row), 2 input slices,
  weight write 8 pJ and 10 ns per row; clock 1 GHz; INT8 formats (``int`` pipeline);
- chip: 4 macros, 1 kB SRAM (1 TB/s read and write), 1 MB DRAM at 1 GB/s, a vector unit
  of 1 Gop/s;
- energies: DRAM 10 pJ/bit, SRAM 1 pJ/bit (read and write), cell write 8 pJ per row of
  8 cells x 4 bits = 0.25 pJ/bit, ADC 2 pJ per conversion, DAC 0.5 pJ per row drive,
  MAC 0.1 pJ, vector add/mul/exp/div 1/2/4/8 pJ; leakage only in the SRAM (1 mW);
- a vector register file of 8192 bits (``regs_bits``; 0 = none) whose accesses cost
  ``reg_pj`` (0) per bit;
- areas 0 but the MAC's, ``mac_area_m2`` per cell (0).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from grcim.arch import Arch, load_arch_text
from grcim.workloads import ModelConfig, Op, OpKind

TINY = dict(
    n_macros=4, rows=8, cols=8, rows_per_adc=4, adcs_per_macro=4, adc_rate_hz=1.0e8,
    n_weight_slices=2, n_input_slices=2, dac_bits=4, cell_bits=4,
    weight_write_energy_per_row_j=8.0e-12, weight_write_latency_per_row_s=1.0e-8,
    sram_size_bytes=1024, sram_bw=1.0e12, dram_size_bytes=2**20, dram_bw=1.0e9,
    dram_pj=10.0, sram_pj=1.0, adc_pj=2.0, dac_pj=0.5, mac_pj=0.1, vector_ops=1.0e9,
    sram_leak_w=1.0e-3, kv="dram", dyn="vector_unit", regs_bits=8192, reg_pj=0.0,
    mac_area_m2=0.0,
)
"""Default parameters of :func:`chip_yaml` (units in the docstring above)."""


def chip_yaml(**over: Any) -> str:
    """Arch YAML of a tiny INT8 chip with explicit costs (see the module docstring)."""
    p = {**TINY, **over}
    regs = "" if not p["regs_bits"] else f"""
    - !Memory
      name: VectorRegisters
      size: {p['regs_bits']}
      area: 0
      leak_power: 0
      actions:
      - {{name: read, energy: {p['reg_pj'] * 1e-12!r}, bits_per_action: 1}}
      - {{name: write, energy: {p['reg_pj'] * 1e-12!r}, bits_per_action: 1}}"""
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
    nodes:{regs}
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
    area: {p['mac_area_m2']:g}
    leak_power: 0
    actions:
    - {{name: compute, energy: {p['mac_pj'] * 1e-12!r}}}
"""


@pytest.fixture
def tiny_arch() -> Callable[..., Arch]:
    """Factory: ``tiny_arch(**overrides)`` -> a loaded tiny chip."""
    def make(**over: Any) -> Arch:
        return load_arch_text(chip_yaml(**over), "<tiny chip>", "tiny")
    return make


@pytest.fixture
def tiny_arch_file(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``tiny_arch_file(name, **overrides)`` -> path of a tiny chip file."""
    def make(name: str = "tiny", **over: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(chip_yaml(**over), encoding="utf-8")
        return path
    return make


def matmul_graph(*ops: tuple[str, int, int, int], chain: bool = True) -> nx.DiGraph:
    """A graph of weight matmuls ``(name, m, k, n)`` (chained when ``chain``), 8-bit."""
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=ops[0][1],
                   context=ops[0][1], weight_bits=8, act_bits=8, kv_bits=8)
    prev = None
    for name, m, k, n in ops:
        g.add_node(name, op=Op(name, OpKind.WEIGHT_MATMUL, name, None, m=m, k=k, n=n,
                               batch_count=1, macs=m * k * n, weight_elements=k * n,
                               input_elements=m * k, output_elements=m * n))
        if chain and prev is not None:
            g.add_edge(prev, name)
        prev = name
    return g


@pytest.fixture
def graph_of() -> Callable[..., nx.DiGraph]:
    """Factory :func:`matmul_graph`."""
    return matmul_graph


TINY_LLAMA = dict(
    name="tiny-llama", d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2,
    vocab=50, ffn="swiglu", norm="rmsnorm", tied_embeddings=False, positional="rope",
    biases=False, max_context=64,
)
"""A Llama-style model small enough for the tiny chip's DRAM."""


@pytest.fixture
def tiny_llama() -> ModelConfig:
    return ModelConfig(**TINY_LLAMA)


@pytest.fixture
def tiny_models_file(tmp_path: Path) -> Path:
    """A models YAML holding only :data:`TINY_LLAMA` (the default)."""
    import yaml

    fields = {k: v for k, v in TINY_LLAMA.items() if k != "name"}
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"default": "tiny-llama", "models": {"tiny-llama": fields}}),
                    encoding="utf-8")
    return path


TINY_MODEL = """\
default: tiny
models:
  tiny: {d_model: 256, n_heads: 4, n_kv_heads: 2, head_dim: 64, d_ff: 512, n_layers: 2,
         vocab: 1000, ffn: swiglu, norm: rmsnorm, tied_embeddings: false, positional: rope,
         biases: false, max_context: 4096}
"""


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A models file of a 2-layer GQA SwiGLU model ("tiny"): 176 weight tiles on
    large_grmac, small enough to scan many chip sizes."""
    path = tmp_path_factory.mktemp("models") / "tiny.yaml"
    path.write_text(TINY_MODEL, encoding="utf-8")
    return str(path)
