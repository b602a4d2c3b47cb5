"""Vector-unit recipes agree with the workload's counts; comparisons divide by the baseline."""

from __future__ import annotations

import networkx as nx
import pytest

from grcim.errors import MappingError
from grcim.mapper import MapOptions, compare_archs, map_graph
from grcim.mapper.vector_ops import OP_MIX
from grcim.workloads import Op, OpKind
from grcim.workloads.ops import VECTOR_OPS_PER_ELEMENT


def test_recipes_sum_to_the_workload_counts():
    # softmax 5, layernorm 7, rmsnorm 4, gelu 9, relu 1, silu 3, rope 3, add 1, mul 1
    assert set(OP_MIX) == set(VECTOR_OPS_PER_ELEMENT)
    for name, recipe in OP_MIX.items():
        assert sum(recipe) == VECTOR_OPS_PER_ELEMENT[name], name


def test_vector_energy_by_hand(tiny_arch):
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=1, context=1,
                   weight_bits=8, act_bits=8)
    # a softmax over 10 scores: 30 adds, 10 muls, 10 exps at 1, 2, 4 pJ
    g.add_node("sm", op=Op("sm", OpKind.SOFTMAX, "softmax", 0, elements=10, vector_ops=50,
                           input_elements=10, output_elements=10))
    r = map_graph(tiny_arch(), g)
    assert r.actions["VectorUnit.add"] == 30 and r.actions["VectorUnit.exp"] == 10
    assert r.energy_by_component_j["VectorUnit"] == pytest.approx((30 + 20 + 40) * 1e-12)
    assert r.resource_time_s["vector"] == pytest.approx(50 / 1e9)


@pytest.fixture
def three_chips(tiny_arch_file):
    # everything but DRAM made so fast that a decode step's time is its DRAM time to 1e-4
    fast = dict(vector_ops=1e15, sram_bw=1e15, adc_rate_hz=1e12,
                weight_write_latency_per_row_s=0.0)
    base = tiny_arch_file("base", **fast)
    costly = tiny_arch_file("costly_dram", dram_pj=20.0, **fast)  # twice the DRAM energy
    slow = tiny_arch_file("slow_dram", dram_bw=0.5e9, **fast)  # half the DRAM bandwidth
    return [str(base), str(costly), str(slow)]


def test_compare_ratios(three_chips, tiny_models_file):
    c = compare_archs(three_chips, None, ("decode",), context=16,
                      options=MapOptions(replicate=False), models_file=str(tiny_models_file))
    assert c.baseline == "base" and c.archs == ("base", "costly_dram", "slow_dram")
    base = c.result("base", "decode")
    costly = c.result("costly_dram", "decode")
    slow = c.result("slow_dram", "decode")
    assert base.workload == "tiny-llama"
    assert c.ratio("base", "decode", "energy_j") == 1.0
    # identical schedules; only the DRAM energy doubles
    assert costly.energy_by_component_j["DRAM"] == pytest.approx(
        2 * base.energy_by_component_j["DRAM"])
    expected = (base.energy_j + base.energy_by_component_j["DRAM"]) / base.energy_j
    assert c.ratio("costly_dram", "decode", "energy_j") == pytest.approx(expected)
    # the step is DRAM time only, so half the bandwidth doubles the latency
    assert slow.latency_s == pytest.approx(slow.resource_time_s["dram"], rel=1e-4)
    assert c.ratio("slow_dram", "decode", "latency_s") == pytest.approx(2.0, rel=1e-4)
    rows = c.rows()
    assert [r["arch"] for r in rows] == list(c.archs)
    assert rows[2]["latency_s_ratio"] == pytest.approx(2.0, rel=1e-4)
    assert rows[1]["energy_j_ratio"] == pytest.approx(expected)
    assert all(not r.ops for r in c.results)  # comparisons keep no per-op records


def test_compare_both_phases_orders_results(three_chips, tiny_models_file):
    c = compare_archs(three_chips[:2], None, ("prefill", "decode"), tokens=8,
                      models_file=str(tiny_models_file))
    assert [(r.phase, r.arch) for r in c.results] == [
        ("prefill", "base"), ("prefill", "costly_dram"),
        ("decode", "base"), ("decode", "costly_dram")]
    assert c.result("base", "prefill").tokens == 8
    assert c.result("base", "decode").tokens == 1


def test_compare_refuses_duplicates(three_chips):
    with pytest.raises(MappingError, match="each arch needs a distinct name"):
        compare_archs([three_chips[0], three_chips[0]], phases=("decode",))


def test_a_comparison_says_which_step_it_measured() -> None:
    # comparison.csv and .md recorded no batch, tokens or context, although compare applies
    # --context to prefill too (map does not)
    from grcim.mapper import compare_archs
    from grcim.report.markdown import comparison_sections

    c = compare_archs(["edge_grmac", "edge_int8"], "gpt2", batch=2, tokens=8, context=64)
    rows = c.rows()
    assert {(r["phase"], r["batch"], r["tokens"], r["context"]) for r in rows} == {
        ("prefill", 2, 8, 64), ("decode", 2, 1, 64)}
    cells = [row for s in comparison_sections(c) for row in s.rows
             if row and row[0].startswith("batch x")]
    assert cells and cells[0][1:] == ("2 x 8, 64", "2 x 8, 64")
