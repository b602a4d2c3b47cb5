"""Operator records of a transformer graph: what one node computes and which bytes it moves.

An :class:`Op` is a frozen value record. It carries shapes and counts only; which memory a
tensor lives in, and so which bytes actually move, is decided by a mapper. All counts are
exact integers (elements, MACs, operations); bytes are ``elements * bits / 8``.

Vector-operation weights (``VECTOR_OPS_PER_ELEMENT``) are a convention, documented here and
in ``docs/workloads.md``: one "vector op" is one scalar add, multiply, compare, or
transcendental evaluation (exp, tanh, rsqrt).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["OpKind", "OperandKind", "Op", "VECTOR_OPS_PER_ELEMENT"]


class OpKind(StrEnum):
    """What kind of computation an op is."""

    WEIGHT_MATMUL = "weight_matmul"
    """Activations times a stationary weight matrix (projections, FFN, LM head)."""
    DYNAMIC_MATMUL = "dynamic_matmul"
    """Both operands are produced at run time (attention QK^T and PV)."""
    SOFTMAX = "softmax"
    """Row-wise softmax over attention scores."""
    NORM = "norm"
    """LayerNorm or RMSNorm over d_model."""
    ACTIVATION = "activation"
    """Pointwise non-linearity (GELU, ReLU, SiLU)."""
    ELEMENTWISE = "elementwise"
    """Pointwise arithmetic (residual add, gate multiply, RoPE rotation, embedding add)."""
    EMBEDDING = "embedding"
    """Table lookup (token or position embedding): reads rows, no arithmetic."""


class OperandKind(StrEnum):
    """Operand roles whose bytes an op reports (see :meth:`Op.operand_bytes`)."""

    WEIGHT = "weight"
    """Stationary parameters (weight matrices, embedding tables, norm gains)."""
    INPUT = "input"
    """Activations read (for attention: Q, or the softmax probabilities)."""
    OUTPUT = "output"
    """Activations written."""
    KV_READ = "kv_read"
    """Keys or values read from the KV cache (the dynamic operand of attention)."""
    KV_WRITE = "kv_write"
    """New keys or values appended to the KV cache."""


VECTOR_OPS_PER_ELEMENT: dict[str, int] = {
    # softmax: running max (compare), subtract max, exp, accumulate sum, multiply by 1/sum.
    # The 1/sqrt(head_dim) scale is assumed folded into W_Q; the causal mask skips entries.
    "softmax": 5,
    # layernorm: mean (add), subtract mean, square, variance (add), scale by rsqrt (mul),
    # gain (mul), bias (add); the one rsqrt per row is neglected.
    "layernorm": 7,
    # rmsnorm: square, accumulate (add), scale by rsqrt (mul), gain (mul).
    "rmsnorm": 4,
    # gelu (tanh form): x^2, x^3, *c, +x, *sqrt(2/pi), tanh, +1, *0.5, *x.
    "gelu": 9,
    "relu": 1,  # compare
    # silu: x / (1 + exp(-x)) -> exp, add, divide.
    "silu": 3,
    # rope: x*cos + rotate(x)*sin -> two multiplies and one add per element.
    "rope": 3,
    "add": 1,  # residual add, embedding + position add
    "mul": 1,  # SwiGLU gate * up
    "lookup": 0,  # embedding rows are read, not computed
}


@dataclass(frozen=True, slots=True)
class Op:
    """One node of a transformer operator graph.

    Attributes
    ----------
    name : str
        Unique node key (``L3.q_proj``, ``lm_head``).
    kind : OpKind
        Computation class.
    role : str
        What the op does in the model (``q_proj``, ``attn_qk``, ``ffn_down``, ``softmax``...).
    layer : int or None
        Decoder layer index (0-based); ``None`` for embedding, final norm and LM head.
    m, k, n : int
        Matmul shape: ``m`` rows of the left operand (for weight matmuls batch*tokens, for
        attention the query tokens), ``k`` the reduction length, ``n`` output columns. Zero
        for vector ops.
    batch_count : int
        Independent matmuls of shape (m, k, n): 1 for weight matmuls, batch*n_heads for
        attention. Zero for vector ops.
    macs : int
        Multiply-accumulates actually performed (the causal mask's skipped products are not
        counted, so ``macs`` may be below ``batch_count*m*k*n``).
    causal : bool
        The op is masked attention (query i sees keys 0..i of the sequence).
    weight_elements, input_elements, output_elements : int
        Elements of stationary weights, of activation inputs and of outputs.
    kv_read_elements, kv_write_elements : int
        Elements read from / appended to the KV cache.
    weight_bits, input_bits, output_bits, kv_bits : int
        Bits per element of each operand.
    elements : int
        For vector ops: elements processed (for matmuls: 0).
    vector_ops : int
        Scalar vector operations (``elements * VECTOR_OPS_PER_ELEMENT[...]``; for matmuls
        with biases, one add per output element).
    """

    name: str
    kind: OpKind
    role: str
    layer: int | None = None
    m: int = 0
    k: int = 0
    n: int = 0
    batch_count: int = 0
    macs: int = 0
    causal: bool = False
    weight_elements: int = 0
    input_elements: int = 0
    output_elements: int = 0
    kv_read_elements: int = 0
    kv_write_elements: int = 0
    weight_bits: int = 8
    input_bits: int = 8
    output_bits: int = 8
    kv_bits: int = 8
    elements: int = 0
    vector_ops: int = 0

    @property
    def is_matmul(self) -> bool:
        """Weight or dynamic matmul."""
        return self.kind in (OpKind.WEIGHT_MATMUL, OpKind.DYNAMIC_MATMUL)

    @property
    def weight_bytes(self) -> float:
        """Bytes of stationary weights, ``weight_elements * weight_bits / 8``."""
        return self.weight_elements * self.weight_bits / 8

    @property
    def input_bytes(self) -> float:
        """Bytes of activation inputs, ``input_elements * input_bits / 8``."""
        return self.input_elements * self.input_bits / 8

    @property
    def output_bytes(self) -> float:
        """Bytes of outputs, ``output_elements * output_bits / 8``."""
        return self.output_elements * self.output_bits / 8

    @property
    def kv_read_bytes(self) -> float:
        """Bytes read from the KV cache, ``kv_read_elements * kv_bits / 8``."""
        return self.kv_read_elements * self.kv_bits / 8

    @property
    def kv_write_bytes(self) -> float:
        """Bytes appended to the KV cache, ``kv_write_elements * kv_bits / 8``."""
        return self.kv_write_elements * self.kv_bits / 8

    def operand_bytes(self) -> dict[OperandKind, float]:
        """Bytes per operand role (all five roles, zeros included)."""
        return {
            OperandKind.WEIGHT: self.weight_bytes,
            OperandKind.INPUT: self.input_bytes,
            OperandKind.OUTPUT: self.output_bytes,
            OperandKind.KV_READ: self.kv_read_bytes,
            OperandKind.KV_WRITE: self.kv_write_bytes,
        }
