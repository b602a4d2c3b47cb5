"""The ops of a workload graph as numpy columns, so the mapper's formulas run vectorized.

A Llama-3-8B graph has about 1,400 ops; evaluating every formula once per column instead of
once per op keeps a whole-model mapping in milliseconds. Rows follow the graph's node
insertion order, which :func:`grcim.workloads.build_graph` makes a topological order (checked
here with networkx, because the critical path relies on it).

Preconditions checked (each failure is a :class:`grcim.errors.MappingError` naming the op):
the graph is a DAG of :class:`grcim.workloads.Op` records; every count is a non-negative
integer at most :data:`MAX_COUNT`; matmul shapes are positive and
``macs <= batch_count*m*k*n``; weight matmuls hold at least ``k*n`` weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from grcim.errors import MappingError
from grcim.workloads import Op, OpKind, Step

__all__ = ["OpTable", "build_optable", "KIND_CODES", "MAX_COUNT"]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
KIND_CODES: dict[OpKind, int] = {kind: i for i, kind in enumerate(OpKind)}
"""Integer code of each op kind in :attr:`OpTable.kind`."""
MAX_COUNT = 2**53
"""Largest count an op may carry. The columns are int64 and the mapper sums counts in
float64, which holds integers exactly only up to 2**53; a larger step (e.g. batch 2**20 x
2**24 tokens) is refused by name instead of overflowing or rounding silently."""
MAX_TOTAL = 2**62
"""Largest total of one count over the step (int64 sums overflow past 2**63)."""
_INT_FIELDS = ("m", "k", "n", "batch_count", "macs", "weight_elements", "input_elements",
               "output_elements", "kv_read_elements", "kv_write_elements", "elements",
               "vector_ops", "weight_bits", "input_bits", "output_bits", "kv_bits")


@dataclass(frozen=True, eq=False)
class OpTable:
    """Columns of the ops of one graph (row ``i`` = the ``i``-th op in topological order).

    Attributes
    ----------
    names, roles : tuple of str
        Op names (``L3.q_proj``) and roles (``q_proj``, ``softmax``, ...).
    layers : tuple of (int or None)
        Decoder layer of each op.
    ops : tuple of Op
        The records themselves.
    kind : ndarray of int64, shape (n_ops,)
        :data:`KIND_CODES` of each op.
    m, k, n, batch_count, macs, weight_elements, input_elements, output_elements,
    kv_read_elements, kv_write_elements, elements, vector_ops : ndarray of int64
        The :class:`~grcim.workloads.Op` fields of the same names (counts).
    weight_bits, input_bits, output_bits, kv_bits : ndarray of int64
        Bits per element of each operand.
    predecessors : tuple of tuple of int
        Row indices each op reads from (graph in-edges).
    successors_count : ndarray of int64
        Number of ops reading each op's output.
    step : Step
        The step the graph describes (model, phase, batch, tokens, context, widths).
    """

    names: tuple[str, ...]
    roles: tuple[str, ...]
    layers: tuple[int | None, ...]
    ops: tuple[Op, ...]
    kind: I64
    m: I64
    k: I64
    n: I64
    batch_count: I64
    macs: I64
    weight_elements: I64
    input_elements: I64
    output_elements: I64
    kv_read_elements: I64
    kv_write_elements: I64
    elements: I64
    vector_ops: I64
    weight_bits: I64
    input_bits: I64
    output_bits: I64
    kv_bits: I64
    predecessors: tuple[tuple[int, ...], ...]
    successors_count: I64
    step: Step

    def __len__(self) -> int:
        return len(self.names)

    def is_kind(self, kind: OpKind) -> NDArray[np.bool_]:
        """Boolean mask of the ops of ``kind``."""
        return self.kind == KIND_CODES[kind]

    def bits(self, elements: str, bits: str) -> F64:
        """``elements * bits`` of two columns as float64 (bits moved), e.g. input bits."""
        return getattr(self, elements).astype(np.float64) * getattr(self, bits)


def build_optable(graph: nx.DiGraph, step: Step | None = None) -> OpTable:
    """Columns of ``graph`` (from :func:`grcim.workloads.build_graph` or any DAG of ops);
    ``step``: the graph's :class:`~grcim.workloads.Step` when the caller has read it.

    Raises
    ------
    grcim.errors.MappingError
        The graph has a cycle, a node without an ``op`` record, or an op with inconsistent
        shapes (the message names the op and the rule it breaks).
    """
    if graph.number_of_nodes() == 0:
        raise MappingError("the workload graph has no ops: nothing to map")
    if not nx.is_directed_acyclic_graph(graph):
        raise MappingError("the workload graph has a cycle: ops must form a DAG")
    names = list(graph.nodes)
    index = {name: i for i, name in enumerate(names)}
    ops: list[Op] = []
    for name in names:
        op = graph.nodes[name].get("op")
        if not isinstance(op, Op):
            raise MappingError(f"graph node {name!r} has no Op record (attribute 'op')")
        ops.append(op)
    preds = tuple(tuple(index[p] for p in graph.predecessors(name)) for name in names)
    if any(p >= i for i, ps in enumerate(preds) for p in ps):  # keep rows topological
        order = list(nx.topological_sort(graph))
        return build_optable(_reordered(graph, order), step)
    _check_sizes(ops)
    cols = {f: np.fromiter((getattr(op, f) for op in ops), dtype=np.int64, count=len(ops))
            for f in _INT_FIELDS}
    kind = np.fromiter((KIND_CODES[op.kind] for op in ops), dtype=np.int64, count=len(ops))
    succ = np.fromiter((graph.out_degree(name) for name in names), dtype=np.int64,
                       count=len(ops))
    table = OpTable(
        names=tuple(names), roles=tuple(op.role for op in ops),
        layers=tuple(op.layer for op in ops), ops=tuple(ops), kind=kind,
        predecessors=preds, successors_count=succ,
        step=step if step is not None else Step.of(graph), **cols)
    _check(table)
    return table


def _reordered(graph: nx.DiGraph, order: list[str]) -> nx.DiGraph:
    """A copy of ``graph`` whose node insertion order is ``order``."""
    out: nx.DiGraph[str] = nx.DiGraph(**graph.graph)
    out.add_nodes_from((n, graph.nodes[n]) for n in order)
    out.add_edges_from(graph.edges)
    return out


def _check_sizes(ops: list[Op]) -> None:
    """Every count is an integer in ``0..MAX_COUNT`` and each field's total over the step is
    at most ``MAX_TOTAL`` (checked on the Python ints, which cannot overflow)."""
    totals = dict.fromkeys(_INT_FIELDS, 0)
    for op in ops:
        for f in _INT_FIELDS:
            value = getattr(op, f)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise MappingError(f"op {op.name!r}: {f} = {value!r} is not an integer count")
            if value < 0:
                raise MappingError(f"op {op.name!r}: {f} = {int(value)} is negative")
            if value > MAX_COUNT:
                raise MappingError(f"op {op.name!r}: {f} = {float(value):.3g} exceeds 2**53, "
                                   "the largest count the mapper holds exactly; map a smaller "
                                   "step (fewer sequences or tokens)")
            totals[f] += int(value)
    for f, total in totals.items():
        if total > MAX_TOTAL:
            raise MappingError(f"the step's total {f} = {float(total):.3g} exceeds 2**62, "
                               "beyond the mapper's int64 sums; map a smaller step (fewer "
                               "sequences or tokens)")


def _check(t: OpTable) -> None:
    # negative sizes were refused by _check_sizes, which runs first on every path
    matmul = t.is_kind(OpKind.WEIGHT_MATMUL) | t.is_kind(OpKind.DYNAMIC_MATMUL)
    for f in ("m", "k", "n", "batch_count"):
        bad = np.flatnonzero(matmul & (getattr(t, f) <= 0))
        if bad.size:
            i = int(bad[0])
            raise MappingError(f"op {t.names[i]!r}: matmul with {f} = "
                               f"{int(getattr(t, f)[i])}; shapes must be positive")
    bits = ("weight_bits", "input_bits", "output_bits", "kv_bits")
    for f in bits:
        bad = np.flatnonzero(getattr(t, f) <= 0)
        if bad.size:
            i = int(bad[0])
            raise MappingError(f"op {t.names[i]!r}: {f} = {int(getattr(t, f)[i])}; bits per "
                               "element must be positive")
    # Python ints: the dense box of a large attention op overflows nothing, but check exactly.
    for m in np.flatnonzero(matmul):
        op = t.ops[int(m)]
        dense = op.batch_count * op.m * op.k * op.n
        if op.macs > dense or op.macs == 0:
            raise MappingError(f"op {op.name!r}: macs = {op.macs} inconsistent with the shape "
                               f"{op.batch_count} x {op.m} x {op.k} x {op.n} (must be 1.."
                               f"{dense})")
    weight = np.flatnonzero(t.is_kind(OpKind.WEIGHT_MATMUL)
                            & (t.weight_elements < t.k * t.n))
    if weight.size:
        i = int(weight[0])
        raise MappingError(f"op {t.names[i]!r}: weight_elements = {int(t.weight_elements[i])} "
                           f"is less than k*n = {int(t.k[i] * t.n[i])}, the weight matrix")
