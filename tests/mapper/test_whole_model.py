"""Whole-model properties on a tiny Llama and the tiny chip: conservation, phases, placement."""

from __future__ import annotations

import pytest

from grcim.mapper import MapOptions, map_graph
from grcim.mapper.result import LEAKAGE
from grcim.workloads import build_graph, graph_totals


@pytest.mark.parametrize("phase", ["prefill", "decode"])
def test_breakdowns_conserve_energy(tiny_arch, tiny_llama, phase):
    g = build_graph(tiny_llama, phase, batch=2, tokens=8 if phase == "prefill" else None,
                    context=16)
    r = map_graph(tiny_arch(), g)
    for name, parts in (("component", r.energy_by_component_j), ("action", r.energy_by_action_j),
                        ("layer type", r.energy_by_layer_type_j)):
        assert sum(parts.values()) == pytest.approx(r.energy_j, rel=1e-12), name
    assert sum(o.energy_j for o in r.ops) == pytest.approx(r.dynamic_energy_j, rel=1e-12)
    assert r.energy_by_layer_type_j[LEAKAGE] == pytest.approx(r.leak_energy_j)
    # every action's energy is its count times its price
    for key, n in r.actions.items():
        assert r.energy_by_action_j.get(key, 0.0) == pytest.approx(
            n * r.action_energy_j[key], rel=1e-12, abs=1e-30)


def test_mac_totals_match_the_workload(tiny_arch, tiny_llama):
    g = build_graph(tiny_llama, "prefill", tokens=8)
    r = map_graph(tiny_arch(), g)
    totals = graph_totals(g)
    assert r.macs == totals["total_macs"]
    assert r.cim_macs == totals["weight_macs"]  # attention runs on the vector unit
    # QK^T and PV on the vector unit: one multiply and one add per MAC, plus the vector ops
    assert r.vector_ops == totals["vector_ops"] + 2 * totals["attention_macs"]


def test_prefill_and_decode_sanity(tiny_arch, tiny_llama):
    chip = tiny_arch(n_macros=2)  # weights stream: every step reloads them
    pre = map_graph(chip, build_graph(tiny_llama, "prefill", tokens=32))
    dec = map_graph(chip, build_graph(tiny_llama, "decode", context=32))
    assert pre.time_to_first_token_s == pre.latency_s and pre.per_token_latency_s is None
    assert dec.per_token_latency_s == dec.latency_s and dec.time_to_first_token_s is None
    assert pre.tokens_per_step == 32 and dec.tokens_per_step == 1
    # a prompt step costs more than one decode step, but less per token: the weights are
    # read once for 32 tokens instead of once per token
    assert pre.energy_j > dec.energy_j and pre.latency_s > dec.latency_s
    assert pre.energy_per_token_j < dec.energy_per_token_j
    assert dec.energy_per_token_j == pytest.approx(dec.energy_j)
    assert dec.tokens_per_s == pytest.approx(1 / dec.latency_s)
    weights = sum(o.dram_bytes for o in dec.ops if o.unit == "cim")
    assert weights >= dec.dram_read_bytes * 0.5  # decode traffic is mostly weights


def test_kv_cache_placement_moves_traffic(tiny_arch, tiny_llama):
    g = build_graph(tiny_llama, "decode", context=8)
    in_dram = map_graph(tiny_arch(kv="dram", sram_size_bytes=4096), g)
    in_sram = map_graph(tiny_arch(kv="sram", sram_size_bytes=4096), g)
    kv = graph_totals(g)
    moved = kv["kv_read_bytes"] + kv["kv_write_bytes"]
    assert in_dram.dram_bytes - in_sram.dram_bytes == pytest.approx(moved)
    sram_in = in_sram.sram_read_bytes + in_sram.sram_write_bytes
    sram_out = in_dram.sram_read_bytes + in_dram.sram_write_bytes
    assert sram_in - sram_out == pytest.approx(moved)


def test_attention_in_cim_writes_its_operands(tiny_arch, tiny_llama):
    g = build_graph(tiny_llama, "decode", batch=1, context=8)
    once = MapOptions(replicate=False)  # one copy of each operand
    vec = map_graph(tiny_arch(dyn="vector_unit", n_macros=64), g, once)
    cim = map_graph(tiny_arch(dyn="cim", n_macros=64), g, once)
    qk = [o for o in cim.ops if o.role in ("attn_qk", "attn_pv")]
    assert all(o.unit == "cim" for o in qk)
    assert cim.cim_macs - vec.cim_macs == sum(o.macs for o in qk)
    # per layer, K^T and V of each of the 2 KV heads (4 x 8 elements, 8-bit weights in
    # 2 cells of 4 bits) are written into the cells every step: 2 layers x 2 ops x 2 heads
    # x 32 elements x 8 bits
    assert cim.cell_bits_written - vec.cell_bits_written == 2 * 2 * 2 * 32 * 8


def test_resident_weights_skip_reloads(tiny_arch, tiny_llama):
    g = build_graph(tiny_llama, "decode", context=8)
    big = map_graph(tiny_arch(n_macros=256), g)
    small = map_graph(tiny_arch(n_macros=2), g)
    assert big.weights_resident and not small.weights_resident
    assert big.cell_bits_written == 0 and small.cell_bits_written > 0
    assert big.energy_per_token_j < small.energy_per_token_j


def test_no_replication_option_is_honoured(tiny_arch, tiny_llama):
    g = build_graph(tiny_llama, "prefill", tokens=16)
    # 146 weight tiles on 1024 macros: 7 copies of the model fit
    r = map_graph(tiny_arch(n_macros=1024), g, MapOptions(replicate=False))
    s = map_graph(tiny_arch(n_macros=1024), g, MapOptions(replicate=True))
    assert r.weights_resident and s.weights_resident
    # 16 rows over 7 copies: ceil(16 / 7) = 3 MVMs instead of 16 per op; the LM head
    # projects one row either way, so the ratio is just below 16 / 3
    ratio = r.resource_time_s["adc"] / s.resource_time_s["adc"]
    assert 5.0 < ratio < 16 / 3
