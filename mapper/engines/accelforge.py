"""The AccelForge engine: map the same arch file and workload with AccelForge's FFM mapper.

AccelForge (Timeloop's successor, ``pip install 'grcim[accelforge]'``, pinned to 1.0.466:
1.0.467 needs Graphviz ``dot``) is imported lazily, only here. Its mapper explores loop
orders and tile shapes per einsum, minutes per layer, so this engine maps **one decoder
layer** (the einsum export of :mod:`grcim.workloads.einsum_export`; all layers are
identical) and scales it by the number of layers. It models the einsums only: norms, RoPE,
activations, residual adds, the embedding and the LM head are not in the result.

The bundled arch files run in AccelForge as they are (``Spec.from_yaml(file, workload)``):
DRAM keeps every tensor, each toll's ``values_per_action`` makes one action one physical
event (one column conversion, one row drive), the cells store ``n_weight_slices *
cell_bits`` bits per weight, the vector unit reads its operands from registers, and the
MAC's area and leakage are per weight. What the engine still sets on AccelForge's ``Spec``:

- ``config``: grcim's hwcomponents models are passed explicitly (installed models are used
  only for component classes grcim does not serve), as :mod:`grcim.mapper.pricing` does;
- ``mapper.explore_loop_orders = False`` and no fusion (einsums are mapped one by one);
- which compute runs an einsum (AccelForge cannot read grcim's ``dynamic_matmul_unit``: it
  would put QK^T and AV on the macros, treating K and V like weights): weight einsums on
  the macros (the vector unit disabled), QK^T and AV where ``dynamic_matmul_unit`` says,
  the softmax copy and the SwiGLU gate multiply on the vector unit;
- for an arch file that lacks them (user files), the settings above that the bundled files
  carry: DRAM ``keep: All``, the tolls' ``values_per_action`` and the cells' weight
  ``bits_per_value``. The result's notes name every such patch.

The result reports the ADC's conversions and the other row-group output tolls (the GR-MAC
gain stage) apart, reconciles each component's leakage power with grcim's pricing of the
same file (a difference is named with its cause) and states the causal-mask difference:
AccelForge 1.0.466 counts QK^T and AV densely, ignoring the export's ``p <= m`` shape
constraint, so in prefill it counts about twice the attention MACs grcim does.

``metric`` chooses AccelForge's objective: ``energy`` (its default; includes leakage, so it
may copy weights onto idle macros to finish sooner) or ``dynamic_energy`` (never copies;
the setting of grcim's cross-check against its analytic engine with ``replicate=False``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from grcim.arch import Arch, DynamicMatmulUnit
from grcim.arch.nodes import MemoryNode
from grcim.errors import MappingError
from grcim.mapper.actions import bits_per_action
from grcim.mapper.components import ChipComponents, Component, bind_components
from grcim.mapper.mapping import check_bits, fp_macro, peak_cim_macs_per_s
from grcim.mapper.pricing import model_classes, own_model, price_components
from grcim.mapper.result import LEAKAGE, MappingResult
from grcim.mapper.rollup import by_component_and_action
from grcim.workloads import Step

__all__ = ["ACCELFORGE_VERSION", "AccelForgeRun", "run_accelforge", "map_with_accelforge",
           "require_accelforge", "EINSUM_ROLES", "workload_yaml_for_matmul"]

ACCELFORGE_VERSION = "1.0.466"
"""The AccelForge release the engine is written and tested against (the extra pins it)."""
EINSUM_ROLES: dict[str, str] = {
    "I": "input_copy", "Q": "q_proj", "K": "k_proj", "K_new": "k_proj", "V": "v_proj",
    "V_new": "v_proj", "QK": "attn_qk", "QK_softmax": "softmax", "AV": "attn_pv",
    "Z": "o_proj", "FU": "ffn_up", "FG": "ffn_gate", "FM": "gate_mul", "FD": "ffn_down",
    "LOGITS": "lm_head",
}
"""Graph role of each einsum of the export (``L<i>_`` prefixes stripped)."""
_VECTOR_EINSUMS = ("QK_softmax", "FM")
_DYNAMIC_EINSUMS = ("QK", "AV")
_ATTENTION_ROLES = tuple(EINSUM_ROLES[e] for e in _DYNAMIC_EINSUMS)  # attn_qk, attn_pv


def require_accelforge() -> Any:
    """Import AccelForge, or raise a one-line error saying how to install it."""
    try:
        import accelforge
    except ImportError:
        raise MappingError("the AccelForge engine needs the optional extra: pip install "
                           f"'grcim[accelforge]' (accelforge=={ACCELFORGE_VERSION})") from None
    return accelforge


@dataclass(frozen=True)
class AccelForgeRun:
    """What AccelForge reports for a set of einsums.

    Attributes
    ----------
    energy_j : dict[(str, str), float]
        Energy by (component, action), summed over the einsums, J (``leak`` included as an
        action).
    actions : dict[(str, str), float]
        Action counts by (component, action), summed over the einsums.
    energy_by_einsum : dict[str, float]
        Energy of each einsum (its leakage included), J.
    latency_by_einsum : dict[str, float]
        Latency of each einsum, s.
    wall_s : float
        Wall time of the mapping, s.
    einsum_actions : dict[str, dict[(str, str), float]]
        Action counts of each einsum by (component, action).
    einsum_energy_j : dict[str, dict[(str, str), float]]
        Energy of each einsum by (component, action), J.
    patches : tuple of str
        Settings the engine added because the arch file lacks them (empty for the bundled
        files).
    """

    energy_j: dict[tuple[str, str], float]
    actions: dict[tuple[str, str], float]
    energy_by_einsum: dict[str, float]
    latency_by_einsum: dict[str, float]
    wall_s: float
    einsum_actions: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    einsum_energy_j: dict[str, dict[tuple[str, str], float]] = field(default_factory=dict)
    patches: tuple[str, ...] = ()

    @property
    def total_energy_j(self) -> float:
        """All energy, J."""
        return sum(self.energy_j.values())

    @property
    def dynamic_energy_j(self) -> float:
        """Energy without leakage, J."""
        return sum(v for (_, a), v in self.energy_j.items() if a != "leak")

    @property
    def latency_s(self) -> float:
        """Summed einsum latencies (AccelForge runs einsums one after another), s."""
        return sum(self.latency_by_einsum.values())


def _unit(einsum: str, tensors: list[str], dynamic_unit: DynamicMatmulUnit) -> str:
    base = re.sub(r"^L\d+_", "", einsum)
    if base in _VECTOR_EINSUMS:
        return "vector"
    if base in _DYNAMIC_EINSUMS:
        return "cim" if dynamic_unit is DynamicMatmulUnit.CIM else "vector"
    if any(t == "weight" or re.sub(r"^L\d+_", "", t).startswith("W") for t in tensors):
        return "cim"
    return "any"


def toll_values_per_action(arch: Arch, comps: ChipComponents) -> dict[str, dict[str, float]]:
    """The ``values_per_action`` that make one AccelForge toll action one physical event
    of grcim's count (:mod:`grcim.mapper.actions`): a row-group toll charging outputs
    ``1 / (converted slices * n_input_slices)`` (one column conversion; the converted
    slices are ``n_weight_slices`` for bit-sliced cells, 1 for a charge-shared weight),
    charging inputs
    ``1 / n_input_slices`` (one row drive); macro- and chip-level tolls count values (1)."""
    macro = arch.macro
    out: dict[str, dict[str, float]] = {}
    for c in comps.tolls:
        per: dict[str, float] = {}
        for tensor in sorted(c.charges):
            if c.level == 2 and tensor == "output":
                per[tensor] = 1.0 / (macro.converted_slices * macro.n_input_slices)
            elif c.level == 2 and tensor == "input":
                per[tensor] = 1.0 / macro.n_input_slices
            else:
                per[tensor] = 1.0
        out[c.name] = per
    return out


def _declared(values: dict[str, float], tensor: str) -> float | None:
    """The value a per-tensor mapping gives ``tensor``: its own key, else ``All``."""
    for key in (tensor, "All", "all"):
        if key in values:
            return float(values[key])
    return None


def _same(value: float | None, want: float) -> bool:
    return value is not None and abs(value - want) <= 1e-12 * abs(want)


def _apply_missing(spec: Any, arch: Arch, comps: ChipComponents) -> tuple[str, ...]:
    """Add to ``spec`` what grcim's model needs and the arch file does not say (the bundled
    files say all of it); return a note per patch."""
    macro = arch.macro
    patches = []
    dram = next(n for n in arch.nodes
                if isinstance(n, MemoryNode) and n.name == comps.dram.name)
    if (dram.tensors.keep or "").strip() not in ("All", "all"):
        # einsums mapped one by one exchange intermediates through DRAM (grcim's spill
        # model); a DRAM that keeps only non-intermediates leaves them no home
        spec.arch.find(comps.dram.name).tensors.keep = "All"
        patches.append(f"{comps.dram.name} keep: All")
    for c in comps.tolls:
        want = toll_values_per_action(arch, comps)[c.name]
        have = getattr(c.node, "values_per_action", {}) or {}
        if any(not _same(_declared(have, k), v) for k, v in want.items()):
            spec.arch.find(c.name).values_per_action = want
            patches.append(f"{c.name} values_per_action {want}")
    if comps.cells is not None and isinstance(comps.cells.node, MemoryNode):
        stored = macro.n_weight_slices * macro.cell_bits
        if not _same(_declared(comps.cells.node.bits_per_value, "weight"), stored):
            spec.arch.find(comps.cells.name).bits_per_value = {"weight": stored}
            patches.append(f"{comps.cells.name} bits_per_value weight: {stored}")
    return tuple(patches)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """AccelForge prints progress, logs and warns freely (pandas deprecations inside it);
    keep grcim's terminal output clean and its warnings-as-errors test setting unaffected."""
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(
                io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.getLogger().setLevel(level)


def _objective(metric: str) -> Any:
    """AccelForge's ``Metrics`` member for ``metric``, refused before any file is read."""
    from accelforge import Metrics

    metrics = {"energy": Metrics.ENERGY, "dynamic_energy": Metrics.DYNAMIC_ENERGY}
    if metric not in metrics:
        raise MappingError(f"metric = {metric!r}: energy or dynamic_energy")
    return metrics[metric]


def _needs_installed_models(comps: ChipComponents) -> bool:
    """Whether a node names a component class none of grcim's models serves: only then may
    AccelForge fall back on the installed hwcomponents models, so both price alike."""
    return any(own_model(c.node.component_class) is None
               for c in comps.all() if c.node.component_class)


def _load_spec(af: Any, arch: Arch, source: str, workload_path: str, comps: ChipComponents,
               objective: Any, installed: bool) -> tuple[Any, tuple[str, ...]]:
    """AccelForge's ``Spec`` of the arch file ``source`` (absolute) and workload with the
    engine's settings (module docstring), and the notes of the patches it needed."""
    spec = af.Spec.from_yaml(source, workload_path)
    spec.config.add_component_models(list(model_classes()))
    spec.config.use_installed_component_models = installed
    spec.mapper.explore_loop_orders = False
    spec.mapper.metrics = objective
    return spec, _apply_missing(spec, arch, comps)


_EinsumCounts = tuple[dict[tuple[str, str], float], dict[tuple[str, str], float], float, float]


def _map_einsum(spec: Any, name: str, arch: Arch, mac: Any, vector: Any) -> _EinsumCounts:
    """Map one einsum on the compute grcim would run it on (AccelForge cannot read
    ``dynamic_matmul_unit``); return its energy and actions by (component, action), its
    energy and its latency."""
    assert arch.chip is not None
    einsum = spec.workload.einsums[name]
    unit = _unit(name, [t.name for t in einsum.tensor_accesses], arch.chip.dynamic_matmul_unit)
    mac.enabled = unit != "vector"
    if vector is not None:
        vector.enabled = unit != "cim"
    try:
        m = spec.map_workload_to_arch(einsum_names=[name], print_progress=False)
    except Exception as exc:  # AccelForge raises plain exceptions
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise MappingError(f"AccelForge found no mapping for einsum {name!r} on "
                           f"arch {arch.name!r}: {first[:300]}") from None
    energy = {(c, a): float(v) for (c, a), v in m.energy(
        per_component=True, per_action=True).items()}
    actions = {(c, a): float(v) for (c, a), v in m.actions(per_component=True).items()}
    return energy, actions, float(m.energy()), float(m.latency())


def _summed(per_einsum: dict[str, dict[tuple[str, str], float]]
            ) -> dict[tuple[str, str], float]:
    """Values by (component, action) summed over the einsums, in the einsums' order."""
    total: dict[tuple[str, str], float] = defaultdict(float)
    for values in per_einsum.values():
        for k, v in values.items():
            total[k] += v
    return dict(total)


def run_accelforge(arch: Arch, workload_text: str, metric: str = "energy",
                   einsums: list[str] | None = None) -> AccelForgeRun:
    """Map an einsum workload (AccelForge YAML text) onto ``arch``'s file with AccelForge.

    Parameters
    ----------
    arch : Arch
        A chip loaded from a file (AccelForge reads the file itself).
    workload_text : str
        AccelForge workload YAML (``workload`` + ``renames``).
    metric : {"energy", "dynamic_energy"}
        AccelForge's objective.
    einsums : list of str or None
        Einsums to map (default: all).

    Raises
    ------
    grcim.errors.MappingError
        AccelForge is missing, the arch is not a file, or AccelForge finds no mapping.
    """
    af = require_accelforge()
    objective = _objective(metric)
    if not Path(arch.source).is_file():
        raise MappingError(f"the AccelForge engine reads the arch file itself; arch "
                           f"{arch.name!r} was not loaded from a file ({arch.source})")
    comps = bind_components(arch)
    installed = _needs_installed_models(comps)
    per_actions: dict[str, dict[tuple[str, str], float]] = {}
    per_energy: dict[str, dict[tuple[str, str], float]] = {}
    by_einsum: dict[str, float] = {}
    latency: dict[str, float] = {}
    start = time.perf_counter()
    # AccelForge reads the arch file itself and hands its technology paths to grcim's
    # models as written: relative ones name files next to the arch file (the loader's
    # rule, Arch.technology_files), so they are opened from there, not from the caller's
    # folder
    source = os.path.abspath(arch.source)
    folder = (contextlib.chdir(os.path.dirname(source)) if arch.technology_files
              else contextlib.nullcontext())
    with tempfile.TemporaryDirectory(prefix="grcim-af-") as tmp, _quiet(), folder:
        wl = os.path.join(tmp, "workload.yaml")
        Path(wl).write_text(workload_text, encoding="utf-8")
        spec, patches = _load_spec(af, arch, source, wl, comps, objective, installed)
        # the copy einsum (I = I_in) only makes the first input an intermediate
        names = einsums or [e.name for e in spec.workload.einsums
                            if not getattr(e, "is_copy_operation", False)]
        mac = spec.arch.find(comps.mac.name)
        vector = spec.arch.find(comps.vector.name) if comps.vector else None
        for name in names:
            (per_energy[name], per_actions[name], by_einsum[name],
             latency[name]) = _map_einsum(spec, name, arch, mac, vector)
    return AccelForgeRun(_summed(per_energy), _summed(per_actions), by_einsum, latency,
                         time.perf_counter() - start, per_actions, per_energy, patches)


def map_with_accelforge(arch: Arch, graph: nx.DiGraph, layer: int = 0,
                        metric: str = "energy") -> MappingResult:
    """Map one decoder layer of ``graph`` with AccelForge and scale it to the whole model.

    Returns
    -------
    MappingResult
        ``engine="accelforge"``; energies, counts and latency of ``n_layers`` copies of
        layer ``layer``'s einsums (no vector ops, embedding or LM head; see the notes).
    """
    from grcim.workloads.einsum_export import einsum_yaml

    require_accelforge()
    step = Step.of(graph)
    check_bits(arch, step)
    config = step.config
    if config is None:
        raise MappingError("the AccelForge engine needs a graph built by build_graph "
                           "(its model config is exported as einsums)")
    run = run_accelforge(arch, einsum_yaml(graph, layer), metric)
    return _to_result(arch, graph, run, int(config.n_layers), layer)


def _role(einsum: str) -> str:
    return EINSUM_ROLES.get(re.sub(r"^L\d+_", "", einsum), einsum)


def _pick_toll(tolls: list[Component], word: str) -> Component | None:
    """The toll whose name or model names ``word`` (``adc``, ``dac``), else the first."""
    for c in tolls:
        if word in c.name.lower() or word in (c.node.component_class or "").lower():
            return c
    return tolls[0] if tolls else None


def _leak_notes(arch: Arch, comps: ChipComponents, leak_j: dict[str, float],
                latency_s: float) -> list[str]:
    """Each component's leakage power in AccelForge's result against grcim's pricing of
    the same file; a difference is named with its cause."""
    if latency_s <= 0:
        return []
    ours = price_components(arch, comps, ()).leak_power_w
    notes = []
    for c in comps.all():
        theirs = leak_j.get(c.name, 0.0) / latency_s
        mine = ours.get(c.name, 0.0)
        if abs(theirs - mine) <= 1e-6 * max(abs(mine), abs(theirs), 1e-30):
            continue
        gated = any(getattr(s, "power_gateable", False) for n in arch.nodes
                    for s in getattr(n, "spatial", ()))
        if c.role == "vector" or c.role == "registers":
            cause = ("AccelForge charges the vector branch only while its einsums run "
                     "(forked branch power gating)") if gated else (
                "AccelForge leaks the vector branch over einsums it does not run")
        elif gated:
            cause = "AccelForge power-gates the instances an einsum leaves unused"
        else:
            cause = ("AccelForge's instance count or model query differs from grcim's "
                     "(check usage_scale fanouts and *_scale fields)")
        notes.append(f"leakage of {c.name}: AccelForge {theirs:.4g} W, grcim {mine:.4g} W "
                     f"({theirs / mine if mine else float('inf'):.3g}x): {cause}")
    if not notes:
        notes.append("leakage power of every component equals grcim's pricing of the same "
                     "file; leakage energy differs only through the latency")
    return notes


def _causal_note(graph: nx.DiGraph, run: AccelForgeRun, comps: ChipComponents,
                 layer: int) -> str | None:
    """The attention MACs AccelForge counted against the graph's (causal) count."""
    ours = sum(graph.nodes[n]["op"].macs for n in graph
               if graph.nodes[n]["op"].role in _ATTENTION_ROLES
               and graph.nodes[n]["op"].layer == layer)
    theirs = 0.0
    for name, acts in run.einsum_actions.items():
        if _role(name) in _ATTENTION_ROLES:
            for c in (comps.mac, comps.vector):
                if c is not None:
                    theirs += acts.get((c.name, "compute"), 0.0)
    if not ours or abs(theirs - ours) <= 1e-9 * ours:
        return None
    return (f"causal mask: AccelForge counts {theirs:.4g} QK^T + AV MACs per layer, the "
            f"graph {ours:.4g} ({theirs / ours:.3g}x): AccelForge {ACCELFORGE_VERSION} "
            "ignores the export's iteration_space_shape (p <= m), so its attention "
            "energy and time are those of unmasked attention")


def _vector_counts(run: AccelForgeRun, comps: ChipComponents, scale: int
                   ) -> tuple[float, float]:
    """``(MACs, operations)`` of the vector unit over ``scale`` layers: only the QK^T and AV
    einsums' computes are MACs (a mul + an add each, 2 operations); the softmax copy and
    the gate multiply run there too, one operation per compute (AccelForge's op model of
    them: one compute per element). Counting every vector compute as a MAC made tiny-llama
    decode 4464 MACs instead of 4352."""
    if comps.vector is None:
        return 0.0, 0.0
    key = (comps.vector.name, "compute")
    macs = other = 0.0
    for name, acts in run.einsum_actions.items():
        if _role(name) in _ATTENTION_ROLES:
            macs += acts.get(key, 0.0)
        else:
            other += acts.get(key, 0.0)
    return macs * scale, (2 * macs + other) * scale


def _count(acts: dict[tuple[str, str], float], comp: Component | None, action: str) -> float:
    """Actions of ``comp`` (0 for a component the chip lacks)."""
    return acts.get((comp.name, action), 0.0) if comp is not None else 0.0


def _bits(acts: dict[tuple[str, str], float], comp: Component | None, action: str) -> float:
    """Bits ``comp``'s ``action`` moved: AccelForge counts one action per
    ``bits_per_action`` bits (1 in the bundled files, but a file may say 64)."""
    if comp is None:
        return 0.0
    return _count(acts, comp, action) * bits_per_action(comp.node, action)


def _leak_by_component(energy: dict[tuple[str, str], float]) -> dict[str, float]:
    """Leakage energy of each component: AccelForge reports it as the ``leak`` action."""
    leak: dict[str, float] = defaultdict(float)
    for (comp, action), v in energy.items():
        if action == "leak":
            leak[comp] += v
    return dict(leak)


def _energy_by_role(run: AccelForgeRun, scale: int, leak: float, total: float
                    ) -> dict[str, float]:
    """Dynamic energy of each graph role plus all leakage under :data:`LEAKAGE`, so the
    breakdown sums to the total as grcim's engine's does."""
    by_role: dict[str, float] = defaultdict(float)
    for name, v in run.energy_by_einsum.items():
        # AccelForge's per-einsum energy includes that einsum's leakage: move it to one key
        einsum_leak = sum(e for (_, a), e in run.einsum_energy_j.get(name, {}).items()
                          if a == "leak")
        by_role[_role(name)] += (v - einsum_leak) * scale
    if not run.einsum_energy_j:  # a run without per-einsum detail: spread it evenly
        share = leak / total if total else 0.0
        by_role = defaultdict(float, {k: v * (1.0 - share) for k, v in by_role.items()})
    by_role[LEAKAGE] = leak
    return dict(by_role)


def _latency_by_role(run: AccelForgeRun, scale: int) -> dict[str, float]:
    """Latency of each graph role (einsums of one role add up: they run one by one)."""
    lat_role: dict[str, float] = defaultdict(float)
    for name, v in run.latency_by_einsum.items():
        lat_role[_role(name)] += v * scale
    return dict(lat_role)


def _conversion_tolls(comps: ChipComponents) -> tuple[Component | None, Component | None,
                                                      list[Component]]:
    """The ADC, the DAC and the other row-group output tolls (a GR-MAC gain stage), kept
    apart so the ADC count is the ADC's alone."""
    outputs = [c for c in comps.tolls if c.level == 2 and "output" in c.charges]
    inputs = [c for c in comps.tolls if c.level == 2 and "input" in c.charges]
    adc_toll, dac_toll = _pick_toll(outputs, "adc"), _pick_toll(inputs, "dac")
    return adc_toll, dac_toll, [c for c in outputs if c is not adc_toll]


def _result_notes(arch: Arch, graph: nx.DiGraph, run: AccelForgeRun, comps: ChipComponents,
                  acts: dict[tuple[str, str], float], leak_by_component: dict[str, float],
                  latency: float, scale: int, layer: int) -> tuple[str, ...]:
    """What the result leaves out or counts differently from grcim's engine, and why."""
    adc_toll, _, others = _conversion_tolls(comps)
    notes = [f"AccelForge {ACCELFORGE_VERSION} FFM mapper, one decoder layer x {scale} "
             f"layers, einsums mapped one by one ({run.wall_s:.0f} s)",
             "not in AccelForge's model: norms, RoPE, activations, residual adds, "
             "embedding, LM head; area from grcim's pricing of the same models"]
    if adc_toll is not None:
        notes.append(f"ADC conversions are {adc_toll.name}'s actions"
                     + "".join(f"; {c.name} counts {_count(acts, c, 'read'):.4g} actions "
                               "apart" for c in others))
    if run.patches:
        notes.append("engine patches (missing from the arch file): " + "; ".join(run.patches))
    causal = _causal_note(graph, run, comps, layer)
    if causal:
        notes.append(causal)
    notes += _leak_notes(arch, comps, leak_by_component, latency)
    return tuple(notes)


def _to_result(arch: Arch, graph: nx.DiGraph, run: AccelForgeRun, scale: int,
               layer: int = 0) -> MappingResult:
    """Scale one layer's AccelForge run by ``scale`` layers into grcim's result, with the
    differences from grcim's engine named in the notes."""
    comps = bind_components(arch)
    chip = arch.chip
    assert chip is not None
    step = Step.of(graph)
    energy = {k: v * scale for k, v in run.energy_j.items()}
    acts = {k: v * scale for k, v in run.actions.items()}
    # AccelForge reports leakage as each component's "leak" action: kept in place
    by_component, by_action = by_component_and_action(energy)
    leak_by_component = _leak_by_component(energy)
    leak = sum(leak_by_component.values())
    total = sum(energy.values())
    latency = run.latency_s * scale
    area = price_components(arch, comps, ()).area_m2  # same models as AccelForge's
    adc_toll, dac_toll, _ = _conversion_tolls(comps)
    cim_macs = _count(acts, comps.mac, "compute")
    vector_macs, vector_ops = _vector_counts(run, comps, scale)
    return MappingResult(
        engine="accelforge", arch=arch.name, arch_description=arch.description,
        workload=step.model, phase=step.phase, batch=step.batch, tokens=step.tokens,
        context=step.context, energy_j=total, dynamic_energy_j=total - leak,
        leak_energy_j=leak, latency_s=latency,
        macs=cim_macs + vector_macs, cim_macs=cim_macs, vector_ops=vector_ops,
        fp_macro=fp_macro(arch), area_m2=sum(area.values()),
        array_utilization=None,  # AccelForge reports no loaded-slot count
        adc_conversions=_count(acts, adc_toll, "read"),
        dac_conversions=_count(acts, dac_toll, "read"),
        dram_read_bytes=_bits(acts, comps.dram, "read") / 8,
        dram_write_bytes=_bits(acts, comps.dram, "write") / 8,
        sram_read_bytes=_bits(acts, comps.sram, "read") / 8,
        sram_write_bytes=_bits(acts, comps.sram, "write") / 8,
        cell_bits_written=_bits(acts, comps.cells, "write"), weights_resident=False,
        pipelined=False, bound="accelforge", critical_path_s=latency, resource_time_s={},
        energy_by_component_j=by_component, energy_by_action_j=by_action,
        energy_by_layer_type_j=_energy_by_role(run, scale, leak, total),
        latency_by_layer_type_s=_latency_by_role(run, scale), bound_by_layer_type={},
        area_by_component_m2=dict(area),
        actions={f"{c}.{a}": v for (c, a), v in acts.items()}, action_energy_j={},
        peak_cim_macs_per_s=peak_cim_macs_per_s(arch),
        peak_vector_ops_per_s=chip.vector.throughput_ops_per_s,
        dram_bandwidth_bytes_per_s=chip.dram.bandwidth_bytes_per_s,
        notes=_result_notes(arch, graph, run, comps, acts, leak_by_component, latency, scale,
                            layer),
    )


def workload_yaml_for_matmul(m: int, k: int, n: int, bits: int = 8) -> str:
    """AccelForge workload text of one ``m x k`` by ``k x n`` matmul (input, weight, output)."""
    doc = {"workload": {"rank_sizes": {"M": m, "N": n, "K": k}, "einsums": [{
        "name": "Matmul", "tensor_accesses": [
            {"name": "input", "projection": ["m", "k"], "bits_per_value": bits},
            {"name": "weight", "projection": ["k", "n"], "bits_per_value": bits},
            {"name": "output", "projection": ["m", "n"], "output": True,
             "bits_per_value": bits}]}]}}
    return yaml.safe_dump(doc, sort_keys=False)
