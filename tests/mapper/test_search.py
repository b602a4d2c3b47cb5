"""The mapping search, worked out by hand on the tiny chip (tests/mapper/conftest.py).

Tiny chip: macros of R = 8 rows x 8 cols, 2 cells per weight (c_w = 4 weights per row), 2
input slices, 2 row groups with 2 ADCs each at 100 MS/s (a full tile's MVM: 4 weights x 2
cells x 2 slices / 2 ADCs = 8 conversions = 80 ns); DRAM 10 pJ/bit at 1 GB/s, SRAM 1 pJ/bit
(read and write) at 1 TB/s, 1 kB; cell writes 0.25 pJ/bit; leakage 1 mW (SRAM only).
"""

from __future__ import annotations

import dataclasses

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grcim.errors import MappingError
from grcim.mapper import MapOptions, map_graph
from grcim.workloads import Op, OpKind

ONCE = MapOptions(replicate=False)
PJ = 1e-12


def test_k_outer_stages_one_slice_beside_all_partial_sums(tiny_arch, graph_of):
    # 32 x 64 input (2048 B, from DRAM) times 64 x 12 weights (768 B), output 384 B to
    # DRAM, on 2 macros: t_k = 8, t_n = 3. Waves of 2 row tiles x 1 column tile give
    # g = 4 reduction rounds and q = 3 passes over the input.
    # - K-outer stages one reduction group's slice (16 B per row) and holds every partial
    #   sum (12 B per row): 28 B x 32 rows = 896 B fit in the 1 kB SRAM, one chunk:
    #   DRAM 768 + 2048 read, 384 written; SRAM writes 2048 (staging) + 3 x 384 (partial
    #   sums), reads 3 x 2048 + 3 x 384 -> 256.0 nJ + 84.0 nJ = 340.0 nJ;
    # - weights-outer stages whole input rows (64 + 4 B per row = 2176 B): 3 chunks, the
    #   weights read 3 times: DRAM +1536 B = +122.9 nJ;
    # - without staging the input is read 3 times from DRAM: +4096 B = +327.7 nJ;
    # - waves of 1 row tile x 2 column tiles: 8 rounds, 2 passes: SRAM 2048 + 2 x 2048 +
    #   2 x 7 x 384 = 11520 B = 92.2 nJ, 8.2 nJ more.
    r = map_graph(tiny_arch(n_macros=2), graph_of(("mm", 32, 64, 12)), ONCE)
    op = r.ops[0]
    assert op.loop_order == "K-outer"
    assert op.mapping.startswith("K-outer, 2x1 tiles per wave, input from DRAM, staged in "
                                 "SRAM, partial sums (4 rounds) in SRAM, output to DRAM")
    assert r.dram_read_bytes == 768 + 2048 and r.dram_write_bytes == 384
    assert r.sram_write_bytes == 2048 + 3 * 384
    assert r.sram_read_bytes == 3 * 2048 + 3 * 384
    assert r.actions["CimCells.write"] == 768 * 8  # weights written once


def test_partial_sums_go_to_dram_when_the_sram_is_too_small(tiny_arch, graph_of):
    # The same op with a 1 B SRAM: no input slice or partial sum fits, so every candidate
    # streams the input from DRAM and keeps its partial sums there.
    # - waves of 2 row tiles: input 3 times, 3 partial sums written and read back:
    #   DRAM reads 768 + 3 x 2048 + 3 x 384 = 8064 B, writes 384 + 3 x 384 = 1536 B
    #   (9600 B, 768 nJ);
    # - waves of 1 row tile: input twice, 7 partial sums: 768 + 4096 + 2688 read, 384 +
    #   2688 written (10624 B, 850 nJ).
    r = map_graph(tiny_arch(n_macros=2, sram_size_bytes=1), graph_of(("mm", 32, 64, 12)),
                  ONCE)
    assert r.dram_read_bytes == 768 + 3 * 2048 + 3 * 384
    assert r.dram_write_bytes == 384 + 3 * 384
    assert r.sram_read_bytes == 0 and r.sram_write_bytes == 0
    assert "partial sums (4 rounds) in DRAM" in r.ops[0].mapping
    assert r.macs == 32 * 64 * 12  # counts that do not depend on the order are intact
    assert r.adc_conversions == 32 * 12 * 16 * 2 * 2


def _two_ops() -> nx.DiGraph:
    # a: 16 rows through one 8 x 4 tile; b: 64 x 16 weights = 32 tiles, so the weights
    # cannot all be resident on 4 macros and a streams too (with 3 idle macros)
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=16, context=16,
                   weight_bits=8, act_bits=8, kv_bits=8)
    for name, m, k, n in (("a", 16, 8, 4), ("b", 1, 64, 16)):
        g.add_node(name, op=Op(name, OpKind.WEIGHT_MATMUL, name, None, m=m, k=k, n=n,
                               batch_count=1, macs=m * k * n, weight_elements=k * n,
                               input_elements=m * k, output_elements=m * n))
    return g


def test_objective_decides_replication(tiny_arch):
    # Op a alone on 4 macros, cell writes made costly (800 pJ per row of 32 bits = 25
    # pJ/bit): 16 MVMs of 80 ns on one macro, or 4 copies and 4 MVMs each. The 3 extra
    # copies cost 3 x 256 bits x 25 pJ = 19.2 nJ and save 12 x 80 ns of leakage at 1 mW =
    # 0.96 nJ: the energy objective keeps one copy, the latency objective makes 4. EDP: the
    # op's ~26.8 nJ over 1.28 us (34 nJ us) against ~45 nJ over 0.32 us (14 nJ us): copies.
    g = _two_ops()
    chip = tiny_arch(weight_write_energy_per_row_j=800e-12)
    by = {o: map_graph(chip, g, MapOptions(objective=o)) for o in ("energy", "latency", "edp")}
    a = {o: next(op for op in r.ops if op.name == "a") for o, r in by.items()}
    assert a["energy"].latency_s == pytest.approx(16 * 80e-9)
    assert a["latency"].latency_s == pytest.approx(4 * 80e-9)
    assert a["edp"].latency_s == pytest.approx(4 * 80e-9)
    assert "copies" not in a["energy"].mapping and "x4 copies" in a["latency"].mapping
    extra = 3 * 32 * 8 * 25 * PJ
    assert a["latency"].energy_j - a["energy"].energy_j == pytest.approx(extra)
    # replication needs permission
    never = map_graph(chip, g, MapOptions(objective="latency", replicate=False))
    assert next(op for op in never.ops if op.name == "a").latency_s == pytest.approx(
        16 * 80e-9)


def test_unknown_objective_is_refused(tiny_arch, graph_of):
    with pytest.raises(MappingError, match="objective = 'speed'"):
        map_graph(tiny_arch(), graph_of(("mm", 1, 8, 4)), MapOptions(objective="speed"))


# the fixture is a stateless factory, so sharing it between examples is safe
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=st.integers(1, 300), k=st.integers(1, 90), n=st.integers(1, 40),
       macros=st.integers(1, 6), sram=st.sampled_from([64, 256, 1024, 4096]))
def test_each_objective_wins_its_own_measure(tiny_arch, m, k, n, macros, sram):
    # One op (input from DRAM, output to DRAM): the energy-optimal nest uses no more energy
    # than the latency-optimal one, which is no slower (the step is the op).
    from grcim.mapper.engines.crosscheck import one_op_graph

    arch = tiny_arch(n_macros=macros, sram_size_bytes=sram)
    op = Op("mm", OpKind.WEIGHT_MATMUL, "mm", None, m=m, k=k, n=n, batch_count=1,
            macs=m * k * n, weight_elements=k * n, input_elements=m * k,
            output_elements=m * n)
    g = one_op_graph(op, {"phase": "prefill", "batch": 1, "tokens": m, "context": m,
                          "weight_bits": 8, "act_bits": 8, "kv_bits": 8})
    base = MapOptions(weights_preloaded=False)
    e = map_graph(arch, g, base)
    t = map_graph(arch, g, dataclasses.replace(base, objective="latency"))
    assert e.energy_j <= t.energy_j * (1 + 1e-12)
    assert t.latency_s <= e.latency_s * (1 + 1e-12)
    assert e.macs == t.macs and e.adc_conversions == t.adc_conversions


def _attention(tiny_arch, **over):
    # QK^T of 2 query heads sharing 1 KV head (GQA): Q 2 x 4 tokens x 4 dims from DRAM,
    # K 8 positions x 4 dims from the KV cache in DRAM, 64 scores to DRAM; 256 MACs.
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=4, context=8,
                   weight_bits=8, act_bits=8, kv_bits=8)
    g.add_node("qk", op=Op("qk", OpKind.DYNAMIC_MATMUL, "attn_qk", 0, m=4, k=4, n=8,
                           batch_count=2, macs=256, input_elements=32, kv_read_elements=32,
                           output_elements=64))
    return map_graph(tiny_arch(**over), g, ONCE)


def test_vector_matmul_reuses_operands_in_registers(tiny_arch):
    # 8192 register bits hold all 8 query rows (a = (8192 - 4 x 8) / (4 x 8 + 8) = 204):
    # Q, K and the scores move once: DRAM 32 + 32 read, 64 written; nothing through SRAM.
    r = _attention(tiny_arch, reg_pj=1.0)
    assert r.dram_read_bytes == 64 and r.dram_write_bytes == 64
    assert r.sram_read_bytes == 0 and r.sram_write_bytes == 0
    assert r.ops[0].loop_order == "A-stationary"
    # registers: one Q and one K value reach the lanes per MAC (256 x 16 bits); the
    # loads fill them once (64 x 8 bits)
    assert r.actions["VectorRegisters.read"] == 256 * 16
    assert r.actions["VectorRegisters.write"] == 64 * 8
    assert r.actions["VectorUnit.mul"] == 256 and r.actions["VectorUnit.add"] == 256


def test_vector_matmul_without_registers_reads_per_mac(tiny_arch):
    # No register file: every MAC reads its Q and K values and its partial sum. Q (32 B) is
    # read 8 times (once per key), K (32 B) 8 times (once per query row), both staged in
    # SRAM from DRAM; each score is accumulated over 4 products: 3 partial sums written and
    # read back in SRAM. DRAM 32 + 32 read, 64 written; SRAM writes 32 + 32 + 3 x 64,
    # reads 8 x 32 + 8 x 32 + 3 x 64.
    r = _attention(tiny_arch, regs_bits=0)
    assert r.ops[0].loop_order == "no reuse"
    assert r.dram_read_bytes == 64 and r.dram_write_bytes == 64
    assert r.sram_write_bytes == 32 + 32 + 3 * 64
    assert r.sram_read_bytes == 8 * 32 + 8 * 32 + 3 * 64
    dynamic = (128 * 8 * 10 + (256 + 704) * 8 * 1 + 256 * (1 + 2)) * PJ
    assert r.dynamic_energy_j == pytest.approx(dynamic)


def test_an_activation_larger_than_half_the_sram_stays_there(tiny_arch, graph_of):
    # a's 600 B output fits in the 1 kB SRAM (nothing else is live): b reads it from there.
    # b's output (graph output) goes to DRAM. With half the SRAM usable it spills.
    g = graph_of(("a", 75, 8, 8), ("b", 75, 8, 8))
    full = map_graph(tiny_arch(), g, ONCE)
    half = map_graph(tiny_arch(), g, MapOptions(replicate=False, sram_fraction=0.5))
    assert full.dram_write_bytes == 600  # only b's output
    assert half.dram_write_bytes == 1200  # a's spills too
    assert full.energy_j < half.energy_j


def test_linear_scan_spills_the_activation_needed_last(tiny_arch):
    # x (600 B) is read by c at the end; a's output (600 B) is read by b right away. Both
    # cannot share the 1 kB SRAM: x, needed last, is spilled, and a's output stays.
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=75, context=75,
                   weight_bits=8, act_bits=8, kv_bits=8)
    for name in ("x", "a", "b", "c"):
        g.add_node(name, op=Op(name, OpKind.WEIGHT_MATMUL, name, None, m=75, k=8, n=8,
                               batch_count=1, macs=75 * 64, weight_elements=64,
                               input_elements=600, output_elements=600))
    g.add_edges_from([("x", "a"), ("a", "b"), ("b", "c"), ("x", "c")])
    r = map_graph(tiny_arch(n_macros=8), g, ONCE)
    ops = {op.name: op for op in r.ops}
    assert "output to DRAM" in ops["x"].mapping
    assert "output to SRAM" in ops["a"].mapping and "input from SRAM" in ops["b"].mapping
