"""Export an operator graph as an AccelForge einsum-cascade workload (YAML).

The output follows the workload files shipped with AccelForge (``gpt3_6.7B.yaml``,
``gpt3_6.7B_kv_cache.yaml``): a ``workload`` with ``rank_sizes``, ``bits_per_value`` and a
list of einsum strings, plus the same default ``renames`` block. Differences, all on purpose:

- Grouped-query attention: the query-head rank is split into ``G`` (KV heads) and ``R``
  (query heads per KV head), so K and V are shared within a group (``R`` is omitted when
  there is no grouping).
- The causal mask is an ``iteration_space_shape`` constraint ``p <= m + past`` on QK,
  its softmax and AV, so AccelForge counts exactly the MACs of the grcim graph.
- With cached positions (decode, or prefill after a prefix) K and V are workload inputs
  ``K[b, p, g, e]`` over all ``context`` positions, and the new ``K_new``/``V_new`` are
  outputs, as in AccelForge's KV-cache example.
- SwiGLU's gate multiply is an einsum ``FM = FG * FU`` so the down projection reads its
  real input. Norms, RoPE, activations and residual adds have no einsum (AccelForge does not
  model them); the FFN reads the output projection, as in the shipped examples.
- The first projection reads a copy einsum ``I = I_in`` so its input counts as an
  intermediate (AccelForge's convention).

AccelForge evaluates strings in workload files as Python expressions; every value written
here is a plain number or an einsum / ISL string that grcim generated itself.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import yaml

from grcim.errors import ModelDomainError

from .config import ModelConfig

__all__ = ["einsum_workload", "einsum_yaml", "DEFAULT_RENAMES"]

DEFAULT_RENAMES: dict[str, Any] = {
    "einsums": [{
        "name": "default",
        "tensor_accesses": [
            {"name": "input", "source": "Inputs & Intermediates if len(All) == 3 else Inputs",
             "expected_count": 1},
            {"name": "output", "source": "Outputs", "expected_count": 1},
            {"name": "weight", "source": "~(input | output)",
             "expected_count": "1 if len(All) == 3 else 0"},
        ],
    }]
}
"""AccelForge's canonical input/output/weight renames, as in its shipped workloads."""


class _Layer:
    """Einsum strings for one decoder layer (tensor names prefixed by ``prefix``)."""

    def __init__(self, c: ModelConfig, prefix: str, past: int, tokens: int,
                 bits: dict[str, int]) -> None:
        self.c, self.p, self.past, self.tokens, self.bits = c, prefix, past, tokens, bits
        grouped = c.n_kv_heads != c.n_heads
        self.qh = "g, r" if grouped else "g"  # query-head indices
        self.causal = [f"p <= m + {past}" if past else "p <= m"] if tokens > 1 else []

    def _w(self, einsum: str, weight: str) -> dict[str, Any]:
        return {"einsum": einsum,
                "tensor_accesses": [{"name": weight, "bits_per_value": self.bits["weight"]}]}

    def einsums(self, x: str) -> tuple[list[Any], str]:
        p, qh, kvb = self.p, self.qh, self.bits["kv"]
        cached = self.past > 0
        k_out, v_out = (f"{p}K_new", f"{p}V_new") if cached else (f"{p}K", f"{p}V")
        k_in = f"{p}K[b, p, g, e]" if cached else f"{p}K[b, M: p, g, e]"
        v_in = f"{p}V[b, p, g, f]" if cached else f"{p}V[b, M: p, g, f]"
        out: list[Any] = [
            self._w(f"{p}Q[b, m, {qh}, e] = {x}[b, m, d] * {p}WQ[{qh}, e, d]", f"{p}WQ"),
        ]
        for out_name, w, e in ((k_out, "WK", "e"), (v_out, "WV", "f")):
            entry = self._w(f"{out_name}[b, m, g, {e}] = {x}[b, m, d] * {p}{w}[g, {e}, d]",
                            f"{p}{w}")
            entry["tensor_accesses"].append({"name": out_name, "bits_per_value": kvb})
            out.append(entry)
        for tensor, einsum, first in (
            (f"{p}K", f"{p}QK[b, m, p, {qh}] = {p}Q[b, m, {qh}, e] * {k_in}", f"{p}Q"),
            (None, f"{p}QK_softmax[b, m, p, {qh}] = {p}QK[b, m, p, {qh}]", None),
            (f"{p}V", f"{p}AV[b, m, {qh}, f] = {p}QK_softmax[b, m, p, {qh}] * {v_in}",
             f"{p}QK_softmax"),
        ):
            entry = {"einsum": einsum}  # dict[str, Any], as above
            if first is not None:
                entry["renames"] = {"input": first}
            if self.causal:
                entry["iteration_space_shape"] = list(self.causal)
            if tensor is not None:  # the prefill K/V written above must keep kv bits
                entry["tensor_accesses"] = [{"name": tensor, "bits_per_value": kvb}]
            out.append(entry)
        out.append(self._w(f"{p}Z[b, m, d] = {p}AV[b, m, {qh}, f] * {p}WZ[{qh}, f, d]",
                           f"{p}WZ"))
        out.append(self._w(f"{p}FU[b, m, c] = {p}Z[b, m, d] * {p}WU[d, c]", f"{p}WU"))
        hidden = f"{p}FU"
        if self.c.ffn == "swiglu":
            out.append(self._w(f"{p}FG[b, m, c] = {p}Z[b, m, d] * {p}WG[d, c]", f"{p}WG"))
            out.append({"einsum": f"{p}FM[b, m, c] = {p}FG[b, m, c] * {p}FU[b, m, c]",
                        "renames": {"input": f"{p}FU"}})
            hidden = f"{p}FM"
        out.append(self._w(f"{p}FD[b, m, d] = {hidden}[b, m, c] * {p}WD[c, d]", f"{p}WD"))
        return out, f"{p}FD"


def einsum_workload(graph: nx.DiGraph, layer: int | None = 0) -> dict[str, Any]:
    """AccelForge workload document (``workload`` + ``renames``) for a grcim graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from :func:`grcim.workloads.build_graph`.
    layer : int or None
        Export one decoder layer (all layers are identical; 0-based index), or ``None`` for
        the whole model: every layer chained (tensors prefixed ``L<i>_``) plus the LM head.

    Returns
    -------
    dict
        A plain-data document ready for ``yaml.safe_dump``.
    """
    attrs = graph.graph
    c: ModelConfig = attrs["config"]
    if layer is not None and not (isinstance(layer, int) and 0 <= layer < c.n_layers):
        raise ModelDomainError("layer", layer, f"an integer 0..{c.n_layers - 1} or all")
    tokens, context, past = attrs["tokens"], attrs["context"], attrs["past_tokens"]
    bits = {"weight": attrs["weight_bits"], "kv": attrs["kv_bits"]}
    ranks: dict[str, int] = {"B": attrs["batch"], "M": tokens, "P": context, "D": c.d_model,
                             "G": c.n_kv_heads}
    if c.n_kv_heads != c.n_heads:
        ranks["R"] = c.n_heads // c.n_kv_heads
    ranks.update({"E": c.head_dim, "F": c.head_dim, "C": c.d_ff})
    einsums: list[Any] = [{"einsum": "I[b, m, d] = I_in[b, m, d]", "is_copy_operation": True}]
    x = "I"
    layers = range(c.n_layers) if layer is None else (layer,)
    for i in layers:
        prefix = f"L{i}_" if layer is None else ""
        block, x = _Layer(c, prefix, past, tokens, bits).einsums(x)
        einsums.extend(block)
    if layer is None:
        ranks["N"] = c.vocab
        head: dict[str, Any] = {
            "einsum": f"LOGITS[b, m, n] = {x}[b, m, d] * WLM[d, n]",
            "tensor_accesses": [{"name": "WLM", "bits_per_value": bits["weight"]}],
        }
        if not attrs["lm_head_all_tokens"] and tokens > 1:
            head["iteration_space_shape"] = [f"m >= {tokens - 1}"]  # last token only
        einsums.append(head)
    workload = {
        "rank_sizes": ranks,
        "bits_per_value": {"All": attrs["act_bits"]},
        "persistent_tensors": "weight - Intermediates",
        "einsums": einsums,
    }
    return {"workload": workload, "renames": DEFAULT_RENAMES}


def einsum_yaml(graph: nx.DiGraph, layer: int | None = 0) -> str:
    """:func:`einsum_workload` as YAML text with a header comment naming its origin."""
    attrs = graph.graph
    c: ModelConfig = attrs["config"]
    scope = "whole model (all layers + LM head)" if layer is None else (
        f"decoder layer {layer} of {c.n_layers} (all layers are identical)")
    header = (
        f"# AccelForge einsum workload exported by grcim from {c.label} ({c.name}).\n"
        f"# {attrs['phase']}: batch {attrs['batch']}, {attrs['tokens']} new token(s) per "
        f"sequence, context {attrs['context']} ({attrs['past_tokens']} cached).\n"
        f"# Scope: {scope}.\n"
        "# Norms, RoPE, activations and residual adds are not einsums.\n"
        "# Ranks: B batch, M new tokens, P key positions, D d_model, G KV heads,\n"
        "# R query heads per KV head, E/F head dim, C d_ff, N vocab.\n"
    )
    return header + yaml.safe_dump(einsum_workload(graph, layer), sort_keys=False, width=100)
