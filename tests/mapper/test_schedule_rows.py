"""Step latency over token rows: resident ops share only genuinely shared resources, a
pipeline stage is an op's time for ONE token row (its own rows, its copies), and more tokens
or a larger batch never make a step faster or cheaper (default objective, energy; under
latency or edp, what never falls is the objective's own quantity: docs/mapper.md).

Hand cases use the tiny chip (tests/mapper/conftest.py) with DRAM and SRAM fast enough to
vanish: one MVM of a 1-tile op of 4 weights per row takes 4 weights x 2 cells x 2 input
slices = 16 conversions on the 2 ADCs of a row group at 100 MS/s = 80 ns (a second row
group has its own ADCs, so 8 rows of K cost the same).
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from grcim.arch import Arch, load_arch, load_arch_text
from grcim.arch.loader import bundled_path
from grcim.mapper import MapOptions, map_graph, map_workload, step_graph
from grcim.mapper.optable import build_optable
from grcim.mapper.schedule import token_rows
from grcim.workloads import Op, OpKind

FAST = dict(dram_bw=1.0e15, sram_bw=1.0e15)
MVM = 80e-9  # one MVM of a 1-tile op (module docstring)
REL = 1e-6  # DRAM and SRAM at 1e15 B/s add ~1e-14 s


@pytest.fixture(scope="module")
def large_32k() -> Arch:
    """large_grmac with 32768 macros: every weight matrix has more copies than rows."""
    text = Path(bundled_path("large_grmac")).read_text(encoding="utf-8")
    assert "\n    n_macros: 1024\n" in text
    return load_arch_text(text.replace("\n    n_macros: 1024\n", "\n    n_macros: 32768\n"),
                          "<large_grmac, 32768 macros>", "large32k")


# -- hand cases ------------------------------------------------------------------------


@pytest.mark.parametrize("m, expected", [(1, 2 * MVM), (2, 2 * MVM), (4, 2 * MVM),
                                         (5, 2 * MVM + MVM), (8, 2 * MVM + MVM),
                                         (9, 2 * MVM + 2 * MVM)])
def test_copies_covering_the_rows_take_one_row_time(tiny_arch, graph_of, m, expected):
    # Two chained 1-tile ops on 8 macros: 2 tiles held, floor(8 / 2) = 4 copies of each, so
    # an op runs ceil(m / 4) rounds of one MVM. One round is one row's time (lambda = 80 ns),
    # not 80 ns / m: the first row leaves after 2 x 80 ns, then the slowest op runs its
    # remaining ceil(m / 4) - 1 rounds. (The old tau = t_op / m gave 120 ns at m = 2.)
    # Objective energy keeps the weights resident (preloaded copies cost nothing, streaming
    # rewrites the cells); under latency, 5..8 rows stream: 8 copies of each op's tile, one
    # round of 80 ns while its 8 rows are written (80 ns), 160 ns for both.
    g = graph_of(("x", m, 8, 4), ("y", m, 4, 4))
    r = map_graph(tiny_arch(n_macros=8, **FAST), g, MapOptions(objective="energy"))
    fastest = map_graph(tiny_arch(n_macros=8, **FAST), g, MapOptions(objective="latency"))
    assert fastest.latency_s <= r.latency_s * (1 + REL)
    assert fastest.weights_resident == (m not in (5, 8))
    assert r.weights_resident
    if m > 1:
        assert r.pipelined and r.bound == "pipeline"
    assert r.latency_s == pytest.approx(expected, rel=REL)
    assert r.latency_s >= 2 * MVM * (1 - REL)  # never below one row's critical path


def test_an_op_on_fewer_rows_waits_for_the_last_row(tiny_arch, graph_of):
    # x works on 4 token rows (4 MVMs, no copies), "head" on 1 (as an LM head that projects
    # only the last token): the head's one row is 80 ns, not 80 ns / 4, and it needs x's last
    # row: 4 x 80 + 80 = 400 ns. (The old tau = t_op / 4 gave 100 + 3 x 80 = 340 ns.)
    g = graph_of(("x", 4, 8, 4), ("head", 1, 4, 4))
    r = map_graph(tiny_arch(n_macros=8, **FAST), g, MapOptions(replicate=False))
    assert r.pipelined
    assert r.latency_s == pytest.approx(5 * MVM, rel=REL)


def test_resident_ops_side_by_side_do_not_add_their_adc_time(tiny_arch, graph_of):
    # Two independent ops of 4 tiles each on 8 macros: both resident, each owning its 4
    # macros, each 3 rows x 80 ns. Unpipelined they run side by side: 240 ns (the old
    # schedule added their ADC times, 480 ns, as if they shared the macros).
    g = graph_of(("a", 3, 10, 6), ("b", 3, 10, 6), chain=False)
    serial = MapOptions(replicate=False, pipeline=False)
    r = map_graph(tiny_arch(n_macros=8, **FAST), g, serial)
    assert r.weights_resident and not r.pipelined
    assert r.bound == "critical_path"
    assert r.latency_s == pytest.approx(3 * MVM, rel=REL)
    assert r.resource_time_s["adc"] == pytest.approx(2 * 3 * MVM)  # still reported, summed
    # one row each (R = 1, nothing to pipeline): 80 ns, not 160 ns
    one = map_graph(tiny_arch(n_macros=8, **FAST),
                    graph_of(("a", 1, 10, 6), ("b", 1, 10, 6), chain=False),
                    MapOptions(replicate=False))
    assert not one.pipelined and one.latency_s == pytest.approx(MVM, rel=REL)
    # on 4 macros the weights stream: the two ops take every macro in turn
    streamed = map_graph(tiny_arch(n_macros=4, **FAST), g, serial)
    assert not streamed.weights_resident
    assert streamed.latency_s >= 2 * 3 * MVM


@pytest.mark.parametrize("matmul_first", [True, False])
def test_a_resident_matmul_holds_the_vector_unit_only_for_its_bias_adds(tiny_arch,
                                                                       matmul_first):
    # Two independent ops: a resident 8 x 4 matmul with a bias (one MVM, 80 ns, and 4 bias
    # adds, 4 ns at 1 Gop/s) and 100 residual adds (100 ns). The vector unit works 104 ns,
    # nothing else takes longer: the step is 104 ns. Holding the vector unit for the
    # matmul's whole 80 ns serialized them: 180 ns.
    g = nx.DiGraph(model="hand", phase="prefill", batch=1, tokens=1, context=1,
                   weight_bits=8, act_bits=8, kv_bits=8)
    mm = Op("mm", OpKind.WEIGHT_MATMUL, "q_proj", 0, m=1, k=8, n=4, batch_count=1, macs=32,
            weight_elements=32 + 4, input_elements=8, output_elements=4, vector_ops=4)
    add = Op("add", OpKind.ELEMENTWISE, "residual", 0, input_elements=200,
             output_elements=100, elements=100, vector_ops=100)
    for op in (mm, add) if matmul_first else (add, mm):
        g.add_node(op.name, op=op)
    r = map_graph(tiny_arch(**FAST), g, MapOptions())
    assert r.weights_resident
    ops = {o.name: o for o in r.ops}
    assert ops["mm"].latency_s == pytest.approx(MVM, rel=REL)
    assert ops["add"].latency_s == pytest.approx(100e-9, rel=REL)
    assert r.resource_time_s["vector"] == pytest.approx(104e-9, rel=REL)
    assert r.latency_s == pytest.approx(104e-9, rel=REL)


def test_token_rows_of_the_final_norm_and_lm_head():
    # lm_head projects only the last token of each sequence, and the final norm feeding it
    # normalizes only those rows: batch, not batch x tokens.
    arch = load_arch("large_grmac")
    t = build_optable(step_graph(arch, "gpt2", "prefill", batch=2, tokens=3))
    rows = dict(zip(t.names, token_rows(t), strict=True))
    assert rows["lm_head"] == rows["final_norm"] == 2
    assert rows["L0.q_proj"] == rows["L0.attn_qk"] == rows["L0.softmax"] == 6
    assert rows["L0.attn_norm"] == rows["L0.ffn_residual"] == 6


# -- the tester's configurations, small model --------------------------------------------


def _series(arch, models: str, key: str, values, **kw) -> list:
    return [map_workload(arch, "tiny", models_file=models, options=MapOptions(),
                         **{key: v}, **kw) for v in values]


def _assert_never_faster_nor_cheaper(results) -> None:
    one_row = results[0].critical_path_s  # critical path of one token row
    for a, b in zip(results, results[1:], strict=False):
        assert b.latency_s >= a.latency_s * (1 - 1e-12), (a.tokens, a.batch, b.tokens, b.batch)
        assert b.energy_j >= a.energy_j * (1 - 1e-12), (a.tokens, a.batch, b.tokens, b.batch)
    for r in results:
        assert r.latency_s >= one_row * (1 - 1e-12)
        assert r.latency_s >= r.critical_path_s * (1 - 1e-12)


@pytest.mark.parametrize("arch", ["large_grmac", "large32k"])
def test_more_prompt_tokens_never_faster_nor_cheaper(arch, tiny_model, large_32k):
    # tokens 1 -> 4 used to fall from 600 ns to 128 ns on large_grmac, below the 1-token
    # critical path; 6 tokens exceed large_grmac's 5 copies (two MVM rounds)
    chip = large_32k if arch == "large32k" else arch
    results = _series(chip, tiny_model, "tokens", [1, 2, 3, 4, 5, 6, 8, 16], phase="prefill")
    assert all(r.weights_resident for r in results)
    assert [r.pipelined for r in results] == [False] + [True] * 7
    _assert_never_faster_nor_cheaper(results)


@pytest.mark.parametrize("arch", ["large_grmac", "large32k"])
def test_larger_decode_batch_never_faster_nor_cheaper(arch, tiny_model, large_32k):
    # batch 2 used to take 271 ns against 600 ns at batch 1
    chip = large_32k if arch == "large32k" else arch
    results = _series(chip, tiny_model, "batch", [1, 2, 3, 4, 8], phase="decode", context=64)
    assert all(r.weights_resident for r in results)
    _assert_never_faster_nor_cheaper(results)


def test_larger_prefill_batch_never_faster_nor_cheaper(tiny_model):
    results = _series("large_grmac", tiny_model, "batch", [1, 2, 3], phase="prefill", tokens=4)
    _assert_never_faster_nor_cheaper(results)


def test_resident_batch_one_is_not_bound_by_summed_adc_time(tiny_model):
    # Every op owns its macros, so the ops' ADC times do not add up: batch-1 decode is set by
    # the graph (critical path, or the vector unit serializing its ops), not resource:adc.
    r = map_workload("large_grmac", "tiny", models_file=tiny_model, phase="decode",
                     context=64, options=MapOptions())
    assert r.weights_resident and not r.pipelined
    assert r.bound in ("critical_path", "serialized")
    assert r.latency_s < r.resource_time_s["adc"]


def test_attention_in_cim_never_faster_with_more_prompt_tokens(tiny_model):
    # QK^T and PV in CIM with K/V outside the macros: a causal mask scaled PV's one MVM round
    # at 2 tokens to 0.75 of a round (slots x density), so 2 tokens ran ~2 % faster than 1
    text = Path(bundled_path("large_grmac")).read_text(encoding="utf-8")
    old = 'dynamic_matmul_unit: "vector_unit"'
    assert old in text
    chip = load_arch_text(text.replace(old, 'dynamic_matmul_unit: "cim"'),
                          "<large_grmac, attention in CIM>", "large_cim_attention")
    results = _series(chip, tiny_model, "tokens", [1, 2, 3, 4, 8], phase="prefill")
    _assert_never_faster_nor_cheaper(results)


def test_longer_context_never_faster_nor_cheaper_with_attention_in_cim():
    # gpt2 decode with weights resident on 16384 macros, QK^T/PV in CIM streaming K^T and
    # V through the rest. At context 257, V (257 x 64 per head) takes a second row tile of
    # one row: the old weight-write time averaged 12 x 2 x 257 rows over 48 macros (128.5
    # rows) where the first tile's macro writes 256, and the step fell from 10.45 us /
    # 0.712 mJ at 256 to 7.39 us / 0.555 mJ (energy too: the leakage over the shorter step).
    text = Path(bundled_path("large_grmac")).read_text(encoding="utf-8")
    old_p, old_d = "\n    n_macros: 1024\n", 'dynamic_matmul_unit: "vector_unit"'
    assert old_p in text and old_d in text
    chip = load_arch_text(text.replace(old_p, "\n    n_macros: 16384\n").replace(
        old_d, 'dynamic_matmul_unit: "cim"'), "<large_grmac 16384, attention in CIM>",
        "cim16k")
    results = [map_workload(chip, "gpt2", phase="decode", context=c)
               for c in (255, 256, 257, 258, 320, 512, 513)]
    assert all(r.weights_resident for r in results)
    for a, b in zip(results, results[1:], strict=False):
        assert b.latency_s >= a.latency_s * (1 - 1e-12), (a.context, b.context)
        assert b.energy_j >= a.energy_j * (1 - 1e-12), (a.context, b.context)


def test_bias_adds_lengthen_a_resident_step_by_at_most_their_own_time(tmp_path):
    # gpt2 decode, weights resident on 16384 macros: its 82,944 bias adds take 40.5 ns on
    # the vector unit. They may delay the step by at most that; holding the vector unit
    # for each projection's ADC time made it 21.95 us against 20.99 us without biases.
    from grcim.resources import bundled

    text = bundled("grcim.workloads", "models.yaml").read_text(encoding="utf-8")
    assert "    biases: true" in text
    no_bias = tmp_path / "models_no_bias.yaml"
    no_bias.write_text(text.replace("    biases: true", "    biases: false"), encoding="utf-8")
    big = Path(bundled_path("large_grmac")).read_text(encoding="utf-8")
    assert "\n    n_macros: 1024\n" in big
    chip = load_arch_text(big.replace("\n    n_macros: 1024\n", "\n    n_macros: 16384\n"),
                          "<large_grmac, 16384 macros>", "large16k")
    biased = map_workload(chip, "gpt2", phase="decode")
    plain = map_workload(chip, "gpt2", phase="decode", models_file=str(no_bias))
    assert biased.weights_resident and plain.weights_resident
    bias_s = (biased.vector_ops - plain.vector_ops) / biased.peak_vector_ops_per_s
    assert biased.vector_ops - plain.vector_ops == 82_944
    assert plain.latency_s <= biased.latency_s <= (plain.latency_s + bias_s) * (1 + 1e-12)


@pytest.mark.parametrize("options", [MapOptions(objective="latency"), MapOptions(objective="edp"),
                                     MapOptions(replicate=False)],
                         ids=["latency", "edp", "no-replicate"])
def test_causal_attention_in_cim_takes_whole_mvm_rounds(tiny_model, options):
    # edge_int8 with QK^T/PV in CIM and the KV cache in SRAM (weights stream). PV's waves
    # ran density x rounds MVMs: 2 rounds x 0.667 at 3 tokens, 2 x 0.625 at 4, so 4 prompt
    # tokens finished sooner than 3 under the latency objective (29.4423 -> 29.4386 us).
    # A macro runs whole MVMs: the latency never falls as the prompt grows (docs/mapper.md).
    text = Path(bundled_path("edge_int8")).read_text(encoding="utf-8")
    edits = {'kv_cache_placement: "dram"': 'kv_cache_placement: "sram"',
             'dynamic_matmul_unit: "vector_unit"': 'dynamic_matmul_unit: "cim"'}
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    chip = load_arch_text(text, "<edge_int8, attention in CIM, KV in SRAM>", "int8dyn")
    # What never falls is the quantity the objective minimizes (docs/mapper.md, mapping
    # search): under edp the latency alone may fall when a larger step trades energy for it.
    results = [map_workload(chip, "tiny", models_file=tiny_model, phase="prefill", tokens=n,
                            options=options) for n in range(1, 9)]
    kept = {"latency": lambda r: (r.latency_s,), "edp": lambda r: (r.latency_s * r.energy_j,),
            "energy": lambda r: (r.latency_s, r.energy_j)}[options.objective]
    for a, b in zip(results, results[1:], strict=False):
        for before, after in zip(kept(a), kept(b), strict=True):
            assert after >= before * (1 - 1e-12), (a.tokens, b.tokens)


@pytest.mark.parametrize("phase, tokens, context, k_rows, v_rows", [
    ("decode", 1, 20, 4, 1),      # one new key column, one new value row
    ("prefill", 10, 10, 4, 8),    # 10 values at positions 0..9: 8 in the first row tile
    ("prefill", 13, 13, 4, 8),    # 0..12: 8 + 5
    ("prefill", 3, 3, 4, 3),      # 0..2, one tile
    ("decode", 1, 4, 4, 1),       # context = head_dim: K^T and V both 4 x 4
])
def test_kv_writes_into_cim_take_the_rows_their_layout_touches(tiny_arch, tiny_llama,
                                                                phase, tokens, context,
                                                                k_rows, v_rows):
    # tiny-llama (2 KV heads of head_dim 4) with its KV cache in the tiny chip's 8-row
    # macros, 10 ns per row write. A new key is a column of K^T (4 x context): each of its
    # 4 rows gets a cell, however many tokens are new. A new value is a row of V
    # (context x 4): the busiest row tile holds min(8, new positions in it) of them. Heads
    # and sequences are other macros, written in parallel. Packing the new bits densely
    # (8 values x 8 bits = 2 rows of 8 cells x 4 bits per token) gave 2 rows per token.
    from grcim.mapper import MapOptions as Options
    from grcim.mapper.mapping import plan_and_map
    from grcim.mapper.schedule import RESOURCES
    from grcim.workloads import build_graph

    arch = tiny_arch(n_macros=256, kv="cim", dyn="cim", **FAST)
    g = build_graph(tiny_llama, phase, tokens=tokens, context=context)
    plan, _ = plan_and_map(arch, g, Options())
    ww = plan.sched.busy_s[:, RESOURCES.index("weight_write")]
    busy = dict(zip(plan.t.names, ww, strict=True))
    assert plan.alloc.resident and plan.nest.cell_rows_written.sum() == 0  # preloaded
    for layer in (0, 1):
        assert busy[f"L{layer}.rope_k"] == pytest.approx(k_rows * 1e-8)
        assert busy[f"L{layer}.v_proj"] == pytest.approx(v_rows * 1e-8)


KV_CIM = dict(n_macros=400, kv="cim", dyn="cim", dram_bw=1.0e12, vector_ops=1.0e13,
              weight_write_latency_per_row_s=1.0e-7)
"""The tiny chip holding tiny-llama's weights and KV cache, with cell writes slow enough
(100 ns per row) to set the pipeline's stage times."""


@pytest.mark.parametrize("phase, key, values", [("decode", "batch", (1, 2, 4)),
                                                ("prefill", "tokens", (1, 4))])
def test_kv_writes_into_cim_never_make_more_rows_faster(tiny_arch, tiny_llama, phase, key,
                                                         values):
    # Every sequence writes its own K/V tiles, and one write per row takes all the new keys
    # of a sequence: the step's KV row writes do not grow with the batch. Dividing them by
    # the token rows for the pipelined stage time made decode at batch 2 / 4 faster than
    # at batch 1 (2.16 -> 1.96 -> 1.86 us) and a 4-token prompt faster than 1 token (1.92
    # -> 1.62 us). One token row still writes its own key: a column of K^T, one cell in
    # each of min(head_dim 4, R 8) = 4 rows, 4 x 100 ns.
    from grcim.mapper.mapping import plan_and_map
    from grcim.workloads import build_graph

    arch = tiny_arch(**KV_CIM)
    kw = dict(context=9) if phase == "decode" else {}
    latency = []
    for v in values:
        g = build_graph(tiny_llama, phase, **({key: v} | kw))
        plan, r = plan_and_map(arch, g, MapOptions())
        assert r.weights_resident and r.pipelined == (v > 1)
        latency.append(r.latency_s)
        stage = dict(zip(plan.t.names, plan.sched.row_latency_s, strict=True))
        for layer in (0, 1):
            assert stage[f"L{layer}.rope_k"] >= 4 * 1.0e-7 * (1 - REL)
    assert latency == sorted(latency), latency
