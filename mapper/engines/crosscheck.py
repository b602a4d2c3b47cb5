"""Einsum-by-einsum comparison of grcim's analytic mapper with AccelForge's FFM mapper.

AccelForge maps a layer's einsums one by one, each reading its input from DRAM and writing
its output to DRAM (the bundled DRAM keeps every tensor). grcim maps each matmul of the
same layer as a one-op graph, which has exactly those boundaries (an op without producers
reads from DRAM, an output nobody reads goes to DRAM), with the weights starting in DRAM
(``weights_preloaded=False``, as AccelForge counts them). Both price the same arch file
with the same models; energies include each engine's leakage over its own latency.

What one engine models and the other does not is removed from the comparison:

- the causal mask: AccelForge 1.0.466 counts QK^T and AV densely, so grcim's op is
  compared with its mask removed (``macs`` = the dense count);
- the softmax and the SwiGLU gate multiply are not compared (AccelForge prices one
  multiply-add per element, grcim the op's recipe of adds, multiplies and exponentials);
- norms, RoPE, activations, residual adds and the LM head have no einsum;
- a K/V projection's output, written to DRAM, is the new KV-cache entry (grcim's op would
  count the cache write apart).

The final output of a matmul whose partial sums stay in SRAM goes straight to DRAM in
grcim's model; AccelForge writes it into the buffer and reads it back first, one write and
one read more: that part of the gap is grcim's advantage, not removed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import networkx as nx

from grcim.arch import Arch
from grcim.mapper.components import ChipComponents, bind_components
from grcim.mapper.engines.accelforge import EINSUM_ROLES, _pick_toll, run_accelforge
from grcim.mapper.mapping import MapOptions, map_graph
from grcim.mapper.result import MappingResult
from grcim.workloads import Op, OpKind

__all__ = ["EinsumComparison", "compare_einsums", "COUNTED", "CIM_ROLES", "one_op_graph"]

CIM_ROLES: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "ffn_up", "ffn_gate",
                              "ffn_down")
"""Roles of the weight matmuls of a decoder layer (the CIM einsums)."""
COUNTED: tuple[str, ...] = ("macs", "adc", "dac", "cell_writes")
"""Counts that must agree between the engines for a comparison to be like for like."""


@dataclass(frozen=True)
class EinsumComparison:
    """One einsum mapped by both engines.

    Attributes
    ----------
    einsum, role : str
        AccelForge's einsum name and grcim's op role.
    grcim_energy_j, accelforge_energy_j : float
        Energy of the einsum, leakage over each engine's latency included, J.
    grcim_latency_s, accelforge_latency_s : float
        Latency of the einsum, s.
    grcim_counts, accelforge_counts : dict[str, float]
        MACs, ADC conversions, DAC row drives and cell bits written (:data:`COUNTED`).
    grcim_mapping : str
        grcim's chosen loop order and placement.
    adjustments : tuple of str
        What was removed from the comparison (empty for the weight matmuls).
    """

    einsum: str
    role: str
    grcim_energy_j: float
    accelforge_energy_j: float
    grcim_latency_s: float
    accelforge_latency_s: float
    grcim_counts: dict[str, float]
    accelforge_counts: dict[str, float]
    grcim_mapping: str
    adjustments: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """grcim's energy over AccelForge's."""
        return self.grcim_energy_j / self.accelforge_energy_j

    @property
    def counts_equal(self) -> bool:
        """Every :data:`COUNTED` count agrees (to rounding)."""
        return all(abs(self.grcim_counts[k] - self.accelforge_counts[k])
                   <= 1e-9 * max(1.0, abs(self.accelforge_counts[k])) for k in COUNTED)


def one_op_graph(op: Op, attrs: dict) -> nx.DiGraph:
    """A graph holding only ``op`` (no model config: storage is the op's own)."""
    keep = {k: attrs[k] for k in ("phase", "batch", "tokens", "context", "weight_bits",
                                   "act_bits", "kv_bits") if k in attrs}
    g: nx.DiGraph[str] = nx.DiGraph(model=str(attrs.get("model", "einsum")), **keep)
    g.add_node(op.name, op=op)
    return g


def _counts(r: MappingResult, names: dict[str, str]) -> dict[str, float]:
    return {"macs": r.macs, "adc": r.adc_conversions, "dac": r.dac_conversions,
            "cell_writes": r.actions.get(f"{names['cells']}.write", 0.0)}


def compare_einsums(arch: Arch, graph: nx.DiGraph, layer: int = 0,
                    roles: tuple[str, ...] = CIM_ROLES + ("attn_qk", "attn_pv"),
                    metric: str = "energy", objective: str = "energy"
                    ) -> list[EinsumComparison]:
    """Map the einsums of layer ``layer`` of ``graph`` with both engines (module docstring).

    Parameters
    ----------
    roles : tuple of str
        grcim roles to compare (weight matmuls and QK^T/PV; others are not comparable).
    metric : {"energy", "dynamic_energy"}
        AccelForge's objective.
    objective : {"energy", "latency", "edp"}
        grcim's.
    """
    from grcim.workloads.einsum_export import einsum_yaml

    comps = bind_components(arch)
    names = {"cells": comps.cells.name if comps.cells else "", "mac": comps.mac.name,
             "vector": comps.vector.name if comps.vector else ""}
    ops = {graph.nodes[n]["op"].role: graph.nodes[n]["op"] for n in graph
           if graph.nodes[n]["op"].layer == layer and graph.nodes[n]["op"].role in roles}
    text = einsum_yaml(graph, layer)
    einsums = [e for e, role in _einsums(text).items() if role in ops]
    run = run_accelforge(arch, text, metric, einsums)
    options = MapOptions(weights_preloaded=False, objective=objective)
    out = []
    for einsum in einsums:
        role = _einsums(text)[einsum]
        op = ops[role]
        adjust: tuple[str, ...] = ()
        if op.kind is OpKind.DYNAMIC_MATMUL:
            dense = op.batch_count * op.m * op.k * op.n
            if op.macs != dense:
                adjust = (f"causal mask removed from grcim's op ({op.macs} -> {dense} MACs): "
                          "AccelForge counts attention densely",)
                op = dataclasses.replace(op, macs=dense)
        if op.kv_write_elements:  # the output AccelForge writes to DRAM is the new entry
            op = dataclasses.replace(op, kv_write_elements=0)
        r = map_graph(arch, one_op_graph(op, graph.graph), options)
        acts = run.einsum_actions[einsum]
        theirs = _counts_af(acts, names, comps)
        out.append(EinsumComparison(
            einsum, role, r.energy_j, run.energy_by_einsum[einsum], r.latency_s,
            run.latency_by_einsum[einsum], _counts(r, names), theirs, r.ops[0].mapping,
            adjust))
    return out


def _counts_af(acts: dict[tuple[str, str], float], names: dict[str, str],
               comps: ChipComponents) -> dict[str, float]:
    outputs = [t for t in comps.tolls if t.level == 2 and "output" in t.charges]
    inputs = [t for t in comps.tolls if t.level == 2 and "input" in t.charges]
    adc, dac = _pick_toll(outputs, "adc"), _pick_toll(inputs, "dac")
    macs = acts.get((names["mac"], "compute"), 0.0) + acts.get((names["vector"], "compute"),
                                                               0.0)
    return {"macs": macs, "adc": acts.get((adc.name, "read"), 0.0) if adc else 0.0,
            "dac": acts.get((dac.name, "read"), 0.0) if dac else 0.0,
            "cell_writes": acts.get((names["cells"], "write"), 0.0)}


def _einsums(text: str) -> dict[str, str]:
    """Einsum name -> grcim role, in the export's order."""
    import yaml

    doc = yaml.safe_load(text)
    out = {}
    for e in doc["workload"]["einsums"]:
        name = e["einsum"].split("[", 1)[0].strip()
        base = re.sub(r"^L\d+_", "", name)
        if base in EINSUM_ROLES and not e.get("is_copy_operation"):
            out[name] = EINSUM_ROLES[base]
    return out
