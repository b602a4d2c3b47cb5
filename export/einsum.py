"""The einsums of a workload step that run on the CIM macros, and grcim's mapping of one.

Timeloop maps one einsum at a time, from a top level that holds all its tensors. The grcim
mapping it is compared with is therefore the einsum **in isolation**: a one-op graph
(input read from DRAM, output written to DRAM), mapped by grcim's analytic engine with
``MapOptions(replicate=False, weights_preloaded=False)`` (the mapping search minimizing
energy, the default objective): no copies of weights onto idle macros (Timeloop's macros
take one input vector at a time) and the weights loaded from DRAM in the step (Timeloop's
top level holds them). A projection's bias (its add and its vector's read) and its append
to the KV cache (``k_proj``, ``v_proj``) are not part of the einsum and are left out.

Exported: weight matmuls (projections, FFN, LM head), which grcim always maps onto the
macros. Attention's QK^T and PV are dynamic matmuls: on the vector unit they are not CIM
work, and in CIM (``dynamic_matmul_unit: cim``) their operands are written per step, which
this export does not describe; both are listed as skipped with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import networkx as nx

from grcim.arch import Arch, DynamicMatmulUnit
from grcim.errors import CMDLINE, MappingError, SpecError
from grcim.mapper import MapOptions, MappingResult
from grcim.mapper.mapping import MappingPlan, plan_and_map
from grcim.workloads import Op, OpKind

__all__ = ["Einsum", "ISOLATED_OPTIONS", "cim_einsums", "select_einsums", "isolated_graph",
           "isolated_mapping", "isolated_plan"]

ISOLATED_OPTIONS = MapOptions(replicate=False, weights_preloaded=False)
"""grcim's mapper options for one einsum compared with Timeloop (see the module)."""


@dataclass(frozen=True)
class Einsum:
    """One weight matmul ``Outputs[m, n] = sum_k Inputs[m, k] * Weights[k, n]``.

    Attributes
    ----------
    op : Op
        The graph op (``batch_count`` 1; ``m`` = sequences x new tokens).
    """

    op: Op

    @property
    def name(self) -> str:
        """Graph node name (``L0.q_proj``)."""
        return self.op.name

    @property
    def shape(self) -> dict[str, int]:
        """Timeloop problem instance: ``{"M": m, "K": k, "N": n}``."""
        return {"M": self.op.m, "K": self.op.k, "N": self.op.n}

    @property
    def bits(self) -> dict[str, int]:
        """Bits per element of Inputs, Weights and Outputs."""
        return {"Inputs": self.op.input_bits, "Weights": self.op.weight_bits,
                "Outputs": self.op.output_bits}


def _skip_reason(arch: Arch, op: Op) -> str | None:
    if op.kind is OpKind.WEIGHT_MATMUL:
        return None
    if op.kind is OpKind.DYNAMIC_MATMUL:
        chip = arch.chip
        if chip is not None and chip.dynamic_matmul_unit is DynamicMatmulUnit.CIM:
            return ("a dynamic matmul in CIM (its operands are written per step): not "
                    "exported to Timeloop")
        return "a dynamic matmul on the vector unit (dynamic_matmul_unit: vector_unit)"
    return f"a {op.kind.value} op on the vector unit"


def cim_einsums(arch: Arch, graph: nx.DiGraph) -> tuple[list[Einsum], list[tuple[str, str]]]:
    """The weight matmuls of ``graph`` (in graph order) and every other op with its reason."""
    found, skipped = [], []
    for _, data in graph.nodes(data=True):
        op: Op = data["op"]
        why = _skip_reason(arch, op)
        if why is None and op.batch_count == 1:
            found.append(Einsum(op))
        else:
            skipped.append((op.name, why or f"{op.batch_count} independent matmuls"))
    return found, skipped


def select_einsums(arch: Arch, graph: nx.DiGraph, layer: int | None, op: str | None
                   ) -> list[Einsum]:
    """``op`` (node name, or role in ``layer``, default 0) or every CIM einsum of ``layer``.

    Raises
    ------
    grcim.errors.SpecError
        No such layer or op.
    grcim.errors.MappingError
        The op named is not an einsum on the macros (the reason says where it runs).
    """
    ops: dict[str, Op] = {n: d["op"] for n, d in graph.nodes(data=True)}
    layers = sorted({o.layer for o in ops.values() if o.layer is not None})
    if layer is not None and layer not in layers:
        raise SpecError(CMDLINE, "--layer", layer,
                        f"a decoder layer 0..{layers[-1]}" if layers else "no layers here")
    if op is not None:
        if op in ops and layer is not None and ops[op].layer != layer:
            # a full op name carries its own layer: a different --layer would be ignored
            own = ("no decoder layer" if ops[op].layer is None
                   else f"layer {ops[op].layer}")
            raise SpecError(CMDLINE, "--layer", layer,
                            f"no --layer with --op {op}: a full op name already names its "
                            f"layer ({own})")
        name = op if op in ops else f"L{layer or 0}.{op}"
        if name not in ops:
            roles = sorted({o.role for o in ops.values() if o.kind is OpKind.WEIGHT_MATMUL})
            raise SpecError(CMDLINE, "--op", op, "a graph op name (L0.q_proj, lm_head) or a "
                            "role of the layer: " + ", ".join(roles))
        why = _skip_reason(arch, ops[name])
        if why is not None:
            raise MappingError(f"op {name!r} is {why}; Timeloop export covers the weight "
                               "matmuls grcim maps onto the CIM macros")
        return [Einsum(ops[name])]
    chosen = [e for e in cim_einsums(arch, graph)[0] if e.op.layer == (layer or 0)]
    if not chosen:  # pragma: no cover - every decoder layer has projections
        raise MappingError(f"layer {layer or 0} has no einsum on the CIM macros")
    return chosen


def isolated_graph(einsum: Einsum) -> nx.DiGraph:
    """A one-op graph of ``einsum`` (no producers, no consumers: DRAM in, DRAM out)."""
    # the bias (its add and its vector's read from DRAM: the op's weights are k x n + n) and
    # the KV-cache append (k_proj, v_proj) are not part of the einsum; the bias read once
    # made grcim's comparable energy 37.9 nJ above Timeloop's on a biased tiny model
    op = replace(einsum.op, vector_ops=0, kv_write_elements=0, kv_read_elements=0,
                 weight_elements=einsum.op.k * einsum.op.n * einsum.op.batch_count)
    g: nx.DiGraph = nx.DiGraph(
        model=einsum.name, phase="prefill", batch=1, tokens=op.m, context=op.m,
        weight_bits=op.weight_bits, act_bits=op.input_bits, kv_bits=op.input_bits)
    g.add_node(op.name, op=op)
    return g


def isolated_mapping(arch: Arch, einsum: Einsum) -> MappingResult:
    """grcim's mapping of ``einsum`` alone (options: :data:`ISOLATED_OPTIONS`)."""
    return isolated_plan(arch, einsum)[1]


def isolated_plan(arch: Arch, einsum: Einsum) -> tuple[MappingPlan, MappingResult]:
    """:func:`isolated_mapping` with the plan it priced (the loop nest the export reads)."""
    return plan_and_map(arch, isolated_graph(einsum), ISOLATED_OPTIONS, workload=einsum.name)
