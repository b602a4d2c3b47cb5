"""Operator graph of a decoder-only transformer for one prefill or decode step.

Conventions (formulas in ``docs/workloads.md``):

- One step processes ``tokens`` new tokens per sequence (``batch`` sequences). After the
  step each sequence holds ``context`` tokens, so ``past = context - tokens`` positions were
  already in the KV cache. Prefill defaults to ``context = tokens`` (an empty cache); decode
  always has ``tokens = 1``, and its ``context`` L *includes* the new token: the new token's
  query attends L keys (L - 1 cached ones and its own).
- Causal mask: new token i (0-based) sits at position ``past + i`` and attends
  ``past + i + 1`` keys, so one head of one sequence computes
  ``S = tokens*past + tokens*(tokens+1)/2`` scores, and QK^T and PV each cost
  ``batch * n_heads * head_dim * S`` MACs. Masked products are not counted.
- KV cache: the K and V of the new tokens are written once (on ``rope_k`` or ``k_proj``, and
  ``v_proj``); attention reads all ``context`` positions of K and V per KV head.
- LM head: by default only the last token of each sequence is projected to logits
  (``lm_head_all_tokens=False``), which is what generation needs; the final norm is applied
  to the same rows.

Node insertion order is a topological order of the graph.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import networkx as nx

from grcim.errors import ModelDomainError

from .config import ModelConfig
from .ops import VECTOR_OPS_PER_ELEMENT as VOPS
from .ops import Op, OpKind

__all__ = ["Phase", "PHASES", "build_graph", "default_tokens", "default_context", "MAX_BATCH",
           "MAX_BITS", "DEFAULT_LENGTH"]

Phase = Literal["prefill", "decode"]
PHASES: tuple[str, ...] = ("prefill", "decode")
MAX_BATCH = 2**20
"""Largest batch accepted (far beyond any deployment; guards against typos)."""
MAX_BITS = 64
"""Widest operand accepted, bits."""
DEFAULT_LENGTH = 2048
"""Default prompt length (prefill) and context (decode), capped at the model's max_context."""


def default_tokens(config: ModelConfig, phase: str) -> int:
    """Tokens per sequence processed when none are given: 1 for decode."""
    return 1 if phase == "decode" else min(DEFAULT_LENGTH, config.max_context)


def default_context(config: ModelConfig, phase: str, tokens: int) -> int:
    """Context when none is given: ``tokens`` for prefill, ``min(2048, max_context)`` decode."""
    return tokens if phase == "prefill" else min(DEFAULT_LENGTH, config.max_context)


def _check(config: ModelConfig, phase: str, batch: int, tokens: int, context: int,
           bits: dict[str, int]) -> None:
    if phase not in PHASES:
        raise ModelDomainError("phase", phase, "prefill or decode")
    for item, value, lo, hi in (
        ("batch", batch, 1, MAX_BATCH),
        ("tokens", tokens, 1, 1 if phase == "decode" else config.max_context),
        ("context", context, tokens, config.max_context),
        *((k, v, 1, MAX_BITS) for k, v in bits.items()),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            why = f" (max_context of {config.name})" if item in ("tokens", "context") else ""
            if item == "context":  # the floor is the step's own tokens, not an arbitrary 2048
                # no option name: the CLI's --tokens and a sweep's tokens key both land here
                why = (f" (at least the {tokens} tokens of this {phase} step; at most the "
                       f"max_context of {config.name})")
            if item == "tokens" and phase == "decode":
                why = " (decode processes one token per sequence)"
            raise ModelDomainError(item, value, f"an integer {lo}..{hi}{why}")


class _Bits(TypedDict):
    """Bit widths every op of a graph carries (``Op`` fields)."""

    weight_bits: int
    input_bits: int
    output_bits: int
    kv_bits: int


class _Builder:
    """Accumulates ops and edges; shared counts are computed once per graph."""

    def __init__(self, c: ModelConfig, batch: int, tokens: int, context: int,
                 wbits: int, abits: int, kvbits: int) -> None:
        self.c = c
        self.rows = batch * tokens  # activation rows through every per-token op
        self.batch, self.tokens, self.context = batch, tokens, context
        past = context - tokens
        self.scores = tokens * past + tokens * (tokens + 1) // 2  # per head per sequence
        self.bits: _Bits = {"weight_bits": wbits, "input_bits": abits, "output_bits": abits,
                            "kv_bits": kvbits}
        self.nodes: list[tuple[str, dict[str, Op]]] = []
        self.edges: list[tuple[str, str]] = []

    def add(self, op: Op, *inputs: str) -> str:
        self.nodes.append((op.name, {"op": op}))
        self.edges.extend((src, op.name) for src in inputs)
        return op.name

    def matmul(self, name: str, role: str, layer: int | None, rows: int, k: int, n: int,
               bias: bool, *inputs: str, kv_write: int = 0) -> str:
        extra = n if bias else 0
        return self.add(Op(
            name, OpKind.WEIGHT_MATMUL, role, layer, m=rows, k=k, n=n, batch_count=1,
            macs=rows * k * n, weight_elements=k * n + extra, input_elements=rows * k,
            output_elements=rows * n, kv_write_elements=kv_write,
            vector_ops=rows * extra, **self.bits), *inputs)

    def vector(self, name: str, kind: OpKind, role: str, layer: int | None, elements: int,
               per_element: str, *inputs: str, weights: int = 0, reads: int = 1,
               kv_write: int = 0) -> str:
        return self.add(Op(
            name, kind, role, layer, weight_elements=weights, input_elements=reads * elements,
            output_elements=elements, kv_write_elements=kv_write, elements=elements,
            vector_ops=elements * VOPS[per_element], **self.bits), *inputs)

    def norm(self, name: str, layer: int | None, rows: int, *inputs: str) -> str:
        c = self.c
        gains = c.d_model * (2 if c.norm == "layernorm" else 1)
        return self.vector(name, OpKind.NORM, "norm", layer, rows * c.d_model, c.norm, *inputs,
                           weights=gains)

    def layer(self, i: int, x: str) -> str:
        c, rows, p = self.c, self.rows, f"L{i}."
        hd, heads, kvh = c.head_dim, c.n_heads, c.n_kv_heads
        bh = self.batch * heads
        h = self.norm(p + "attn_norm", i, rows, x)
        rope = c.positional == "rope"
        q = self.matmul(p + "q_proj", "q_proj", i, rows, c.d_model, c.q_dim, c.biases, h)
        k = self.matmul(p + "k_proj", "k_proj", i, rows, c.d_model, c.kv_dim, c.biases, h,
                        kv_write=0 if rope else rows * c.kv_dim)
        v = self.matmul(p + "v_proj", "v_proj", i, rows, c.d_model, c.kv_dim, c.biases, h,
                        kv_write=rows * c.kv_dim)
        if rope:  # K is cached after rotation, so the cache write is charged to rope_k
            q = self.vector(p + "rope_q", OpKind.ELEMENTWISE, "rope", i, rows * c.q_dim, "rope",
                            q)
            k = self.vector(p + "rope_k", OpKind.ELEMENTWISE, "rope", i, rows * c.kv_dim,
                            "rope", k, kv_write=rows * c.kv_dim)
        kv_read = self.batch * kvh * self.context * hd
        attn_macs = bh * hd * self.scores
        s = self.add(Op(
            p + "attn_qk", OpKind.DYNAMIC_MATMUL, "attn_qk", i, m=self.tokens, k=hd,
            n=self.context, batch_count=bh, macs=attn_macs, causal=True,
            input_elements=rows * c.q_dim, kv_read_elements=kv_read,
            output_elements=bh * self.scores, **self.bits), q, k)
        s = self.vector(p + "softmax", OpKind.SOFTMAX, "softmax", i, bh * self.scores,
                        "softmax", s)
        a = self.add(Op(
            p + "attn_pv", OpKind.DYNAMIC_MATMUL, "attn_pv", i, m=self.tokens, k=self.context,
            n=hd, batch_count=bh, macs=attn_macs, causal=True, input_elements=bh * self.scores,
            kv_read_elements=kv_read, output_elements=rows * c.q_dim, **self.bits), s, v)
        o = self.matmul(p + "o_proj", "o_proj", i, rows, c.q_dim, c.d_model, c.biases, a)
        r = self.vector(p + "attn_residual", OpKind.ELEMENTWISE, "residual", i,
                        rows * c.d_model, "add", o, x, reads=2)
        h = self.norm(p + "ffn_norm", i, rows, r)
        up = self.matmul(p + "ffn_up", "ffn_up", i, rows, c.d_model, c.d_ff, c.biases, h)
        width = rows * c.d_ff
        if c.ffn == "swiglu":
            g = self.matmul(p + "ffn_gate", "ffn_gate", i, rows, c.d_model, c.d_ff, c.biases,
                            h)
            g = self.vector(p + "act", OpKind.ACTIVATION, "act", i, width, "silu", g)
            up = self.vector(p + "ffn_mul", OpKind.ELEMENTWISE, "gate_mul", i, width, "mul",
                             g, up, reads=2)
        else:
            up = self.vector(p + "act", OpKind.ACTIVATION, "act", i, width, c.ffn, up)
        d = self.matmul(p + "ffn_down", "ffn_down", i, rows, c.d_ff, c.d_model, c.biases, up)
        return self.vector(p + "ffn_residual", OpKind.ELEMENTWISE, "residual", i,
                           rows * c.d_model, "add", d, r, reads=2)

    def model(self, lm_head_all_tokens: bool) -> None:
        c, rows = self.c, self.rows
        width = rows * c.d_model
        x = self.add(Op("embedding", OpKind.EMBEDDING, "embedding", None,
                        weight_elements=width, output_elements=width, elements=width,
                        **self.bits))
        if c.positional == "learned":  # one table row per position, shared by the batch
            pos = self.tokens * c.d_model
            pe = self.add(Op("pos_embedding", OpKind.EMBEDDING, "pos_embedding", None,
                             weight_elements=pos, output_elements=pos, elements=pos,
                             **self.bits))
            x = self.add(Op("embed_add", OpKind.ELEMENTWISE, "embed_add", None,
                            input_elements=width + pos, output_elements=width, elements=width,
                            vector_ops=width * VOPS["add"], **self.bits), x, pe)
        for i in range(c.n_layers):
            x = self.layer(i, x)
        head_rows = rows if lm_head_all_tokens else self.batch
        x = self.norm("final_norm", None, head_rows, x)
        self.matmul("lm_head", "lm_head", None, head_rows, c.d_model, c.vocab, False, x)


def build_graph(
    config: ModelConfig,
    phase: Phase,
    batch: int = 1,
    tokens: int | None = None,
    context: int | None = None,
    weight_bits: int = 8,
    act_bits: int = 8,
    kv_bits: int = 8,
    lm_head_all_tokens: bool = False,
) -> nx.DiGraph:
    """Build the operator graph of one forward step.

    Parameters
    ----------
    config : ModelConfig
        Model shapes.
    phase : {"prefill", "decode"}
        ``prefill`` processes ``tokens`` prompt tokens; ``decode`` one new token.
    batch : int
        Independent sequences processed together.
    tokens : int or None
        New tokens per sequence (default: ``min(2048, max_context)`` for prefill, 1 for
        decode; decode accepts only 1).
    context : int or None
        Tokens per sequence after this step, new ones included (default: ``tokens`` for
        prefill, ``min(2048, max_context)`` for decode); ``tokens <= context <= max_context``.
    weight_bits, act_bits, kv_bits : int
        Bits per element of weights, activations and KV-cache entries (1..64).
    lm_head_all_tokens : bool
        Project every new token to logits instead of only the last one per sequence.

    Returns
    -------
    networkx.DiGraph
        Nodes keyed by op name with attribute ``op`` (:class:`Op`); an edge u -> v means v
        reads a tensor u produced. Graph attributes: ``model`` (name), ``config``, ``phase``,
        ``batch``, ``tokens``, ``context``, ``past_tokens``, ``weight_bits``, ``act_bits``,
        ``kv_bits``, ``lm_head_all_tokens``.

    Raises
    ------
    grcim.errors.ModelDomainError
        A parameter is outside its range (the message names it and the range).
    """
    tokens = default_tokens(config, phase) if tokens is None else tokens
    context = default_context(config, phase, tokens) if context is None else context
    bits = {"weight_bits": weight_bits, "act_bits": act_bits, "kv_bits": kv_bits}
    _check(config, phase, batch, tokens, context, bits)
    builder = _Builder(config, batch, tokens, context, weight_bits, act_bits, kv_bits)
    builder.model(lm_head_all_tokens)
    graph: nx.DiGraph[str] = nx.DiGraph(
        model=config.name, config=config, phase=phase, batch=batch, tokens=tokens,
        context=context, past_tokens=context - tokens, lm_head_all_tokens=lm_head_all_tokens,
        weight_bits=weight_bits, act_bits=act_bits, kv_bits=kv_bits,
    )
    graph.add_nodes_from(builder.nodes)
    graph.add_edges_from(builder.edges)
    return graph
