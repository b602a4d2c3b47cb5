"""Parameter counts and per-token weight MACs against published model sizes.

References (independent of grcim): the published totals listed in
/work/shared/reference/numbers.md (GPT-2 124 M, Llama-2-7B 6.74 B, Llama-3-8B 8.03 B,
Llama-3-70B 70.6 B) and hand arithmetic from each config.json's shapes.
"""

from __future__ import annotations

import pytest

from grcim.workloads import build_graph, graph_totals, load_model_configs, parameter_count

PUBLISHED = {  # model -> published parameter count
    "gpt2": 124e6,  # includes the (tied) token embedding and the 1024-row position table
    "llama2-7b": 6.74e9,
    "llama3-8b": 8.03e9,
    "llama3-70b": 70.6e9,
}


@pytest.fixture(scope="module")
def configs():
    return load_model_configs()


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_parameter_count_matches_published_within_1_percent(configs, name):
    count = parameter_count(configs[name])
    assert count == pytest.approx(PUBLISHED[name], rel=0.01)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_weight_macs_per_token_match_published_size(configs, name):
    # A token multiplies every weight matrix once (LM head included) but only looks up
    # one row of each embedding table, so per-token MACs ~ published parameters minus the
    # lookup tables (norm gains and biases are < 0.2 % and stay inside the tolerance).
    c = configs[name]
    lookup = c.vocab * c.d_model * (0 if c.tied_embeddings else 1)
    lookup += (1024 * 768) if name == "gpt2" else 0  # GPT-2's learned position table
    totals = graph_totals(build_graph(c, "decode", context=16))
    assert totals["weight_macs_per_token"] == pytest.approx(PUBLISHED[name] - lookup, rel=0.01)


def test_llama3_8b_parameter_count_by_hand(configs):
    # config.json: hidden 4096, 32 heads, 8 KV heads of 128, intermediate 14336,
    # 32 layers, vocab 128256, untied embeddings, RMSNorm, no biases.
    attention = 4096 * 4096 * 2 + 4096 * 1024 * 2  # Q and O square; K and V 4096 x 1024
    ffn = 3 * 4096 * 14336
    norms = 2 * 4096
    layers = 32 * (attention + ffn + norms)
    total = layers + 4096 + 2 * 128256 * 4096  # final norm, embedding and LM head
    assert total == 8_030_261_248
    assert parameter_count(configs["llama3-8b"]) == total


def test_gpt2_parameter_count_by_hand(configs):
    # 124,439,808 is the count reported for the released GPT-2 small checkpoint.
    d, ff, layers = 768, 3072, 12
    layer = 4 * d * d + 4 * d + 2 * d * ff + ff + d + 2 * 2 * d  # attn+bias, mlp+bias, 2 LN
    total = 50257 * d + 1024 * d + layers * layer + 2 * d
    assert total == 124_439_808
    assert parameter_count(configs["gpt2"]) == total


def test_tied_embeddings_counted_once(configs):
    gpt2 = configs["gpt2"]
    untied = gpt2.model_copy(update={"tied_embeddings": False})
    assert parameter_count(untied) - parameter_count(gpt2) == 50257 * 768


def test_gqa_parameter_saving(configs):
    # Llama-2-70B and Llama-3-70B differ only in vocabulary: the difference is 2 tables.
    diff = parameter_count(configs["llama3-70b"]) - parameter_count(configs["llama2-70b"])
    assert diff == 2 * (128256 - 32000) * 8192


def test_opt_position_table_has_two_extra_rows(configs):
    opt = configs["opt-6.7b"]
    assert opt.position_rows == 2050
    assert parameter_count(opt) == pytest.approx(6.7e9, rel=0.01)
