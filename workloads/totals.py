"""Whole-model roll-ups: parameter counts and the totals of an operator graph.

Counts are exact integers; byte totals are ``elements * bits / 8`` (floats, SI bytes).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from .config import ModelConfig
from .ops import Op, OpKind

__all__ = ["parameter_breakdown", "parameter_count", "graph_totals", "kv_cache_elements"]


def parameter_breakdown(config: ModelConfig) -> dict[str, int]:
    """Parameters per group, from the shapes alone.

    Returns
    -------
    dict[str, int]
        ``token_embedding`` (vocab·d), ``position_embedding`` (rows·d when learned),
        ``attention`` (Q, K, V, O matrices over all layers), ``ffn`` (2 or 3 matrices over
        all layers), ``biases`` (Q, K, V, O and FFN bias vectors), ``norms`` (two per layer
        plus the final one; layernorm 2·d each, rmsnorm d), ``lm_head`` (vocab·d, 0 when
        tied to the token embedding, which is then counted once).
    """
    c = config
    d, layers = c.d_model, c.n_layers
    attention = layers * (2 * d * c.q_dim + 2 * d * c.kv_dim)
    matrices = 3 if c.ffn == "swiglu" else 2
    ffn = layers * matrices * d * c.d_ff
    biases = 0
    if c.biases:  # per layer: q, k, v, o outputs; FFN hidden outputs (gate and up) and d_model
        biases = layers * (c.q_dim + 2 * c.kv_dim + d + (matrices - 1) * c.d_ff + d)
    per_norm = 2 * d if c.norm == "layernorm" else d
    return {
        "token_embedding": c.vocab * d,
        "position_embedding": c.position_rows * d,
        "attention": attention,
        "ffn": ffn,
        "biases": biases,
        "norms": (2 * layers + 1) * per_norm,
        "lm_head": 0 if c.tied_embeddings else c.vocab * d,
    }


def parameter_count(config: ModelConfig) -> int:
    """Total parameters of the model (embeddings, norms and biases included, ties once)."""
    return sum(parameter_breakdown(config).values())


def kv_cache_elements(config: ModelConfig, batch: int, context: int) -> int:
    """Elements held in the KV cache: ``2 * n_layers * batch * context * n_kv_heads*head_dim``."""
    return 2 * config.n_layers * batch * context * config.kv_dim


def graph_totals(graph: nx.DiGraph) -> dict[str, Any]:
    """Totals of a graph built by :func:`grcim.workloads.build_graph`.

    Returns
    -------
    dict[str, Any]
        ``model``, ``phase``, ``batch``, ``tokens``, ``context``;
        ``parameters`` (model parameter count);
        ``weight_macs_per_token`` (MACs one token spends in all weight matmuls, LM head
        included: the sum of k·n over them);
        ``weight_macs``, ``attention_macs`` (QK^T + PV), ``total_macs`` of this step;
        ``ops`` (nodes), ``matmul_ops``, ``vector_ops`` (scalar vector operations);
        ``weight_bytes`` (storage of all parameters at ``weight_bits``),
        ``weight_read_bytes`` (weights the ops read), ``kv_cache_bytes`` (cache size after
        the step), ``kv_read_bytes``, ``kv_write_bytes``, ``activation_read_bytes``,
        ``activation_write_bytes``.
    """
    attrs = graph.graph
    config: ModelConfig = attrs["config"]
    per_token = weight_macs = attention_macs = vector_ops = matmuls = 0
    weight_read = kv_read = kv_write = act_read = act_write = 0.0
    op: Op
    # types-networkx types nodes(data="op") as yielding the whole attribute dict; it yields
    # the attribute's value
    for _, op in graph.nodes(data="op"):  # type: ignore[assignment]
        if op.kind is OpKind.WEIGHT_MATMUL:
            per_token += op.k * op.n
            weight_macs += op.macs
            matmuls += 1
        elif op.kind is OpKind.DYNAMIC_MATMUL:
            attention_macs += op.macs
            matmuls += 1
        vector_ops += op.vector_ops
        weight_read += op.weight_bytes
        kv_read += op.kv_read_bytes
        kv_write += op.kv_write_bytes
        act_read += op.input_bytes
        act_write += op.output_bytes
    parameters = parameter_count(config)
    kv_elements = kv_cache_elements(config, attrs["batch"], attrs["context"])
    return {
        "model": attrs["model"],
        "phase": attrs["phase"],
        "batch": attrs["batch"],
        "tokens": attrs["tokens"],
        "context": attrs["context"],
        "weight_bits": attrs["weight_bits"],
        "act_bits": attrs["act_bits"],
        "kv_bits": attrs["kv_bits"],
        "parameters": parameters,
        "weight_macs_per_token": per_token,
        "weight_macs": weight_macs,
        "attention_macs": attention_macs,
        "total_macs": weight_macs + attention_macs,
        "ops": graph.number_of_nodes(),
        "matmul_ops": matmuls,
        "vector_ops": vector_ops,
        "weight_bytes": parameters * attrs["weight_bits"] / 8,
        "weight_read_bytes": weight_read,
        "kv_cache_bytes": kv_elements * attrs["kv_bits"] / 8,
        "kv_read_bytes": kv_read,
        "kv_write_bytes": kv_write,
        "activation_read_bytes": act_read,
        "activation_write_bytes": act_write,
    }
