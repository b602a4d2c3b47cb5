"""Operator graph structure and hand-derived MAC / byte formulas on tiny configs."""

from __future__ import annotations

import networkx as nx
import pytest

from grcim.errors import GrcimError, ModelDomainError
from grcim.workloads import ModelConfig, OpKind, build_graph, graph_totals

LLAMA_LAYER_ROLES = sorted([
    "norm", "q_proj", "k_proj", "v_proj", "rope", "rope", "attn_qk", "softmax", "attn_pv",
    "o_proj", "residual", "norm", "ffn_gate", "ffn_up", "act", "gate_mul", "ffn_down",
    "residual",
])
GPT_LAYER_ROLES = sorted([
    "norm", "q_proj", "k_proj", "v_proj", "attn_qk", "softmax", "attn_pv", "o_proj",
    "residual", "norm", "ffn_up", "act", "ffn_down", "residual",
])


def ops_of(graph):
    return [graph.nodes[n]["op"] for n in graph]


def op(graph, name):
    return graph.nodes[name]["op"]


@pytest.mark.parametrize("phase", ["prefill", "decode"])
def test_graph_is_a_dag_with_expected_ops_per_layer(tiny_gqa, tiny_gpt, phase):
    for config, roles, extra in ((tiny_gqa, LLAMA_LAYER_ROLES, 3),  # embedding, norm, head
                                 (tiny_gpt, GPT_LAYER_ROLES, 5)):  # + pos table, add
        g = build_graph(config, phase, batch=2, tokens=4 if phase == "prefill" else None,
                        context=8)
        assert nx.is_directed_acyclic_graph(g)
        assert g.number_of_nodes() == 2 * len(roles) + extra
        for layer in (0, 1):
            got = sorted(o.role for o in ops_of(g) if o.layer == layer)
            assert got == roles
        # one source (token embedding, plus the position table for GPT) and one sink
        sinks = [n for n in g if g.out_degree(n) == 0]
        assert sinks == ["lm_head"]
        assert list(nx.topological_sort(g))[-1] == "lm_head"
        assert g.graph["phase"] == phase and g.graph["model"] == config.name


def test_insertion_order_is_topological(tiny_gqa):
    g = build_graph(tiny_gqa, "prefill", tokens=4)
    position = {n: i for i, n in enumerate(g)}
    assert all(position[u] < position[v] for u, v in g.edges)


def test_edges_follow_the_dataflow(tiny_gqa):
    g = build_graph(tiny_gqa, "prefill", tokens=4)
    assert set(g.predecessors("L0.attn_qk")) == {"L0.rope_q", "L0.rope_k"}
    assert set(g.predecessors("L0.attn_pv")) == {"L0.softmax", "L0.v_proj"}
    assert set(g.predecessors("L0.ffn_mul")) == {"L0.act", "L0.ffn_up"}
    assert set(g.predecessors("L1.attn_residual")) == {"L1.o_proj", "L0.ffn_residual"}
    assert set(g.predecessors("L1.attn_norm")) == {"L0.ffn_residual"}


def test_weight_matmul_shapes_and_gqa(tiny_gqa):
    b, t = 2, 4
    g = build_graph(tiny_gqa, "prefill", batch=b, tokens=t)
    q, k, v = op(g, "L0.q_proj"), op(g, "L0.k_proj"), op(g, "L0.v_proj")
    assert (q.m, q.k, q.n, q.macs) == (b * t, 16, 16, b * t * 16 * 16)
    # GQA: 2 KV heads of 4 -> K and V have 8 outputs, half of Q's 16
    assert (k.n, v.n) == (8, 8)
    assert k.weight_elements == 16 * 8 and k.macs == b * t * 16 * 8
    mha = build_graph(tiny_gqa.model_copy(update={"n_kv_heads": 4}), "prefill", batch=b,
                      tokens=t)
    assert op(mha, "L0.k_proj").macs == 2 * k.macs
    assert op(mha, "L0.attn_qk").kv_read_elements == 2 * op(g, "L0.attn_qk").kv_read_elements
    # the attention MACs themselves do not change with grouping (queries still 4 heads)
    assert op(mha, "L0.attn_qk").macs == op(g, "L0.attn_qk").macs


def test_prefill_attention_macs_causal_closed_form(tiny_gqa):
    b, heads, hd = 3, 4, 4
    for t in (1, 2, 5, 16):
        g = build_graph(tiny_gqa, "prefill", batch=b, tokens=t)
        expected = b * heads * hd * t * (t + 1) // 2  # query i sees i+1 keys
        qk, pv = op(g, "L0.attn_qk"), op(g, "L0.attn_pv")
        assert qk.macs == pv.macs == expected
        assert qk.causal and pv.causal
        assert op(g, "L0.softmax").elements == b * heads * t * (t + 1) // 2
        assert graph_totals(g)["attention_macs"] == 2 * 2 * expected  # 2 layers, QK + PV


def test_prefill_attention_is_quadratic_and_decode_linear(tiny_gqa):
    def attn(phase, **kw):
        return graph_totals(build_graph(tiny_gqa, phase, **kw))["attention_macs"]

    # prefill: T(T+1)/2 -> ratio (2T(2T+1))/(T(T+1)) -> 4 for large T
    assert attn("prefill", tokens=32) / attn("prefill", tokens=16) == pytest.approx(
        (32 * 33) / (16 * 17))
    # decode at context L: the new token attends L keys (L includes itself)
    for length in (1, 7, 20, 64):
        assert attn("decode", context=length) == 2 * 2 * 4 * 4 * length
    assert attn("decode", context=40) == 2 * attn("decode", context=20)


def test_chunked_prefill_attends_cached_prefix(tiny_gqa):
    # 4 new tokens after 6 cached: query i sees 6 + i + 1 keys -> 4*6 + 4*5/2 = 34 per head
    g = build_graph(tiny_gqa, "prefill", tokens=4, context=10)
    assert op(g, "L0.attn_qk").macs == 4 * 4 * 34
    assert g.graph["past_tokens"] == 6
    # decode is the same rule with one new token
    d = build_graph(tiny_gqa, "decode", context=10)
    assert op(d, "L0.attn_qk").macs == 4 * 4 * 10


def test_kv_cache_bytes(tiny_gqa):
    b, t, kv_bits = 2, 3, 4
    g = build_graph(tiny_gqa, "prefill", batch=b, tokens=t, context=5, kv_bits=kv_bits)
    kv_dim = 2 * 4
    # new K and V written once per layer, 2 layers
    writes = [o for o in ops_of(g) if o.kv_write_elements]
    assert sorted(o.name for o in writes) == ["L0.rope_k", "L0.v_proj", "L1.rope_k",
                                              "L1.v_proj"]
    totals = graph_totals(g)
    assert totals["kv_write_bytes"] == 2 * 2 * b * t * kv_dim * kv_bits / 8
    # every context position of K and V read once per layer
    assert totals["kv_read_bytes"] == 2 * 2 * b * 5 * kv_dim * kv_bits / 8
    assert totals["kv_cache_bytes"] == 2 * 2 * b * 5 * kv_dim * kv_bits / 8


def test_bits_scale_bytes(tiny_gqa):
    g8 = build_graph(tiny_gqa, "decode", context=8)
    g4 = build_graph(tiny_gqa, "decode", context=8, weight_bits=4, act_bits=16)
    q8, q4 = op(g8, "L0.q_proj"), op(g4, "L0.q_proj")
    assert q8.weight_bytes == 16 * 16 and q4.weight_bytes == 16 * 16 / 2
    assert q4.input_bytes == 2 * q8.input_bytes
    assert graph_totals(g4)["weight_bytes"] == graph_totals(g8)["weight_bytes"] / 2


def test_lm_head_last_token_only_by_default(tiny_gqa):
    g = build_graph(tiny_gqa, "prefill", batch=2, tokens=5)
    assert op(g, "lm_head").m == 2 and op(g, "lm_head").macs == 2 * 16 * 50
    assert op(g, "final_norm").elements == 2 * 16
    g_all = build_graph(tiny_gqa, "prefill", batch=2, tokens=5, lm_head_all_tokens=True)
    assert op(g_all, "lm_head").macs == 2 * 5 * 16 * 50


def test_weight_macs_total_by_hand(tiny_gqa):
    b, t = 2, 3
    per_layer = 16 * 16 + 2 * 16 * 8 + 16 * 16 + 3 * 16 * 24  # q, k+v, o, gate/up/down
    totals = graph_totals(build_graph(tiny_gqa, "prefill", batch=b, tokens=t))
    assert totals["weight_macs"] == b * t * 2 * per_layer + b * 16 * 50
    assert totals["weight_macs_per_token"] == 2 * per_layer + 16 * 50


def test_gpt_style_ops(tiny_gpt):
    b, t = 1, 4
    g = build_graph(tiny_gpt, "prefill", batch=b, tokens=t)
    up = op(g, "L0.ffn_up")
    assert up.weight_elements == 8 * 32 + 32  # bias included
    assert up.vector_ops == b * t * 32  # one bias add per output
    assert op(g, "L0.attn_norm").weight_elements == 2 * 8  # layernorm gain + bias
    assert op(g, "L0.act").vector_ops == b * t * 32 * 9  # gelu, tanh form
    assert op(g, "pos_embedding").kind is OpKind.EMBEDDING
    assert "L0.rope_q" not in g
    assert op(g, "L0.k_proj").kv_write_elements == b * t * 8  # cached straight from k_proj


def test_softmax_and_norm_vector_ops(tiny_gqa):
    g = build_graph(tiny_gqa, "prefill", batch=1, tokens=4)
    assert op(g, "L0.softmax").vector_ops == 5 * 4 * 10  # 4 heads * 10 scores * 5 ops
    assert op(g, "L0.attn_norm").vector_ops == 4 * 16 * 4  # rmsnorm: 4 per element


@pytest.mark.parametrize("kwargs", [
    {"phase": "train"},
    {"phase": "prefill", "batch": 0},
    {"phase": "prefill", "batch": 2**21},
    {"phase": "prefill", "tokens": 65},
    {"phase": "prefill", "tokens": 8, "context": 4},
    {"phase": "decode", "tokens": 2},
    {"phase": "decode", "context": 0},
    {"phase": "decode", "weight_bits": 0},
    {"phase": "decode", "kv_bits": 65},
    {"phase": "decode", "batch": True},
    {"phase": "decode", "batch": 1.5},
])
def test_bad_parameters_raise_one_line_domain_errors(tiny_gqa, kwargs):
    with pytest.raises(ModelDomainError) as info:
        build_graph(tiny_gqa, **kwargs)
    assert isinstance(info.value, GrcimError)
    assert "\n" not in str(info.value)


def test_config_is_frozen(tiny_gqa):
    with pytest.raises(ValueError):
        tiny_gqa.d_model = 3  # type: ignore[misc]
    assert isinstance(tiny_gqa, ModelConfig)
