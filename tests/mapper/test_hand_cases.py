"""Tiny mappings worked out by hand (tiling, counts, energy, reloads, roofline bounds).

The tiny chip (tests/mapper/conftest.py): macros of R = 8 rows x C = 8 cols, r_a = 4 rows
per ADC (2 row groups, 2 ADCs each at 100 MS/s), s_w = 2 cells per weight (c_w = 4
weights per row), s_x = 2 input slices, 8-bit operands.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.mapper import MapOptions, map_graph
from grcim.mapper.tiling import tile_matrices

COLD = MapOptions(replicate=False, weights_preloaded=False)
PJ = 1e-12


def test_tiling_of_one_matrix_by_hand(tiny_arch):
    macro = tiny_arch().macro
    one = np.array([1])
    til = tile_matrices(one * 10, one * 6, one, macro, 1e9)
    # K = 10 rows over 8-row macros -> 2 row tiles; N = 6 weights over 4 per row -> 2.
    assert (til.k_tiles[0], til.n_tiles[0], til.tiles[0]) == (2, 2, 4)
    assert til.row_partials[0] == 3  # ceil(10 / 4) row groups hold rows 0-3, 4-7, 8-9
    assert til.cols_used[0] == 4 * 2  # the widest tile holds 4 weights of 2 cells
    assert til.cell_rows[0] == 2 * 10  # each of the 2 column tiles writes all 10 rows
    assert til.array_utilization[0] == pytest.approx(60 / (4 * 8 * 4))
    # 8 columns x 2 slices = 16 conversions on the 2 ADCs of a row group: 8 x 10 ns
    assert til.adc_time_s[0] == pytest.approx(80e-9)
    assert til.array_time_s[0] == pytest.approx(2e-9)  # 2 DAC steps at 1 GHz


def test_one_matmul_counts_and_energy_by_hand(tiny_arch, graph_of):
    m, k, n = 3, 10, 6
    r = map_graph(tiny_arch(), graph_of(("mm", m, k, n)), COLD)
    a = r.actions
    assert a["MAC.compute"] == m * k * n == 180
    # conversions: every output, every row-group partial (3), every cell column (2) and
    # input slice (2): 3 * 6 * 3 * 2 * 2
    assert r.adc_conversions == a["ADC.read"] == 216
    # row drives: each input enters both column tiles, once per slice: 3 * 10 * 2 * 2
    assert r.dac_conversions == a["DAC.read"] == 120
    # DRAM: weights 60 B, input 30 B (graph input), output 18 B (graph output)
    assert r.dram_read_bytes == 60 + 30 and r.dram_write_bytes == 18
    assert a["CimCells.write"] == 60 * 8  # one copy of 60 weights of 2 x 4-bit cells
    dynamic = (90 * 8 * 10 + 18 * 8 * 10 + 480 * 0.25 + 180 * 0.1 + 216 * 2 + 120 * 0.5) * PJ
    assert r.dynamic_energy_j == pytest.approx(dynamic, rel=1e-12)
    assert r.leak_energy_j == pytest.approx(1e-3 * r.latency_s, rel=1e-12)  # SRAM only
    assert r.energy_j == pytest.approx(dynamic + 1e-3 * r.latency_s, rel=1e-12)


def test_latency_roofline_by_hand(tiny_arch, graph_of):
    m, k, n = 3, 10, 6
    r = map_graph(tiny_arch(), graph_of(("mm", m, k, n)), COLD)
    # 4 tiles on 4 macros, no copies: each macro runs the 3 input vectors, 80 ns each.
    assert r.resource_time_s["adc"] == pytest.approx(3 * 80e-9)
    assert r.resource_time_s["dram"] == pytest.approx(108 / 1e9)  # 108 B at 1 GB/s
    # 20 cell rows written by 4 macros in parallel, 10 ns each, but not evenly: the two
    # macros of the first row tile write 8 rows each, those of the second 2 (K = 10), and
    # no macro writes another's rows: 8 x 10 ns, not the average 20 / 4 x 10 ns
    assert r.resource_time_s["weight_write"] == pytest.approx(8 * 10e-9)
    assert r.ops[0].bound == "adc" and r.ops[0].latency_s == pytest.approx(240e-9)


@pytest.mark.parametrize("objective", ["energy", "latency"])
def test_a_macro_writes_its_own_tiles_rows(tiny_arch, graph_of, objective):
    # K = 9 rows on 8-row macros: a tile of 8 rows and one of 1 row (N = 4: one column
    # tile), written before the single MVM (weights loaded in the step). At 100 ns per row
    # the macro holding the 8-row tile needs 800 ns, whether the two tiles sit side by side
    # (2 macros) or follow each other (1 macro: 9 rows, 900 ns); the average over 2 macros,
    # 4.5 rows, took 450 ns. The MVM (80 ns) and fast memories do not bound it.
    arch = tiny_arch(weight_write_latency_per_row_s=1.0e-7, dram_bw=1.0e15, sram_bw=1.0e15)
    r = map_graph(arch, graph_of(("mm", 1, 9, 4)),
                  MapOptions(weights_preloaded=False, objective=objective))
    assert r.actions["CimCells.write"] == 9 * 4 * 8  # every weight written once
    assert r.resource_time_s["weight_write"] == pytest.approx(800e-9)
    assert r.ops[0].bound == "weight_write" and r.latency_s == pytest.approx(800e-9)


def test_roofline_bound_switches_with_dram_bandwidth(tiny_arch, graph_of):
    g = graph_of(("mm", 3, 10, 6))
    fast = map_graph(tiny_arch(dram_bw=1.0e12), g, COLD)
    slow = map_graph(tiny_arch(dram_bw=1.0e8), g, COLD)
    assert fast.ops[0].bound == "adc" and slow.ops[0].bound == "dram"
    assert slow.ops[0].latency_s == pytest.approx(108 / 1e8)  # 108 B at 100 MB/s
    assert fast.ops[0].latency_s == pytest.approx(240e-9)
    assert fast.latency_s < slow.latency_s


def test_replication_trades_cell_writes_for_time(tiny_arch, graph_of):
    g = graph_of(("mm", 4, 8, 4))  # one tile; 4 macros -> 4 copies for 4 input vectors
    one = map_graph(tiny_arch(), g, COLD)
    four = map_graph(tiny_arch(), g, MapOptions(replicate=True, weights_preloaded=False,
                                                objective="latency"))
    assert four.actions["CimCells.write"] == 4 * one.actions["CimCells.write"] == 4 * 32 * 8
    assert four.dram_read_bytes == one.dram_read_bytes  # copies come from one DRAM read
    # one MVM per macro instead of four on one macro: 4 columns x 2 cells x 2 slices = 16
    # conversions on 2 ADCs = 80 ns per MVM
    assert one.resource_time_s["adc"] == pytest.approx(4 * 80e-9)
    assert four.resource_time_s["adc"] == pytest.approx(1 * 80e-9)


def test_model_too_big_for_the_macros_reloads_weights_by_hand(tiny_arch, graph_of):
    # Two chained 16 x 8 matmuls: each 2 row tiles x 2 column tiles = 4 tiles; 8 in total.
    g = graph_of(("a", 2, 16, 8), ("b", 2, 8, 4))
    fits = map_graph(tiny_arch(n_macros=8), g, MapOptions(replicate=False))
    assert fits.weights_resident and fits.actions["CimCells.write"] == 0
    assert fits.dram_read_bytes == 2 * 16  # only the graph input: weights stay resident
    small = map_graph(tiny_arch(n_macros=2), g, MapOptions(replicate=False))
    assert not small.weights_resident
    # every weight is read from DRAM and written into the cells once per step
    assert small.actions["CimCells.write"] == (16 * 8 + 8 * 4) * 8
    # op a (input 32 B from DRAM, output 16 B to SRAM, weights 128 B) on 2 macros, dynamic
    # energy at 10 pJ/bit DRAM and 1 pJ/bit SRAM (everything else is the same):
    # - waves of 2 row tiles x 1 column tile: the input is streamed twice. Staged in SRAM:
    #   DRAM 128 + 32, SRAM writes 32 + 16 (input, output), reads 2 x 32 -> 13696 pJ;
    #   re-read from DRAM: DRAM 128 + 64, SRAM write 16 -> 15488 pJ;
    # - waves of 1 row tile x 2 column tiles: the input is read once, the output summed
    #   over 2 rounds in SRAM (in place): DRAM 128 + 32, SRAM writes 16 + 16, read 16
    #   -> 12800 + 256 + 128 = 13184 pJ. Cheapest: the search takes it.
    # op b: 1 tile, input (a's 16 B) from SRAM, output 8 B to DRAM (graph output).
    assert small.dram_read_bytes == (16 * 8 + 8 * 4) + 2 * 16
    assert small.dram_write_bytes == 2 * 4
    assert small.sram_write_bytes == 16 + 16
    assert small.sram_read_bytes == 16 + 16
    a = small.ops[0]
    assert a.loop_order in ("weights-outer", "K-outer") and "1x2 tiles per wave" in a.mapping
    assert "partial sums (2 rounds) in SRAM" in a.mapping
    # time: a runs 2 waves of 2 MVMs; 8 columns x 2 slices / 2 ADCs = 80 ns per MVM
    assert small.ops[0].latency_s >= 4 * 80e-9
    assert small.resource_time_s["adc"] == pytest.approx((4 + 2) * 80e-9)


def test_pipelining_of_resident_chain_by_hand(tiny_arch, graph_of):
    # three 1-tile ops on 4 macros, 5 token rows, no copies: each op 5 MVMs of 80 ns
    # (4 weights x 2 cells x 2 slices / 2 ADCs = 8 conversions = 80 ns)
    g = graph_of(("x", 5, 8, 4), ("y", 5, 4, 4), ("z", 5, 4, 4))
    fast_dram = dict(dram_bw=1.0e15, sram_bw=1.0e15)
    piped = map_graph(tiny_arch(**fast_dram), g, MapOptions(replicate=False))
    serial = map_graph(tiny_arch(**fast_dram), g,
                       MapOptions(replicate=False, pipeline=False))
    tau = 80e-9  # one row through one op
    assert piped.pipelined and piped.bound == "pipeline"
    assert piped.latency_s == pytest.approx(3 * tau + (5 - 1) * tau)
    assert serial.latency_s == pytest.approx(3 * 5 * tau)


def test_utilization_of_a_partial_tile(tiny_arch, graph_of):
    # 3 x 3 weights in one 8 x 4 tile: 9 of 32 weight slots
    r = map_graph(tiny_arch(), graph_of(("mm", 1, 3, 3)), COLD)
    assert r.array_utilization == pytest.approx(9 / 32)
    # peak: 4 macros x 32 weights per MVM of 80 ns
    assert r.peak_cim_macs_per_s == pytest.approx(4 * 32 / 80e-9)
    assert r.mac_utilization == pytest.approx(9 / (r.latency_s * 4 * 32 / 80e-9))
    assert math.isclose(r.tokens_per_s, 1 / r.latency_s)


UNEVEN_ADCS = dict(n_macros=1, adcs_per_macro=6, n_input_slices=1, dac_bits=8,
                   dram_bw=1.0e13, sram_bw=1.0e13, sram_size_bytes=65536, vector_ops=1.0e13)
"""One tiny macro whose 3 ADCs per row group do not divide its converted columns, with
memories and vector unit fast enough to vanish."""


def test_peak_is_the_fastest_tile_when_the_adcs_do_not_divide_the_columns(tiny_arch,
                                                                         graph_of):
    # 3 ADCs per row group, s_x = 1, 2 conversions per weight (bit-sliced 2 cells):
    # N = 1, 2, 3, 4 weights take ceil(2N / 3) = 1, 2, 2, 3 slots of 10 ns, i.e. 1, 1, 1.5,
    # 1.33 weights per slot. The best tile (3 weights) makes the peak 8 rows x 3 / 20 ns;
    # the full tile's 8 x 4 / 30 ns made a 3-wide matmul run at 112.5 % of the "peak".
    arch = tiny_arch(**UNEVEN_ADCS)
    peak = 8 * 3 / 20e-9
    # (7 and 12 weights: 2 and 3 column tiles on the one macro, each timed as the widest)
    for n, slots in ((1, 1), (2, 2), (3, 2), (4, 3), (7, 2 * 3), (12, 3 * 3)):
        r = map_graph(arch, graph_of(("mm", 64, 8, n)), MapOptions())
        assert r.peak_cim_macs_per_s == pytest.approx(peak)
        assert r.latency_s == pytest.approx(64 * slots * 10e-9, rel=1e-6)  # ADC bound
        assert r.mac_utilization <= 1 + 1e-9
        assert r.mac_utilization == pytest.approx(64 * 8 * n / (64 * slots * 10e-9) / peak,
                                                  rel=1e-6)
    # the best tile runs at the peak
    r = map_graph(arch, graph_of(("mm", 64, 8, 3)), MapOptions())
    assert r.mac_utilization == pytest.approx(1.0, rel=1e-6)


def test_input_staged_in_sram_chunks_by_hand(tiny_arch, graph_of):
    # 256 x 8 input (2048 B, from DRAM) times 8 x 8 weights (64 B): t_k = 1, t_n = 2 tiles on
    # one macro = 2 waves, so the input is streamed twice; the output (2048 B) goes to DRAM.
    # (a) input twice from DRAM: 64 + 2 x 2048 = 4160 B of DRAM reads (332.8 nJ);
    # (b) input staged in the 1 kB SRAM (all of it is free): 2048 / 1024 = 2 row chunks
    # (input-outer), weights re-read and re-written per chunk: 2 x 64 + 2048 = 2176 B of
    # DRAM reads (174.1 nJ) + 2048 B written to and 2 x 2048 B read from SRAM (49.2 nJ)
    # + 64 B more cell writes (0.1 nJ). (b) wins; both take 512 MVMs of 80 ns.
    r = map_graph(tiny_arch(n_macros=1), graph_of(("mm", 256, 8, 8)),
                  MapOptions(replicate=False))
    assert r.dram_read_bytes == 2 * 64 + 2048
    assert r.sram_write_bytes == 2048 and r.sram_read_bytes == 2 * 2048
    assert r.actions["CimCells.write"] == 2 * 64 * 8  # each chunk reloads the weights
    assert r.dram_write_bytes == 256 * 8  # the output leaves the chip
    assert r.ops[0].loop_order == "input-outer" and "2 row chunks" in r.ops[0].mapping
    # with half the SRAM usable, 4 chunks: weights read 4 times
    half = map_graph(tiny_arch(n_macros=1), graph_of(("mm", 256, 8, 8)),
                     MapOptions(replicate=False, sram_fraction=0.5))
    assert half.dram_read_bytes == 4 * 64 + 2048


def test_streaming_ops_share_the_macros_so_they_serialize(tiny_arch, graph_of):
    # Two independent matmuls: the critical path alone would let them overlap, but with
    # streamed weights each takes every macro, so the step lasts the sum of both.
    one = map_graph(tiny_arch(), graph_of(("a", 3, 10, 6)), COLD)
    two = map_graph(tiny_arch(), graph_of(("a", 3, 10, 6), ("b", 3, 10, 6), chain=False), COLD)
    assert two.critical_path_s == pytest.approx(one.latency_s)
    assert two.latency_s == pytest.approx(2 * one.latency_s)


def test_prefill_lasts_at_least_the_sum_of_its_macro_ops():
    # Every weight op of a streamed prefill occupies all macros, so no schedule can be shorter
    # than the sum of their roofline times (nor than the vector unit's sum); the critical path
    # alone misses it when q/k/v or up/gate sit side by side in the graph.
    from grcim.mapper import map_workload

    r = map_workload("edge_conventional", "llama3-8b", phase="prefill", tokens=2048,
                     options=MapOptions())
    assert not r.weights_resident
    cim = sum(op.latency_s for op in r.ops if op.unit == "cim")
    vec = sum(op.latency_s for op in r.ops if op.unit == "vector")
    assert r.latency_s >= max(cim, vec) * (1 - 1e-9)
    assert r.latency_s > r.critical_path_s  # the serialization is what sets it here
