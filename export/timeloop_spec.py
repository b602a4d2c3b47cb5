"""Everything Timeloop needs for one einsum on one chip, as YAML texts (nothing is written).

``export_timeloop(arch, einsum)`` returns the files of one export folder:

| file | top key | what |
|---|---|---|
| ``arch.yaml`` | ``architecture`` | the chip (:mod:`grcim.export.timeloop_arch`), v0.4 ``nodes`` |
| ``problem.yaml`` | ``problem`` | ``Outputs[m, n] += Inputs[m, k] * Weights[k, n]`` |
| ``mapping.yaml`` | ``mapping`` | grcim's schedule (:mod:`grcim.export.timeloop_mapping`) |
| ``constraints.yaml`` | ``constraints`` | the mapspace for ``timeloop-mapper`` |
| ``mapper.yaml`` | ``mapper`` | search settings (linear-pruned; exhaustive by default) |
| ``ERT.yaml``, ``ART.yaml`` | ``ERT``, ``ART`` | grcim's energies (pJ) and areas (µm²) |
| ``grcim.yaml`` | ``grcim`` | grcim's own mapping of the einsum, to compare with |

Run the model with ``arch, problem, mapping`` (+ ``ERT.yaml``, ``ART.yaml`` as extra input
files) and the mapper with ``arch, problem, constraints, mapper`` through Timeloop's Python
front-end (``docs/timeloop.md``; :func:`grcim.export.timeloop_run.run_timeloop`).
Strings the front-end must not evaluate (the technology) are written in quotes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from grcim.arch import Arch
from grcim.export.einsum import ISOLATED_OPTIONS, Einsum, isolated_plan
from grcim.export.timeloop_arch import (
    DATASPACES,
    Quoted,
    Tagged,
    TimeloopArch,
    describe,
    k_split,
    timeloop_arch,
)
from grcim.export.timeloop_mapping import (
    FixedMapping,
    fixed_mapping,
    k_row_split,
    mapper_constraints,
    mapper_settings,
)
from grcim.mapper import MappingResult

__all__ = ["TimeloopExport", "export_timeloop", "FILES", "problem_document",
           "comparable_energy_j", "padding", "yaml_text"]

FILES = ("arch.yaml", "problem.yaml", "mapping.yaml", "constraints.yaml", "mapper.yaml",
         "ERT.yaml", "ART.yaml", "grcim.yaml")
"""The files of one export folder."""


class _Dumper(yaml.SafeDumper):
    """Block YAML; ``Tagged`` mappings get their tag, ``Quoted`` text double quotes."""


def _tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    return dumper.represent_mapping(f"!{data.tag}", dict(data))


def _quoted(dumper: yaml.SafeDumper, data: Quoted) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_Dumper.add_representer(Tagged, _tagged)
_Dumper.add_representer(Quoted, _quoted)


def yaml_text(doc: dict[str, Any], header: str) -> str:
    """``doc`` as YAML after a ``#`` comment block ``header``."""
    head = "".join(f"# {line}".rstrip() + "\n" for line in header.strip().splitlines())
    return head + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=None,
                            width=100)


@dataclass(frozen=True)
class TimeloopExport:
    """One einsum on one chip, for Timeloop.

    Attributes
    ----------
    einsum : Einsum
        The einsum.
    arch : TimeloopArch
        Levels, word size, ERT/ART.
    mapping : FixedMapping
        grcim's schedule as a Timeloop mapping.
    grcim : MappingResult
        grcim's own mapping of the einsum in isolation.
    files : dict[str, str]
        File name -> YAML text (:data:`FILES`).
    """

    einsum: Einsum
    arch: TimeloopArch
    mapping: FixedMapping
    grcim: MappingResult
    files: dict[str, str]


def problem_document(einsum: Einsum, instance: dict[str, int] | None = None) -> dict[str, Any]:
    """The ``problem``: dimensions M, K, N; Inputs[M,K], Weights[K,N], Outputs[M,N]; bounds
    ``instance`` (the mapping's, :attr:`FixedMapping.instance`), else the einsum's."""
    projections = {"Inputs": ("M", "K"), "Weights": ("K", "N"), "Outputs": ("M", "N")}
    spaces = []
    for name in DATASPACES:
        space: dict[str, Any] = {"name": name,
                                 "projection": [[[d]] for d in projections[name]]}
        if name == "Outputs":
            space["read_write"] = True
        spaces.append(space)
    return {"version": 0.4, "shape": {"name": einsum.name, "dimensions": ["M", "K", "N"],
                                      "data_spaces": spaces},
            "instance": dict(instance or einsum.shape)}


def padding(fixed: FixedMapping, einsum: Einsum) -> float:
    """Timeloop's extra MACs on the padded problem (:attr:`FixedMapping.instance`), as a
    fraction of the einsum's."""
    pad = fixed.instance["M"] * fixed.instance["K"] * fixed.instance["N"]
    return pad / (einsum.op.m * einsum.op.k * einsum.op.n) - 1.0


def comparable_energy_j(result: MappingResult, tl: TimeloopArch) -> float:
    """grcim's energy of what Timeloop models: the exported components (the MAC's leakage
    is charged on the cells' level; without a cells level it is left out, Timeloop charging
    none for a compute level)."""
    names = {lv.component.name: lv for lv in tl.levels if lv.component is not None}
    total = 0.0
    for name, energy in result.energy_by_component_j.items():
        lv = names.get(name)
        if lv is None:
            continue
        total += energy
        if lv.kind == "compute" and not tl.mac_leak_on_cells:
            total -= result.energy_by_action_j.get(f"{name}.leak", 0.0)
    return total


def _grcim_document(arch: Arch, einsum: Einsum, export: TimeloopArch, fixed: FixedMapping,
                    result: MappingResult) -> dict[str, Any]:
    macro = arch.macro
    exported = {lv.component.name for lv in export.levels if lv.component is not None}
    left_out = {n: e for n, e in result.energy_by_component_j.items() if n not in exported and e}
    mac = next(lv.name for lv in export.levels if lv.kind == "compute")
    return {
        "einsum": result.workload, "arch": arch.name,
        "options": {"replicate": ISOLATED_OPTIONS.replicate,
                    "weights_preloaded": ISOLATED_OPTIONS.weights_preloaded},
        "mapping": {"exact": fixed.exact, "note": fixed.note,
                    "timeloop_instance": dict(fixed.instance),
                    "padding_macs": padding(fixed, einsum)},
        "units": "SI: J, s, bits; counts are grcim's actions",
        "macs": result.cim_macs, "adc_conversions": result.adc_conversions,
        "dac_conversions": result.dac_conversions, "latency_s": result.latency_s,
        "energy_j": result.energy_j, "dynamic_energy_j": result.dynamic_energy_j,
        "timeloop_comparable_energy_j": comparable_energy_j(result, export),
        "energy_by_component_j": dict(result.energy_by_component_j),
        "actions": dict(result.actions),
        "timeloop_terms": {
            "word_bits": export.word_bits, "cycle_s": export.cycle_s,
            "toll_events_per_timeloop_action": {
                k: {a: n for a, n in (("read", v[0]), ("update", v[1])) if n}
                for k, v in export.scale.items()},
            "n_weight_slices": macro.n_weight_slices, "n_input_slices": macro.n_input_slices,
            "not_in_timeloop_j": {**left_out, **(
                {} if export.mac_leak_on_cells else
                {f"{mac}.leak": result.energy_by_action_j.get(f"{mac}.leak", 0.0)})}},
    }


def export_timeloop(arch: Arch, einsum: Einsum, victory_condition: int = 0) -> TimeloopExport:
    """The Timeloop files for ``einsum`` on chip ``arch`` (see the module docstring).

    Raises
    ------
    grcim.errors.MappingError
        The chip or einsum cannot be described (the message says what and why).
    """
    describe(arch, einsum)  # first: it refuses what Timeloop cannot describe
    plan, result = isolated_plan(arch, einsum)
    rows = k_row_split(arch, einsum, result, plan=plan)
    split = (rows.rows, rows.groups)
    # priced once, with the bandwidths of the K split the mapping uses
    tl = timeloop_arch(arch, einsum,
                       None if split == k_split(einsum.op.k, arch.macro) else split)
    fixed = fixed_mapping(arch, einsum, tl, result, plan)
    where = f"grcim export timeloop: einsum {einsum.name} on arch {arch.name}"
    padded = ("" if fixed.instance == einsum.shape else
              f"\nPADDED: the einsum is {einsum.shape}, +{padding(fixed, einsum):.2%} MACs on "
              "zero values; Timeloop's loop factors must multiply to the bounds (mapping.yaml "
              "says why). Timeloop's energy and cycles are those of the padded problem.")
    files = {
        "arch.yaml": yaml_text({"architecture": tl.architecture}, f"""
{where}
Timeloop v0.4 architecture (front-end 'nodes'); levels and units: docs/timeloop.md.
Run through the front-end (pytimeloop.timeloopfe) with problem.yaml and mapping.yaml or
constraints.yaml + mapper.yaml, and ERT.yaml + ART.yaml as extra input files: they are
required, Accelergy cannot price the tolls (storage levels of grcim's converter classes,
which have no write or update action) itself."""),
        "problem.yaml": yaml_text({"problem": problem_document(einsum, fixed.instance)}, f"""
{where}
Outputs[m, n] += Inputs[m, k] * Weights[k, n]; {einsum.bits['Inputs']}-bit values.{padded}"""),
        "mapping.yaml": yaml_text({"mapping": fixed.targets}, f"""
{where}
Fixed mapping ({'exact' if fixed.exact else 'NOT exact'}): {fixed.note}"""),
        "constraints.yaml": yaml_text({"constraints": {
            "version": 0.4, "targets": mapper_constraints(tl, fixed)}}, f"""
{where}
Mapspace for timeloop-mapper: the array geometry, the tolls' and cells' dataspaces and
no weight replication are fixed; loop orders, tiling above the macros, what the global
SRAM keeps and the spread of tiles over the macros are searched."""),
        "mapper.yaml": yaml_text({"mapper": mapper_settings(victory_condition)}, f"""
{where}
Linear-pruned search, one thread; victory_condition 0 searches the whole (pruned)
mapspace. For large layers set e.g. victory_condition: 2000."""),
        "ERT.yaml": yaml_text({"ERT": tl.ert}, f"""
{where}
Energy per action, pJ, from grcim's models and the arch's explicit costs (leak: per
instance and per cycle of {tl.cycle_s:g} s). Names are those the front-end gives."""),
        "ART.yaml": yaml_text({"ART": tl.art}, f"""
{where}
Area per instance, um^2, from grcim's models and the arch."""),
        "grcim.yaml": yaml_text({"grcim": _grcim_document(arch, einsum, tl, fixed, result)}, f"""
{where}
grcim's own mapping of this einsum alone, to compare with Timeloop's stats."""),
    }
    return TimeloopExport(einsum, tl, fixed, result, files)
