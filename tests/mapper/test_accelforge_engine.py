"""The AccelForge engine's bookkeeping, without AccelForge: unit choice, the roll-up of one
mapped layer into a whole-model result (made-up runs with round numbers), the ADC count,
the leakage and causal-mask notes, and the patches only files lacking them get."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grcim.arch import DynamicMatmulUnit, load_arch, load_arch_text
from grcim.cli.outputs import check_json_numbers
from grcim.errors import MappingError
from grcim.mapper.components import bind_components
from grcim.mapper.engines import run_engine
from grcim.mapper.engines.accelforge import AccelForgeRun, _apply_missing, _to_result, _unit
from grcim.mapper.mapping import MapOptions
from grcim.mapper.pricing import price_components
from grcim.mapper.result import LEAKAGE
from grcim.mapper.run import check_result_numbers
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
        wall_s=1.0, einsum_actions={"QK": {("VectorUnit", "compute"): 50.0}})
    r = _to_result(arch, graph, run, scale=2)
    assert r.engine == "accelforge"
    assert r.energy_j == pytest.approx(2 * 1.3e-6)
    assert r.leak_energy_j == pytest.approx(2 * 1.0e-7)
    assert r.latency_s == pytest.approx(2 * 3e-6)
    assert r.dram_read_bytes == 2 * 8000 / 8 and r.dram_write_bytes == 2 * 800 / 8
    assert r.adc_conversions == 600 and r.dac_conversions == 200  # the row-group tolls
    assert r.cim_macs == 2000 and r.macs == 2000 + 100  # QK^T's 50 vector MACs per layer
    assert sum(r.energy_by_layer_type_j.values()) == pytest.approx(r.energy_j)
    assert r.energy_by_layer_type_j[LEAKAGE] == pytest.approx(r.leak_energy_j)
    # the leakage inside each einsum's energy moves to (leakage): shares 5/13 and 8/13
    dynamic = r.energy_j - r.leak_energy_j
    assert r.energy_by_layer_type_j["q_proj"] == pytest.approx(dynamic * 5 / 13)
    assert r.energy_by_layer_type_j["ffn_down"] == pytest.approx(dynamic * 8 / 13)
    assert sum(r.energy_by_component_j.values()) == pytest.approx(r.energy_j)
    # what the CLI does with it: the numbers check passes (bug: a nan array utilization
    # failed every `grcim map --engine accelforge`) and the JSON is strict (null, no NaN)
    check_result_numbers(r)
    text = json.dumps(r.to_dict(), allow_nan=False)
    assert json.loads(text)["array_utilization"] is None
    check_json_numbers("--json", text)  # the --json writer's check accepts that null


def test_bytes_follow_bits_per_action(tiny_llama):
    """A file whose DRAM actions move 64 bits each: AccelForge's action counts are per 64
    bits, so bytes are counts x 64 / 8 (bug: counts / 8, 64x too few bytes)."""
    text = Path(load_arch("edge_grmac").source).read_text(encoding="utf-8")
    for action, var in (("read", "dram_read"), ("write", "dram_write")):
        old = (f"    - name: {action}\n      energy: {var}_energy_per_bit_j\n"
               "      throughput: dram_bandwidth_bytes_per_s * 8\n      bits_per_action: 1\n")
        assert text.count(old) == 1
        text = text.replace(old, f"    - name: {action}\n"
                            f"      energy: {var}_energy_per_bit_j * 64\n"
                            "      throughput: dram_bandwidth_bytes_per_s * 8 / 64\n"
                            "      bits_per_action: 64\n")
    arch = load_arch_text(text, "edge_grmac_64.yaml")
    graph = build_graph(tiny_llama, "decode", context=8)
    run = _run({("DRAM", "read"): 1e-6}, {("DRAM", "read"): 553.0, ("DRAM", "write"): 9.0,
                                          ("GlobalBuffer", "read"): 80.0,
                                          ("CimCells", "write"): 1024.0})
    r = _to_result(arch, graph, run, scale=1)
    assert (r.dram_read_bytes, r.dram_write_bytes) == (553 * 8, 9 * 8)
    assert r.sram_read_bytes == 10  # bits_per_action 1 there
    assert r.cell_bits_written == 1024


def _run(energy, actions, einsum_actions=None, einsum_energy=None, latency=1e-3):
    return AccelForgeRun(energy_j=energy, actions=actions, energy_by_einsum={"Q": 1e-6},
                         latency_by_einsum={"Q": latency}, wall_s=1.0,
                         einsum_actions=einsum_actions or {},
                         einsum_energy_j=einsum_energy or {})


def test_adc_and_gain_stage_counts_kept_apart(tiny_llama):
    # edge_grmac has two row-group output tolls: the ADC and the gain-ranging stage; the
    # ADC conversions are the ADC's actions only (the old engine added both: 2x)
    arch = load_arch("edge_grmac")
    graph = build_graph(tiny_llama, "decode", context=8)
    run = _run({("ADC", "read"): 1e-9},
               {("ADC", "read"): 300.0, ("GainRangingStage", "read"): 300.0,
                ("DAC", "read"): 50.0})
    r = _to_result(arch, graph, run, scale=2)
    assert r.adc_conversions == 600 and r.dac_conversions == 100
    assert r.actions["GainRangingStage.read"] == 600
    assert any("GainRangingStage counts 600 actions apart" in n for n in r.notes)


def test_leakage_reconciled_per_component(tiny_llama):
    # AccelForge's leakage energy over its latency equals grcim's leakage power for every
    # component: one note says so; a component leaking twice grcim's power is named
    arch = load_arch("edge_grmac")
    comps = bind_components(arch)
    power = price_components(arch, comps, ()).leak_power_w
    graph = build_graph(tiny_llama, "decode", context=8)
    latency = 2e-3
    same = {(c, "leak"): w * latency for c, w in power.items()}
    r = _to_result(arch, graph, _run(same, {}, latency=latency), scale=1)
    assert any("equals grcim's pricing" in n for n in r.notes)
    off = dict(same)
    off["MAC", "leak"] = 2 * same["MAC", "leak"]
    r = _to_result(arch, graph, _run(off, {}, latency=latency), scale=1)
    line = next(n for n in r.notes if n.startswith("leakage of MAC"))
    assert "(2x)" in line and "grcim" in line
    assert not any(n.startswith("leakage of ADC") for n in r.notes)


def test_causal_mask_difference_is_a_note(tiny_arch, tiny_llama):
    # prefill of 8 tokens: the graph's causal QK^T and PV count 4 heads x 4 dims x 36
    # (query, key) pairs each; AccelForge's dense count is 4 x 4 x 64 each: 64/36 x
    graph = build_graph(tiny_llama, "prefill", tokens=8)
    ours = sum(graph.nodes[n]["op"].macs for n in graph
               if graph.nodes[n]["op"].role in ("attn_qk", "attn_pv")
               and graph.nodes[n]["op"].layer == 0)
    assert ours == 2 * 4 * 4 * 36
    dense = 4 * 4 * 64
    run = _run({}, {}, einsum_actions={"QK": {("VectorUnit", "compute"): dense},
                                       "AV": {("VectorUnit", "compute"): dense}})
    r = _to_result(tiny_arch(), graph, run, scale=2)
    line = next(n for n in r.notes if n.startswith("causal mask"))
    assert f"{2 * dense:.4g}" in line and f"{ours:.4g}" in line and "1.78x" in line
    # decode has no mask: no note
    dec = build_graph(tiny_llama, "decode", context=8)
    exact = {e: {("VectorUnit", "compute"): 4 * 4 * 8} for e in ("QK", "AV")}
    r = _to_result(tiny_arch(), dec, _run({}, {}, einsum_actions=exact), scale=2)
    assert not any(n.startswith("causal mask") for n in r.notes)


def test_only_attention_computes_on_the_vector_unit_are_macs(tiny_arch, tiny_llama):
    # tiny-llama decode at context 8, one layer's AccelForge counts (x 2 layers). CIM MACs
    # per layer: q 16x16 + k 16x8 + v 16x8 + o 16x16 + up, gate, down 3 x 16x24 = 1920.
    # On the vector unit: QK^T and AV, 4 heads x 4 dims x 8 positions = 128 MACs each; the
    # softmax copy, 4 heads x 8 scores = 32 computes; the gate multiply, 24. Only QK^T and
    # AV are MACs: 2 x (1920 + 256) = 4352 (the old sum of every vector compute: 4464).
    graph = build_graph(tiny_llama, "decode", context=8)
    vec = ("VectorUnit", "compute")
    per = {"Q": 256, "K": 128, "V": 128, "Z": 256, "FU": 384, "FG": 384, "FD": 384}
    einsums: dict[str, dict[tuple[str, str], float]] = {
        e: {("MAC", "compute"): float(n)} for e, n in per.items()}
    einsums |= {"QK": {vec: 128.0}, "AV": {vec: 128.0}, "QK_softmax": {vec: 32.0},
                "FM": {vec: 24.0}}
    totals = {("MAC", "compute"): 1920.0, vec: 128.0 + 128.0 + 32.0 + 24.0}
    r = _to_result(tiny_arch(), graph, _run({}, totals, einsum_actions=einsums), scale=2)
    assert r.cim_macs == 2 * 1920
    assert r.macs == 2 * (1920 + 256) == 4352
    # a vector MAC is 2 operations, a softmax or gate-multiply compute one
    assert r.vector_ops == 2 * (2 * 256 + 32 + 24)


class _Node:
    def __init__(self):
        self.tensors = type("T", (), {"keep": None})()
        self.values_per_action = None
        self.bits_per_value = None


class _Spec:
    """Just enough of AccelForge's Spec for the engine's patches (``arch.find``)."""

    def __init__(self):
        self.nodes: dict[str, _Node] = {}
        self.arch = self

    def find(self, name):
        return self.nodes.setdefault(name, _Node())


def test_bundled_files_need_no_engine_patch(tiny_arch):
    for name in ("edge_grmac", "edge_conventional", "edge_int8", "large_grmac"):
        arch = load_arch(name)
        spec = _Spec()
        assert _apply_missing(spec, arch, bind_components(arch)) == (), name
        assert not spec.nodes
    # the tiny test chip lacks them all: DRAM keep, the tolls' values per action (2 cells x
    # 2 slices per conversion, 2 slices per drive), the cells' stored width (2 x 4 bits)
    arch = tiny_arch()
    spec = _Spec()
    patches = _apply_missing(spec, arch, bind_components(arch))
    assert len(patches) == 4
    assert spec.nodes["DRAM"].tensors.keep == "All"
    assert spec.nodes["ADC"].values_per_action == {"output": 1 / 4}
    assert spec.nodes["DAC"].values_per_action == {"input": 1 / 2}
    assert spec.nodes["CimCells"].bits_per_value == {"weight": 8}


@pytest.mark.parametrize("options,expected", [
    (MapOptions(objective="latency"), "objective = 'latency': energy with the accelforge"),
    (MapOptions(replicate=False), "replicate = False: the accelforge engine takes no"),
])
def test_engine_refuses_options_it_would_drop(tiny_arch, tiny_llama, options, expected):
    """run_engine passed neither option to AccelForge (bug): refused before it runs."""
    graph = build_graph(tiny_llama, "decode", context=8)
    with pytest.raises(MappingError, match=expected):
        run_engine("accelforge", tiny_arch(), graph, options)
