"""The AccelForge engine's bookkeeping, without AccelForge: unit choice and the roll-up of
one mapped layer into a whole-model result (a made-up run with round numbers)."""

from __future__ import annotations

import pytest

from grcim.arch import DynamicMatmulUnit
from grcim.mapper.engines.accelforge import AccelForgeRun, _to_result, _unit
from grcim.mapper.result import LEAKAGE
from grcim.workloads import build_graph


@pytest.mark.parametrize("einsum,tensors,dyn,unit", [
    ("Q", ["I", "WQ", "Q"], DynamicMatmulUnit.VECTOR_UNIT, "cim"),
    ("L3_FD", ["L3_FM", "L3_WD", "L3_FD"], DynamicMatmulUnit.VECTOR_UNIT, "cim"),
    ("Matmul", ["input", "weight", "output"], DynamicMatmulUnit.VECTOR_UNIT, "cim"),
    ("QK", ["Q", "K", "QK"], DynamicMatmulUnit.VECTOR_UNIT, "vector"),
    ("AV", ["QK_softmax", "V", "AV"], DynamicMatmulUnit.CIM, "cim"),
    ("QK_softmax", ["QK", "QK_softmax"], DynamicMatmulUnit.CIM, "vector"),
    ("FM", ["FG", "FU", "FM"], DynamicMatmulUnit.CIM, "vector"),
])
def test_where_each_einsum_runs(einsum, tensors, dyn, unit):
    assert _unit(einsum, tensors, dyn) == unit


def test_one_layer_scales_to_the_model(tiny_arch, tiny_llama):
    arch = tiny_arch()
    graph = build_graph(tiny_llama, "decode", context=8)  # 2 layers
    run = AccelForgeRun(
        energy_j={("DRAM", "read"): 1.0e-6, ("MAC", "compute"): 2.0e-7,
                  ("GlobalBuffer", "leak"): 1.0e-7},
        actions={("DRAM", "read"): 8000.0, ("DRAM", "write"): 800.0,
                 ("MAC", "compute"): 1000.0, ("ADC", "read"): 300.0, ("DAC", "read"): 100.0,
                 ("VectorUnit", "compute"): 50.0},
        energy_by_einsum={"Q": 0.5e-6, "FD": 0.8e-6}, latency_by_einsum={"Q": 1e-6, "FD": 2e-6},
        wall_s=1.0)
    r = _to_result(arch, graph, run, scale=2)
    assert r.engine == "accelforge"
    assert r.energy_j == pytest.approx(2 * 1.3e-6)
    assert r.leak_energy_j == pytest.approx(2 * 1.0e-7)
    assert r.latency_s == pytest.approx(2 * 3e-6)
    assert r.dram_read_bytes == 2 * 8000 / 8 and r.dram_write_bytes == 2 * 800 / 8
    assert r.adc_conversions == 600 and r.dac_conversions == 200  # the row-group tolls
    assert r.cim_macs == 2000 and r.macs == 2000 + 100
    assert sum(r.energy_by_layer_type.values()) == pytest.approx(r.energy_j)
    assert r.energy_by_layer_type[LEAKAGE] == pytest.approx(r.leak_energy_j)
    # the leakage inside each einsum's energy moves to (leakage): shares 5/13 and 8/13
    dynamic = r.energy_j - r.leak_energy_j
    assert r.energy_by_layer_type["q_proj"] == pytest.approx(dynamic * 5 / 13)
    assert r.energy_by_layer_type["ffn_down"] == pytest.approx(dynamic * 8 / 13)
    assert sum(r.energy_by_component.values()) == pytest.approx(r.energy_j)
