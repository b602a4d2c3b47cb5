"""``grcim export timeloop`` without Timeloop: the files, the ERT/ART values, grcim's mapping.

Expected values come from the arch's own numbers and hand arithmetic (the bundled edge chip:
16 macros of 256 x 256 cells, 64 rows per ADC conversion, 8 one-bit cells per FP8 weight
so 32 weights per row, 1 input slice) and from hwcomponents queried directly; the runs of
the real Timeloop are in ``tests/timeloop/``.
"""

from __future__ import annotations

import contextlib
import io
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import hwcomponents
import pytest

from grcim.arch import load_arch
from grcim.cli.main import main
from grcim.errors import MappingError, SpecError
from grcim.export import Einsum, export_timeloop, select_einsums
from grcim.export.timeloop_mapping import fixed_mapping
from grcim.export.timeloop_spec import FILES
from grcim.mapper import resolve_arch, step_graph
from grcim.plugins.models import MODELS
from grcim.workloads import Op, OpKind
from grcim.yamlio import load_yaml_text

EDGE = load_arch("edge_grmac")


def einsum(m: int, k: int, n: int, bits: int = 8, wbits: int | None = None) -> Einsum:
    return Einsum(Op("mm", OpKind.WEIGHT_MATMUL, "matmul", None, m=m, k=k, n=n, batch_count=1,
                     macs=m * k * n, weight_elements=k * n, input_elements=m * k,
                     output_elements=m * n, input_bits=bits, output_bits=bits,
                     weight_bits=wbits or bits))


@pytest.fixture(scope="module")
def wave() -> Any:
    """16 x 512 x 1024 on the edge chip: 2 x 32 tiles, 4 waves of 16 macros."""
    return export_timeloop(EDGE, einsum(16, 512, 1024))


def _doc(ex: Any, name: str) -> Any:
    return load_yaml_text(ex.files[name], name)


def test_every_file_is_written_and_parses(wave: Any) -> None:
    assert set(wave.files) == set(FILES)
    tops = {name: next(iter(_doc(wave, name))) for name in FILES}
    assert tops == {"arch.yaml": "architecture", "problem.yaml": "problem",
                    "mapping.yaml": "mapping", "constraints.yaml": "constraints",
                    "mapper.yaml": "mapper", "ERT.yaml": "ERT", "ART.yaml": "ART",
                    "grcim.yaml": "grcim"}


def test_architecture_levels_follow_the_arch_file(wave: Any) -> None:
    nodes = _doc(wave, "arch.yaml")["architecture"]["nodes"]
    assert [(n.tag, n["name"]) for n in nodes] == [
        ("Container", "system"), ("Component", "DRAM"), ("Component", "GlobalBuffer"),
        ("Container", "Macro"), ("Container", "RowGroup"), ("Component", "ADC"),
        ("Component", "GainRangingStage"), ("Component", "DAC"), ("Container", "Column"),
        ("Container", "Row"), ("Component", "CimCells"), ("Component", "MAC")]
    by = {n["name"]: n for n in nodes}
    assert by["Macro"]["spatial"] == {"meshX": 16}
    assert by["RowGroup"]["spatial"] == {"meshY": 256 // 64}
    assert by["Column"]["spatial"] == {"meshX": 256 // 8}  # weights per row
    assert by["Row"]["spatial"] == {"meshY": 64}
    assert (by["ADC"]["class"], by["ADC"]["subclass"]) == ("storage", "grcim_adc")
    assert (by["MAC"]["class"], by["MAC"]["subclass"]) == ("compute", "gr_mac")
    assert by["DRAM"]["class"] == "DRAM" and by["GlobalBuffer"]["class"] == "SRAM"
    for n in nodes:  # the front-end requires depth and width on every storage level
        if n.tag == "Component" and n["class"] != "compute":
            assert {"depth", "width", "datawidth"} <= set(n["attributes"]), n["name"]
            assert n["attributes"]["power_gated_at"] == "DRAM"
    assert '    attributes:\n      technology: "22nm"' in wave.files["arch.yaml"]  # quoted
    # bandwidths in 8-bit words per 1 GHz cycle: LPDDR5 51.2 GB/s; 4 MiB SRAM 256 B/cycle;
    # one MVM of a row group converts 32 weights x 8 bit columns x 1 input slice on its
    # 128 / 4 = 32 ADCs at 200 MHz: 8 conversions each = 40 ns = 40 cycles (> 1 DAC step),
    # and drives its 64 rows once: the DAC reads 64 / 40 = 1.6 words per cycle; the ADC
    # has no write bandwidth of its own (Timeloop would count partial-sum refills on it)
    assert by["DRAM"]["attributes"]["shared_bandwidth"] == pytest.approx(51.2)
    assert by["GlobalBuffer"]["attributes"]["read_bandwidth"] == pytest.approx(256)
    assert by["DAC"]["attributes"]["read_bandwidth"] == pytest.approx(64 / 40)
    assert "write_bandwidth" not in by["ADC"]["attributes"]
    assert "write_bandwidth" not in by["GainRangingStage"]["attributes"]
    assert by["DRAM"]["attributes"]["depth"] == 2**31 - 1  # 16 GiB capped for Timeloop


def _entry(doc: dict, key: str, name: str) -> dict:
    return next(t for t in doc[key]["tables"] if t["name"] == name)


def _attrs(node_name: str) -> tuple[str, dict]:
    node = next(n for n in EDGE.nodes if getattr(n, "name", None) == node_name)
    return node.component_class, {**EDGE.component_attributes,
                                  **node.extra_attributes_for_component_model}


def test_ert_and_art_are_grcim_prices_per_timeloop_action(wave: Any) -> None:
    ert, art = _doc(wave, "ERT.yaml"), _doc(wave, "ART.yaml")
    dram = {a["name"]: a["energy"] for a in _entry(ert, "ERT", "system_top_level.DRAM[1..1]")[
        "actions"]}
    assert dram["read"] == pytest.approx(8 * 4.5, rel=1e-12)  # 8 bits x 4.5 pJ/bit
    glb = {a["name"]: a["energy"] for a in _entry(
        ert, "ERT", "system_top_level.GlobalBuffer[1..1]")["actions"]}
    assert glb["read"] == pytest.approx(8 * 0.35) and glb["write"] == pytest.approx(8 * 0.4375)
    assert glb["leak"] == pytest.approx(5e-3 * 1e-9 * 1e12)  # 5 mW for one 1 ns cycle
    cells = {a["name"]: a["energy"] for a in _entry(
        ert, "ERT", f"system_top_level.CimCells[1..{16 * 4 * 32 * 64}]")["actions"]}
    assert cells["write"] == pytest.approx(8 * 25.6 / 256)  # 8 cells of a 25.6 pJ row write
    assert cells["read"] == 0.0
    models = list(MODELS)
    for node, action, per in (("ADC", "update", 8), ("GainRangingStage", "update", 8),
                              ("DAC", "read", 1)):
        cls, attrs = _attrs(node)
        name = f"system_top_level.{node}[1..64]"
        got = {a["name"]: a["energy"] for a in _entry(ert, "ERT", name)["actions"]}
        one = hwcomponents.get_action_cost(cls, attrs, "read", {}, models=models).energy
        assert got[action] == pytest.approx(per * one * 1e12, rel=1e-12), node
        assert got["write"] == 0.0
        leak = hwcomponents.get_leak_power(cls, attrs, models=models)
        assert got["leak"] == pytest.approx(leak * 1e-9 * 1e12, rel=1e-12), node
        area = hwcomponents.get_area(cls, attrs, models=models)
        assert _entry(art, "ART", name)["area"] == pytest.approx(area * 1e12, rel=1e-12)
    cls, attrs = _attrs("MAC")
    mac = _entry(ert, "ERT", f"system_top_level.MAC[1..{16 * 4 * 32 * 64}]")["actions"]
    assert mac[0] == {"name": "compute", "arguments": {}, "energy": pytest.approx(
        hwcomponents.get_action_cost(cls, attrs, "compute", {}, models=models).energy * 1e12,
        rel=1e-12)}
    # Timeloop charges no leakage to a compute level: the MACs' leakage (one MAC per cell
    # position, as the model prices it) rides on the cells' level, the same array; the
    # cells themselves (explicit write costs only) leak nothing
    assert {a["name"]: a["energy"] for a in mac}["leak"] == 0.0
    mac_leak = hwcomponents.get_leak_power(cls, attrs, models=models)
    assert mac_leak > 0.0
    assert cells["leak"] == pytest.approx(mac_leak * 1e-9 * 1e12, rel=1e-12)
    # the arch counts 256 cell columns per row (leak_power_scale = area_scale = 1/8): per
    # Timeloop MAC instance (one weight) that is one model MAC's area
    mac_name = f"system_top_level.MAC[1..{16 * 4 * 32 * 64}]"
    assert _entry(art, "ART", mac_name)["area"] == pytest.approx(
        hwcomponents.get_area(cls, attrs, models=models) * 1e12, rel=1e-12)


def test_problem_is_the_einsum(wave: Any) -> None:
    problem = _doc(wave, "problem.yaml")["problem"]
    assert problem["instance"] == {"M": 16, "K": 512, "N": 1024}
    spaces = {d["name"]: d for d in problem["shape"]["data_spaces"]}
    assert spaces["Inputs"]["projection"] == [[["M"]], [["K"]]]
    assert spaces["Weights"]["projection"] == [[["K"]], [["N"]]]
    assert spaces["Outputs"]["projection"] == [[["M"]], [["N"]]]
    assert spaces["Outputs"]["read_write"] is True


def _factors(ex: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for t in _doc(ex, "mapping.yaml")["mapping"]:
        if t["type"] in ("temporal", "spatial"):
            out[t["target"]] = {f.split("=")[0]: int(f.split("=")[1]) for f in t["factors"]}
    return out


def _keeps(ex: Any) -> dict[str, list[str]]:
    return {t["target"]: t["keep"] for t in _doc(ex, "mapping.yaml")["mapping"]
            if t["type"] == "dataspace"}


@pytest.mark.parametrize(("shape", "expected", "keep_glb", "exact"), [
    # 2 x 32 tiles > 16 macros: waves of 2 row tiles x 8 column tiles, 4 column groups, the
    # input read 4 times: grcim stages it in the SRAM (1 chunk); the SRAM loops over the
    # column groups and the 16 vectors
    ((16, 512, 1024), {"DRAM": (1, 1, 1), "GlobalBuffer": (16, 1, 4), "Macro": (1, 2, 8),
                       "RowGroup": (1, 4, 1), "Column": (1, 1, 32), "Row": (1, 64, 1)},
     ["Inputs"], True),
    # 1 x 8 tiles fit at once: one pass, input straight from DRAM
    ((16, 256, 256), {"DRAM": (16, 1, 1), "GlobalBuffer": (1, 1, 1), "Macro": (1, 1, 8),
                      "RowGroup": (1, 4, 1), "Column": (1, 1, 32), "Row": (1, 64, 1)}, [],
     True),
    # decode: 16 x 128 tiles; grcim's search runs waves of 2 row tiles x 8 column tiles
    # (16 column groups read the staged input, not 128) and keeps the partial sums of its
    # 16 / 2 = 8 reduction groups in the SRAM. One input vector: Timeloop runs the column
    # groups (SRAM, N = 16) inside the reduction groups (DRAM, K = 8), the SRAM holding the
    # input slice and all 4096 outputs; not exact (the last round's sums)
    ((1, 4096, 4096), {"DRAM": (1, 8, 1), "GlobalBuffer": (1, 1, 16), "Macro": (1, 2, 8),
                       "RowGroup": (1, 4, 1), "Column": (1, 1, 32), "Row": (1, 64, 1)},
     ["Inputs", "Outputs"], False),
    # a prefill projection (k_proj of Llama-3-8B, 16 tokens): 16 x 32 tiles, waves of 2 x 8,
    # 4 column groups x 8 reduction groups, weights-outer, partial sums in SRAM: DRAM walks
    # the column groups (N = 4) so the SRAM holds one group's 16 x 256 outputs besides the
    # staged input; the SRAM loops over the 8 reduction groups and the 16 vectors
    ((16, 4096, 1024), {"DRAM": (1, 1, 4), "GlobalBuffer": (16, 8, 1), "Macro": (1, 2, 8),
                        "RowGroup": (1, 4, 1), "Column": (1, 1, 32), "Row": (1, 64, 1)},
     ["Inputs", "Outputs"], False),
    # K = 32 rows: one row group of 32 rows; N = 16 weights of a row
    ((4, 32, 16), {"DRAM": (4, 1, 1), "Macro": (1, 1, 1), "RowGroup": (1, 1, 1),
                   "Column": (1, 1, 16), "Row": (1, 32, 1)}, [], True),
])
def test_fixed_mapping_is_grcims_schedule(shape: tuple[int, int, int],
                                          expected: dict[str, tuple[int, int, int]],
                                          keep_glb: list[str], exact: bool) -> None:
    ex = export_timeloop(EDGE, einsum(*shape))
    assert ex.mapping.exact is exact, ex.mapping.note
    got = _factors(ex)
    for target, (m, k, n) in expected.items():
        assert got[target] == {"M": m, "K": k, "N": n}, target
    for dim, size in zip("MKN", shape, strict=True):  # Timeloop needs exact products
        assert math.prod(f[dim] for f in got.values()) == size, dim
    keeps = _keeps(ex)
    assert keeps["GlobalBuffer"] == keep_glb
    assert keeps["DRAM"] == ["Inputs", "Weights", "Outputs"]
    assert keeps["ADC"] == ["Outputs"] and keeps["DAC"] == ["Inputs"]
    assert keeps["CimCells"] == ["Weights"]
    tolls = [t for t in _doc(ex, "mapping.yaml")["mapping"] if t["type"] == "temporal"
             and t["target"] in ("ADC", "GainRangingStage", "DAC")]
    assert {t["target"]: t["no_reuse"] for t in tolls} == {
        "ADC": ["Outputs"], "GainRangingStage": ["Outputs"], "DAC": ["Inputs"]}


def test_decode_schedule_is_cheaper_than_one_wave_per_column_tile() -> None:
    """Why the decode expectations changed: 1 x 4096 x 4096 on edge_conventional (16 x 128
    tiles). Before the mapping search, grcim ran 128 waves of 16 row tiles x 1 column tile,
    re-reading the staged 4096-value input 128 times; the search picks waves of 2 x 8: 16
    column groups read it 16 times, and 8 reduction rounds put 7 partial sums per output
    through the SRAM. DRAM traffic (input, weights, output once each), conversions and cell
    writes are the same, and both are bound by the 16 MiB of weights from DRAM, so only the
    SRAM differs (8-bit values: 0.35 pJ/bit read, 1.25 x that written)."""
    ex = export_timeloop(load_arch("edge_conventional"), einsum(1, 4096, 4096))
    g = ex.grcim
    x = y = 4096
    reads, writes = 16 * x + 7 * y, x + 7 * y  # staged input + partial sums
    assert (g.sram_read_bytes, g.sram_write_bytes) == (reads, writes)
    assert (g.dram_read_bytes, g.dram_write_bytes) == (x + 4096 * 4096, y)
    read_j, write_j = 8 * 0.35e-12, 8 * 0.35e-12 * 1.25
    new = reads * read_j + writes * write_j
    old = 128 * x * read_j + x * write_j
    assert g.energy_by_action_j["GlobalBuffer.read"] + g.energy_by_action_j[
        "GlobalBuffer.write"] == pytest.approx(new)
    assert new < old / 3
    assert g.ops[0].bound == "dram"


def _permutation(ex: Any, target: str) -> list[str]:
    return next(t["permutation"] for t in _doc(ex, "mapping.yaml")["mapping"]
                if t["type"] == "temporal" and t["target"] == target)


def test_loop_orders_follow_grcims_choice() -> None:
    # weights-outer (innermost first): the vectors, then the reduction groups, then the
    # column groups; the 16 x 4096 x 1024 projection walks its 4 column groups at DRAM,
    # outside the SRAM's reduction groups
    ex = export_timeloop(EDGE, einsum(16, 4096, 1024))
    assert ex.mapping.choice.order == "weights-outer"
    assert _permutation(ex, "GlobalBuffer") == ["M", "K", "N"]
    assert _permutation(ex, "DRAM")[0] == "N"
    # decode runs K-outer in Timeloop: the column groups inside the reduction groups
    ex = export_timeloop(EDGE, einsum(1, 4096, 4096))
    assert _permutation(ex, "GlobalBuffer") == ["M", "N", "K"]
    assert _permutation(ex, "DRAM")[:2] == ["K", "M"]  # the 8 groups inside the chunk loop
    assert "the column groups run inside the reduction groups (K-outer" in ex.mapping.note


def test_a_schedule_timeloop_cannot_express_says_why() -> None:
    # 32 x 2 tiles: grcim runs waves of 8 row tiles x 2 column tiles, 32 / 8 = 4 reduction
    # rounds, partial sums in SRAM; Timeloop writes the 16 x 64 final sums there too
    ex = export_timeloop(EDGE, einsum(16, 8192, 64))
    assert not ex.mapping.exact
    assert ("grcim sends the last of the 4 rounds' sums straight to DRAM, Timeloop writes "
            "them into the SRAM first (1024 more SRAM writes)") in ex.mapping.note
    assert "# Fixed mapping (NOT exact): " in ex.files["mapping.yaml"]
    # 3 x 24 tiles: waves of 3 x floor(16 / 3) = 3 x 5 tiles; 5 does not divide 24, so
    # Timeloop gets waves of 3 x 4 (6 column groups instead of grcim's 5, the last partial):
    # this step is bound by its 576 KiB of weights from DRAM, which 6 waves' weight loads
    # (each 256 rows x 2 ns per tile) do not reach, so the exact split is kept
    ex = export_timeloop(EDGE, einsum(16, 768, 768))
    assert not ex.mapping.exact
    assert ("grcim tiles N = 768 into 24 column tile(s) of up to 32 weights in 5 wave(s), "
            "Timeloop into 24 of 32 in 6") in ex.mapping.note
    assert _factors(ex)["Macro"] == {"M": 1, "K": 3, "N": 4}
    assert ex.mapping.instance == {"M": 16, "K": 768, "N": 768}


def test_a_prime_number_of_column_tiles_keeps_grcims_waves() -> None:
    """GPT-2's LM head in decode, 1 x 768 x 50257, on large_conventional: 32 weights per
    row (288 columns / 9 slices), 3 row tiles, so waves of 1024 // 3 = 341 column tiles;
    grcim runs ceil(50257 / 32) = 1571 tiles in 5 waves. 50257 = 29 x 1733 (prime): the
    divisors alone gave waves of 1 tile of 29 weights, 1733 waves (Timeloop: 77 x grcim's
    cycles, 3.07 x its energy). Keeping 5 waves, the smallest N = w x t x 5 >= 50257 with
    w <= 32 and t <= 341 is w x t >= 10052: 31 x 325 = 10075 (32 x 315 and 30 x 336 give
    10080, 29 needs 347 > 341 tiles), so Timeloop's problem is padded to N = 50375."""
    ex = export_timeloop(load_arch("large_conventional"), einsum(1, 768, 50257))
    f = _factors(ex)
    assert (f["Column"]["N"], f["Macro"]["N"]) == (31, 325)
    assert math.prod(v["N"] for k, v in f.items() if k not in ("Column", "Macro")) == 5
    assert ex.mapping.instance == {"M": 1, "K": 768, "N": 50375}
    problem = _doc(ex, "problem.yaml")["problem"]
    assert problem["instance"] == {"M": 1, "K": 768, "N": 50375}
    assert "PADDED" in ex.files["problem.yaml"] and not ex.mapping.exact
    assert "pads N to 50375 (+0.23% MACs" in ex.mapping.note  # 118 / 50257


def test_column_split_prefers_an_exact_split_that_costs_no_cycles() -> None:
    # 1000 weights, grcim's 2 waves of 16 tiles of 32 (32 tiles): 1000 = 25 x 40, and 40
    # tiles in 4 waves of 10 take 4 x 100 cycles, under the 5000 the DRAM takes: exact;
    # if a wave took 2000 cycles, 4 waves would cost 8000: pad to 2 x 16 x 32 = 1024
    from grcim.export.timeloop_mapping import ColumnSplit, column_split

    assert column_split(1000, 32, 2, 16, 5000.0, 100.0) == ColumnSplit(25, 10, 4, 1000)
    assert column_split(1000, 32, 2, 16, 5000.0, 2000.0) == ColumnSplit(32, 16, 2, 1024)


def test_row_split_pads_k_with_no_divisor_near_grcims_rounds() -> None:
    """K = 1000 on edge_grmac (64 rows per conversion, 4 row groups per macro): grcim runs
    ceil(1000 / 256) = 4 row tiles in 2 rounds of 2 and converts ceil(1000 / 64) = 16 row
    groups per output. 1000 = 2^3 x 5^3: the old split took 50-row groups, 5 tiles of
    4 x 50 rows and 5 rounds of 1 (20 conversions per output). Keeping 2 rounds of 2 tiles
    of 4 groups (16 conversions), the rows r must reach 16 r >= 1000: r = 63, K = 1008."""
    from grcim.export.timeloop_mapping import ChunkSplit, RowSplit, chunk_split, row_split

    # no cycles beyond grcim's (a round takes nothing): only conversions/rounds/padding count
    assert row_split(1000, 64, 4, 2, 2, 1e6, 0.0, 0.0) == RowSplit(63, 4, 2, 2, 1008)
    # a K that divides keeps grcim's tiling exactly
    assert row_split(1024, 64, 4, 2, 2, 1e6, 0.0, 0.0) == RowSplit(64, 4, 2, 2, 1024)
    # 2048 vectors in 3 chunks: pad to 3 x 683 (4 exact chunks read the weights 4/3 as often)
    assert chunk_split(2048, 3) == ChunkSplit(3, 683, 2049)
    assert chunk_split(2048, 4) == ChunkSplit(4, 512, 2048)
    ex = export_timeloop(EDGE, einsum(16, 1000, 1024))
    f = _factors(ex)
    assert (f["Row"]["K"], f["RowGroup"]["K"], f["Macro"]["K"]) == (63, 4, 2)
    assert math.prod(v["K"] for t, v in f.items() if t not in ("Row", "RowGroup", "Macro")) == 2
    assert ex.mapping.instance == {"M": 16, "K": 1008, "N": 1024}
    assert "problem.yaml pads K to 1008 (2 round(s) of 2 tiles of 4 x 63 rows; +0.80% MACs" in (
        ex.mapping.note)
    assert "PADDED" in ex.files["problem.yaml"] and "+0.80% MACs" in ex.files["problem.yaml"]
    g = _doc(ex, "grcim.yaml")["grcim"]["mapping"]
    assert g["timeloop_instance"]["K"] == 1008
    assert g["padding_macs"] == pytest.approx(8 / 1000)


def test_exported_bandwidths_are_exact_ratios() -> None:
    # large_grmac, 4 x 256 x 1024: a tile uses 256 rows, each written in 2 ns at 1 GHz:
    # one cell written per 512 cycles, exactly 1/512 (it was 0.0019531249999999998, which
    # Timeloop turned into 513 cycles); DRAM 3.35 TB/s of 8-bit words at 1 GHz: 3350
    ex = export_timeloop(load_arch("large_grmac"), einsum(4, 256, 1024))
    nodes = {n["name"]: n for n in _doc(ex, "arch.yaml")["architecture"]["nodes"]}
    assert nodes["CimCells"]["attributes"]["write_bandwidth"] == 1 / 512
    assert nodes["DRAM"]["attributes"]["shared_bandwidth"] == 3350


def test_cli_exports_every_batch_map_accepts(tmp_path: Path) -> None:
    # export allowed 1..4096 sequences, map 1..2**20: a batch map accepts was refused
    models = tmp_path / "toy.yaml"
    models.write_text(TOY)
    code, out, err = _cli(["export", "timeloop", "--models", str(models), "--workload", "toy",
                           "--phase", "decode", "--context", "16", "--batch", "5000", "--op",
                           "lm_head", "--out", str(tmp_path / "b")])
    assert code == 0, err
    assert "lm_head: M=5000 K=256 N=1000" in out
    code, _, err = _cli(["export", "timeloop", "--batch", str(2**20 + 1), "--out",
                         str(tmp_path / "c")])
    assert code == 1 and "--batch = 1048577" in err and "1048576" in err


@pytest.mark.parametrize(("k", "reason"), [
    # 320 = 5 x 64 rows: full row groups, but 5 do not split over 4 per macro (the note
    # said 320 "does not split into full row groups of 64 rows"); grcim's 2 tiles in one
    # round: 5 tiles of 64 rows would take 5 rounds, so K is padded: 2 tiles of 3 groups
    # (6 conversions per output, grcim 5) of ceil(320 / 6) = 54 rows
    (320, "problem.yaml pads K to 324 (1 round(s) of 2 tiles of 3 x 54 rows; +1.25% MACs"),
    (96, "K = 96 does not split into full row groups of 64 rows"),
])
def test_row_group_note_names_the_real_reason(k: int, reason: str) -> None:
    ex = export_timeloop(EDGE, einsum(4, k, 64))
    assert not ex.mapping.exact
    assert reason in ex.mapping.note
    if k == 320:
        assert "does not split into full row groups" not in ex.mapping.note


def test_row_chunks_and_k_outer_input_slices() -> None:
    """Timeloop's SRAM tile spans every loop at and below the SRAM."""
    # 768 x 14336 x 4096 (a Llama-3-8B FFN down projection of 768 tokens): 56 x 128 tiles,
    # run K-outer (all 768 x 4096 outputs and one reduction group's 768 x 2 x 256 input
    # slice in SRAM: 3.5 Mi of its 4 Mi words). The 28 reduction groups sit at DRAM so the
    # SRAM's tile is that slice, not the whole 768 x 14336 input (11 Mi words)
    ex = export_timeloop(EDGE, einsum(768, 14336, 4096))
    assert ex.mapping.choice.order == "K-outer"
    f = _factors(ex)
    assert f["DRAM"] == {"M": 1, "K": 28, "N": 1}
    assert f["GlobalBuffer"] == {"M": 768, "K": 1, "N": 16}
    assert 768 * 512 + 768 * 4096 <= 4 * 2**20
    assert "row chunks" not in ex.mapping.note
    # 2048 x 4096 x 4096: grcim stages the input and keeps one column group's partial sums,
    # 2048 x (4096 + 8 x 32) words > 4 Mi: 3 row chunks of ceil(2048 / 3) = 683 rows.
    # 3 does not divide 2048: 4 exact chunks of 512 would read the weights 4/3 as often
    # (Timeloop +9.2 % energy); 3 chunks of 683 pad M to 2049 (+1/2048; 683 x 4352 words
    # fit the 4 Mi)
    ex = export_timeloop(EDGE, einsum(2048, 4096, 4096))
    assert ex.mapping.choice.chunks == 3
    assert "problem.yaml pads M to 2049 (3 x 683; +0.05% MACs" in ex.mapping.note
    assert ex.mapping.instance == {"M": 2049, "K": 4096, "N": 4096}
    f = _factors(ex)
    assert f["DRAM"] == {"M": 3, "K": 1, "N": 16}
    assert f["GlobalBuffer"] == {"M": 683, "K": 8, "N": 1}
    assert 683 * (4096 + 8 * 32) <= 4 * 2**20
    assert _permutation(ex, "DRAM")[:2] == ["N", "M"]  # the chunk loop outermost


def test_the_exported_choice_is_the_one_grcim_map_reports() -> None:
    e = einsum(16, 4096, 1024)
    ex = export_timeloop(EDGE, e)
    assert ex.mapping.choice.line == ex.grcim.ops[0].mapping
    assert ex.mapping.choice.line.startswith("weights-outer, 2x8 tiles per wave")
    # a result whose op record says something else is refused, not silently exported
    other = replace(ex.grcim, ops=(replace(ex.grcim.ops[0], mapping="K-outer, 16x1 tiles"),))
    with pytest.raises(MappingError, match="but grcim map chose 'K-outer, 16x1 tiles'"):
        fixed_mapping(EDGE, e, ex.arch, other)


def test_mapper_constraints_fix_physics_only(wave: Any) -> None:
    targets = _doc(wave, "constraints.yaml")["constraints"]["targets"]
    by = {(t["target"], t["type"]): t for t in targets}
    assert by["Macro", "spatial"]["factors"] == ["M=1"]  # no replication, tiles free
    assert by["Row", "spatial"]["factors"] == ["M=1", "K=64", "N=1"]
    assert by["Column", "spatial"]["factors"] == ["M=1", "K=1", "N=32"]
    assert by["ADC", "temporal"]["factors"] == ["M=1", "K=1", "N=1"]
    assert by["ADC", "temporal"]["no_reuse"] == ["Outputs"]
    assert by["GlobalBuffer", "dataspace"] == {"target": "GlobalBuffer", "type": "dataspace",
                                               "bypass": ["Weights"]}
    assert ("DRAM", "temporal") not in by and ("GlobalBuffer", "temporal") not in by
    mapper = _doc(wave, "mapper.yaml")["mapper"]
    assert mapper["algorithm"] == "linear_pruned" and mapper["victory_condition"] == 0


def test_grcim_document_counts(wave: Any) -> None:
    g = _doc(wave, "grcim.yaml")["grcim"]
    m, k, n = 16, 512, 1024
    assert g["macs"] == m * k * n
    # every output of every row group (K/64) is converted on 8 bit-columns, once per slice
    assert g["adc_conversions"] == m * n * (k // 64) * 8
    assert g["dac_conversions"] == m * k * (n // 32)  # every input once per column tile
    assert g["mapping"]["exact"] is True
    assert g["timeloop_terms"]["toll_events_per_timeloop_action"] == {
        "ADC": {"update": 8.0}, "GainRangingStage": {"update": 8.0}, "DAC": {"read": 1.0}}
    assert set(g["timeloop_terms"]["not_in_timeloop_j"]) == {"VectorUnit"}
    left = sum(g["timeloop_terms"]["not_in_timeloop_j"].values())
    assert g["timeloop_comparable_energy_j"] == pytest.approx(g["energy_j"] - left, rel=1e-12)


def test_refusals() -> None:
    with pytest.raises(MappingError, match="is a macro file"):
        export_timeloop(load_arch("grmac_row"), einsum(16, 512, 1024))
    with pytest.raises(MappingError, match="Timeloop prices one word size per storage level"):
        export_timeloop(EDGE, einsum(16, 512, 1024, bits=8, wbits=4))
    graph = step_graph(EDGE, "gpt2", "prefill", tokens=16)
    with pytest.raises(MappingError, match="'L0.attn_qk' is a dynamic matmul on the vector "
                       "unit"):
        select_einsums(EDGE, graph, None, "attn_qk")
    with pytest.raises(SpecError, match="--layer = 12: a decoder layer 0..11"):
        select_einsums(EDGE, graph, 12, None)


def test_a_layer_selects_its_weight_matmuls() -> None:
    graph = step_graph(resolve_arch("edge_grmac"), "llama3-8b", "decode", context=64)
    names = [e.name for e in select_einsums(EDGE, graph, 3, None)]
    assert names == [f"L3.{r}" for r in ("q_proj", "k_proj", "v_proj", "o_proj", "ffn_up",
                                         "ffn_gate", "ffn_down")]
    assert [e.name for e in select_einsums(EDGE, graph, 3, "ffn_down")] == ["L3.ffn_down"]
    assert [e.name for e in select_einsums(EDGE, graph, None, "lm_head")] == ["lm_head"]
    assert [e.name for e in select_einsums(EDGE, graph, 3, "L3.q_proj")] == ["L3.q_proj"]
    # a full op name with another --layer: the layer was silently ignored
    with pytest.raises(SpecError, match="--layer = 5: no --layer with --op L0.q_proj"):
        select_einsums(EDGE, graph, 5, "L0.q_proj")
    with pytest.raises(SpecError, match="no decoder layer"):
        select_einsums(EDGE, graph, 0, "lm_head")


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


TOY = """\
models:
  toy:
    title: a toy decoder whose einsums fit one macro row tile
    source: made up for this test
    d_model: 256
    n_heads: 4
    n_kv_heads: 4
    head_dim: 64
    d_ff: 1024
    n_layers: 1
    vocab: 1000
    ffn: relu
    norm: layernorm
    tied_embeddings: true
    positional: rope
    biases: false
    max_context: 64
"""


def test_cli_writes_one_einsum_or_a_layer(tmp_path: Path) -> None:
    code, out, err = _cli(["export", "timeloop", "--workload", "gpt2", "--tokens", "16",
                           "--op", "ffn_down", "--out", str(tmp_path / "one")])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == sorted(
        [*FILES, ".grcim-manifest.json"])
    # 12 x 24 tiles in waves of 2 x 8: 6 reduction rounds, partial sums in SRAM, so
    # Timeloop also writes the 16 x 768 final sums there
    assert "L0.ffn_down: M=16 K=3072 N=768" in out and "mapping NOT exact" in out
    assert "(12288 more SRAM writes)" in out
    models = tmp_path / "toy.yaml"
    models.write_text(TOY)
    code, out, err = _cli(["export", "timeloop", "--models", str(models), "--workload", "toy",
                           "--tokens", "4", "--op", "ffn_up", "--out", str(tmp_path / "toy")])
    assert code == 0, err
    # 4 x 256 x 1024: 1 x 32 tiles, 2 waves of 16, no partial sums: exact
    assert "L0.ffn_up: M=4 K=256 N=1024" in out and "mapping exact" in out
    code, out, err = _cli(["export", "timeloop", "--workload", "gpt2", "--tokens", "16",
                           "--layer", "1", "--out", str(tmp_path / "layer")])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "layer").iterdir()) == [".grcim-manifest.json"] + [
        f"L1.{r}" for r in sorted(("q_proj", "k_proj", "v_proj", "o_proj", "ffn_up",
                                   "ffn_down"))]
    assert "mapping NOT exact" in out and "(its loop factors must divide N)" in out


@pytest.mark.parametrize(("args", "needle", "status"), [
    (["export", "accelforge", "--out", "X"], "TOOL = 'accelforge': timeloop", 1),
    (["export", "timeloop"], "--out = '<missing>': required", 1),
    (["export", "timeloop", "--op", "attn_qk", "--out", "X"], "is a dynamic matmul", 1),
    (["export", "timeloop", "--phase", "train", "--out", "X"], "--phase = 'train'", 1),
    (["export", "timeloop", "--arch", "grmac_row", "--out", "X"], "not a macro file", 1),
    (["export", "timeloop", "--layer", "x", "--out", "X"], "--layer = 'x'", 1),
    (["export"], "error: the following arguments are required: TOOL", 2),
])
def test_cli_errors_are_one_line_and_write_nothing(tmp_path: Path, args: list[str],
                                                   needle: str, status: int) -> None:
    args = [str(tmp_path / a) if a == "X" else a for a in args]
    code, out, err = _cli(args)
    assert code == status and len(err.strip().splitlines()) == 1, err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "X").exists()


def test_cli_refuses_a_file_as_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("keep")
    code, _, err = _cli(["export", "timeloop", "--op", "q_proj", "--out", str(tmp_path / "f")])
    assert code == 1 and "a directory path (this is a file)" in err
    assert (tmp_path / "f").read_text() == "keep"


def test_exported_architecture_passes_grcim_validate(tmp_path: Path, wave: Any) -> None:
    """Components priced by grcim's models carry their attributes (text quoted), so
    ``grcim validate`` checks the exported file like any Accelergy-format architecture."""
    path = tmp_path / "arch.yaml"
    path.write_text(wave.files["arch.yaml"])
    code, out, err = _cli(["validate", str(path)])
    # the tolls are Timeloop storage levels of converter classes without write or update:
    # Accelergy cannot price them, the export's ERT.yaml does (one warning each, exit 0)
    assert code == 0
    warned = err.strip().splitlines()
    assert [w.split(": ")[3].split(".")[0] for w in warned] == ["ADC", "GainRangingStage",
                                                                 "DAC"]
    assert all("priced only through an ERT" in w and "ERT.yaml" in w for w in warned)
    assert "grcim: grcim_adc, gain_ranging_stage, cim_dac, gr_mac" in out
    by = {n["name"]: n for n in _doc(wave, "arch.yaml")["architecture"]["nodes"]}
    assert by["DAC"]["attributes"]["n_bits"] == 5 and by["DAC"]["attributes"]["n_dacs"] == 64
    assert '      include_terms: "mac,array,gain_stage,digital"' in wave.files["arch.yaml"]
    assert "cycle_period" not in by["MAC"]["attributes"]  # not an attribute of gr_mac


def test_a_bias_is_not_part_of_the_exported_einsum() -> None:
    # a biased projection's weights are k x n + n: the bias vector's DRAM read made grcim's
    # comparable energy 37.9 nJ above Timeloop's (tiny model, ffn_up), mapping "exact"
    from dataclasses import replace as dc_replace

    from grcim.export.einsum import isolated_mapping

    plain = einsum(4, 512, 1024)
    biased = Einsum(dc_replace(plain.op, weight_elements=512 * 1024 + 1024,
                               vector_ops=4 * 1024))
    a, b = isolated_mapping(EDGE, plain), isolated_mapping(EDGE, biased)
    assert b.energy_j == pytest.approx(a.energy_j, rel=1e-12)
    assert b.dram_bytes == a.dram_bytes and b.latency_s == pytest.approx(a.latency_s)
