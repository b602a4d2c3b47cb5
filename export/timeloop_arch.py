"""A grcim chip as a Timeloop v0.4 architecture (front-end ``nodes`` list), with its ERT/ART.

Level by level, top first, following the arch file's main path (the ``!Fork`` side branch,
the vector unit, is left out: the einsum runs on the macros):

- DRAM ``!Memory`` -> class ``DRAM``, keeps every tensor; an action is one word.
- global SRAM ``!Memory`` -> class ``SRAM``, keeps what the mapping chooses.
- ``!Container`` fanouts -> ``!Container`` with ``spatial: {meshX or meshY}``.
- ``!Toll`` (DAC, ADC, gain stage) -> class ``storage``, ``subclass`` its component class,
  keeps the tensors it charges; an action is a read (inputs) or an update (outputs).
- CIM cells ``!Memory`` -> class ``storage`` holding one weight (``depth: 1``).
- MAC ``!Compute`` -> class ``compute``, ``subclass`` its component class; one MAC.

A *word* is one value of the einsum: its inputs, weights and outputs must have the same
width (Timeloop prices one word size per storage level). The column fanout counts weights
(``cols / n_weight_slices``), as grcim's tiling does.

Tolls become storage levels that keep the tensors they charge, with no temporal loops of
their own: Timeloop then counts one **read** per input value sent below (multicast counts
once) and one **update** per partial sum arriving from below (after the spatial reduction
over the rows). Both are the events grcim counts (``grcim.mapper.actions``): above the row
groups one per value; at the row-group level a row drive is ``n_input_slices`` DAC steps
and a partial sum is ``converted_slices * n_input_slices`` column conversions (every bit
column of bit-sliced cells), so the ERT charges those multiples of the toll's ``read``
energy. Fills of a toll cost nothing (Timeloop refills partial sums of a later reduction
round into the lowest level that keeps them, a toll here; grcim reads them from the SRAM or
DRAM, which both count).

Components priced by a grcim model also carry the attributes the arch gives that model
(documentation, and what ``grcim validate`` checks; Timeloop ignores them).

Energies (ERT, pJ) and areas (ART, µm² per instance) are grcim's own prices
(``grcim.mapper.pricing``: the arch's explicit actions, else grcim's hwcomponents models),
so Timeloop needs no plug-in. ``leak`` is per instance and per cycle of the arch's clock:
the component's leakage power over its instances times ``1 / clock_hz``. Every storage
level is ``power_gated_at`` the DRAM (one power domain), so idle instances leak as grcim
assumes; by default Timeloop charges only the instances a mapping uses, which would let a
mapping that leaves macros idle look cheaper. Timeloop charges no leakage for a compute
level, so the MAC's leakage is charged on the cells' storage level (the same array).

Bandwidths (words per cycle) give Timeloop grcim's roofline: DRAM shared by reads and
writes, SRAM read and write, the cells at one row write per
``weight_write_latency_per_row_s`` per macro over the rows a tile of this einsum uses
(``Row`` x ``RowGroup``: grcim writes only those, not all ``rows``), and a row group's
matrix-vector products (MVMs): one every ``t_mvm = max(t_adc, t_array)`` of this einsum's tiles
(:mod:`grcim.mapper.tiling`: the row group's ``adcs_per_macro / row groups`` ADCs at
``adc_rate_hz`` converting the used columns, and the DAC steps at the clock). An MVM drives
each of its rows once, so the rate is the read bandwidth of the row-group toll that charges
inputs (the DAC): ``rows / (t_mvm * clock_hz)``. It is not put on the ADC's updates because
Timeloop's refills of partial sums into the ADC level would count against it too (with
reduction rounds Timeloop would then take ``(2g - 1) / g`` times grcim's ADC time); an arch
without such a toll gets the ADC conversion rate on the output tolls' write bandwidth.
DRAM ``depth`` is capped at 2**31 - 1 words (Timeloop reads it as a 32-bit integer); the
einsum needs far less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from grcim.arch import Arch
from grcim.arch.cim import MacroSpec
from grcim.arch.nodes import ContainerNode, walk_main_path
from grcim.errors import MappingError
from grcim.export.einsum import Einsum
from grcim.mapper.actions import bits_per_action
from grcim.mapper.components import ChipComponents, Component, bind_components
from grcim.mapper.pricing import Prices, own_model, price_components
from grcim.mapper.tiling import tile_matrices

__all__ = ["Level", "TimeloopArch", "timeloop_arch", "describe", "MvmRate", "mvm_rate",
           "divisor_at_most", "TOP", "DATASPACES", "MAX_DEPTH", "mac_leak_on_cells"]

TOP = "system"
"""Name of the top container; the front-end calls the flattened top ``system_top_level``."""
DATASPACES: tuple[str, ...] = ("Inputs", "Weights", "Outputs")
MAX_DEPTH = 2**31 - 1
_TENSOR = {"input": "Inputs", "weight": "Weights", "output": "Outputs"}
PJ, UM2 = 1e12, 1e12


@dataclass(frozen=True)
class Level:
    """One Timeloop node.

    Attributes
    ----------
    name : str
        Node name (the grcim node's; a container with several dimensions gets one node per
        dimension, ``<name>_<dimension>``).
    kind : {"storage", "compute", "container"}
        What Timeloop makes of it.
    role : str
        ``dram``, ``sram``, ``toll``, ``cells``, ``mac`` or, for containers, the loop
        dimensions they split: ``macro`` (K and N), ``reduce`` (K) or ``broadcast`` (N).
    instances : int
        Copies in Timeloop (product of the fanouts above, times its own).
    fanout : int
        Containers: the fanout (``fanout / usage_scale``); 1 otherwise.
    keeps : tuple of str
        Dataspaces a toll or the cells always keep.
    toll_level : int
        Tolls: spatial dimensions above (0 chip, 1 macro, 2 row group).
    component : Component or None
        grcim's component (storage and compute levels).
    """

    name: str
    kind: str
    role: str
    instances: int
    fanout: int = 1
    keeps: tuple[str, ...] = ()
    toll_level: int = 0
    component: Component | None = None


@dataclass(frozen=True)
class TimeloopArch:
    """The levels of a chip in Timeloop and what one action of each costs.

    Attributes
    ----------
    levels : tuple of Level
        Top first.
    word_bits : int
        Bits of one word (every value of the einsum).
    cycle_s : float
        Timeloop's cycle: the arch clock period, s.
    architecture : dict
        The ``architecture`` document (front-end ``nodes`` list).
    ert, art : dict
        The ``ERT`` and ``ART`` documents (pJ per action; µm² per instance).
    scale : dict
        Toll name -> (grcim events per Timeloop read, per Timeloop update); 0 for the
        action a toll does not have (reads: inputs, updates: outputs).
    """

    levels: tuple[Level, ...]
    word_bits: int
    cycle_s: float
    architecture: dict[str, Any]
    ert: dict[str, Any]
    art: dict[str, Any]
    scale: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def mac_leak_on_cells(self) -> bool:
        """The MAC's leakage is charged on the cells' level (:func:`mac_leak_on_cells`)."""
        return mac_leak_on_cells(self.levels)



class Quoted(str):
    """Text the YAML writer puts in double quotes (the front-end evaluates unquoted text)."""


class Tagged(dict[str, Any]):
    """A mapping written with a local YAML tag (``!Component``, ``!Container``)."""

    def __init__(self, tag: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tag = tag


def _word_bits(einsum: Einsum) -> int:
    bits = einsum.bits
    if len(set(bits.values())) != 1:
        raise MappingError(f"einsum {einsum.name!r} has {bits}: Timeloop prices one word size "
                           "per storage level, so the export needs equal widths")
    return next(iter(bits.values()))


def _levels(arch: Arch, comps: ChipComponents) -> list[Level]:
    by_name = {c.name: c for c in comps.all()}
    macro = arch.macro
    levels: list[Level] = []
    count = 1
    dims = 0
    for node in walk_main_path(arch.nodes):
        if isinstance(node, ContainerNode):
            for s in node.spatial:
                fanout = s.fanout / (s.usage_scale or 1.0)
                if fanout != int(fanout):
                    raise MappingError(f"arch {arch.name!r}: fanout {s.fanout} / usage_scale "
                                       f"{s.usage_scale} of {node.name!r} is not a whole "
                                       "number of instances")
                if dims == 0:
                    role = "macro"
                elif dims == 1 or (s.reuse or "").strip() == "output":
                    role = "reduce"
                elif (s.may_reuse or "").strip() == "input":
                    role = "broadcast"
                else:
                    raise MappingError(f"arch {arch.name!r}: fanout {s.name!r} of "
                                       f"{node.name!r} neither sums outputs (reuse: output) "
                                       "nor broadcasts inputs (may_reuse: input)")
                count *= int(fanout)
                dims += 1
                name = node.name if len(node.spatial) == 1 else f"{node.name}_{s.name}"
                levels.append(Level(name, "container", role, count, int(fanout)))
            continue
        if getattr(node, "spatial", ()):
            raise MappingError(f"arch {arch.name!r}: node {node.name!r} has its own fanout; "
                               "the Timeloop export expects fanouts on !Container nodes")
        c = by_name.get(node.name)
        if c is None:  # pragma: no cover - bind_components binds every main-path node
            raise MappingError(f"arch {arch.name!r}: node {node.name!r} plays no role")
        if c.role in ("dram", "sram"):
            levels.append(Level(c.name, "storage", c.role, count, component=c))
        elif c.role == "toll":
            if "weight" in c.charges:
                raise MappingError(f"arch {arch.name!r}: toll {c.name!r} charges weight "
                                   "writes; the Timeloop export handles input and output tolls")
            keeps = tuple(_TENSOR[t] for t in ("input", "output") if t in c.charges)
            levels.append(Level(c.name, "storage", "toll", count, keeps=keeps,
                                toll_level=c.level, component=c))
        elif c.role == "cells":
            levels.append(Level(c.name, "storage", "cells", count, keeps=("Weights",),
                                component=c))
        elif c.role == "mac":
            levels.append(Level(c.name, "compute", "mac", count, component=c))
    reduce = math.prod(lv.fanout for lv in levels if lv.role == "reduce")
    broadcast = math.prod(lv.fanout for lv in levels if lv.role == "broadcast")
    if reduce != macro.rows or broadcast != macro.cols // macro.n_weight_slices:
        raise MappingError(f"arch {arch.name!r}: the fanouts below the macros sum {reduce} "
                           f"rows and broadcast to {broadcast} weights per row; the Timeloop "
                           f"export expects rows = {macro.rows} and cols / n_weight_slices = "
                           f"{macro.cols // macro.n_weight_slices}")
    return levels


def divisor_at_most(n: int, cap: int) -> int:
    """Largest divisor of ``n`` not above ``cap`` (at least 1)."""
    return max(d for d in range(1, min(n, cap) + 1) if n % d == 0)


def k_split(k: int, macro: MacroSpec) -> tuple[int, int]:
    """How the export splits an einsum's ``K`` over a macro: rows of one row group, and
    the row groups used (each the largest divisor that fits)."""
    k_row = divisor_at_most(k, macro.rows_per_adc)
    return k_row, divisor_at_most(k // k_row, macro.n_row_groups)


@dataclass(frozen=True)
class MvmRate:
    """How fast a row group does one matrix-vector product (MVM) of this einsum's tiles.

    Attributes
    ----------
    rows : int
        Rows of a row group the einsum drives (Timeloop's ``Row`` factor).
    tile_rows : int
        Rows of a macro tile the einsum uses (Timeloop's ``Row`` x ``RowGroup`` factors):
        grcim writes only these rows when it loads a tile, not all of the macro's.
    mvm_cycles : float
        Clock cycles of one MVM, ``max(t_adc, t_array) * clock_hz``
        (:mod:`grcim.mapper.tiling`).
    on_inputs : bool
        A row-group toll charging inputs (the DAC) carries the rate.
    """

    rows: int
    tile_rows: int
    mvm_cycles: float
    on_inputs: bool


def mvm_rate(arch: Arch, einsum: Einsum, levels: list[Level],
             rows_groups: tuple[int, int] | None = None) -> MvmRate:
    """The MVM rate of a row group on ``einsum`` (see the module docstring), its tiles
    ``rows_groups`` = (rows per row group, row groups) as the mapping splits ``K``
    (:func:`grcim.export.timeloop_splits.row_split`; default :func:`k_split`)."""
    op = einsum.op
    one = np.ones(1, dtype=np.int64)
    til = tile_matrices(one * op.k, one * op.n, one, arch.macro, arch.clock_hz)
    rows, groups = rows_groups or k_split(op.k, arch.macro)
    return MvmRate(rows, rows * groups,
                   float(til.mvm_time_s[0]) * arch.clock_hz,
                   any(lv.toll_level == 2 and "Inputs" in lv.keeps for lv in levels
                       if lv.role == "toll"))


def _keys(comps: ChipComponents) -> tuple[tuple[str, str], ...]:
    keys = []
    for c in comps.all():
        if c.role in ("dram", "sram", "cells"):
            keys += [(c.name, "read"), (c.name, "write")]
        elif c.role == "toll":
            keys.append((c.name, "read"))
        elif c.role == "mac":
            keys.append((c.name, "compute"))
    return tuple(keys)


def _per_cycle(words: float, cycles: float) -> float:
    """``words`` per ``cycles`` as one number, the ratio of whole numbers it is when within
    1e-12 of one (denominator up to 10**6).

    A rate computed in floating point can land a few ulp off its exact value (1 / (256 rows
    x 2 ns) / 1 GHz gave 0.0019531249999999998, not 1/512); Timeloop rounds the cycles
    ``words / bandwidth`` up, so an ulp below 1/512 cost a whole extra cycle (513, not 512).
    """
    exact = words / cycles
    ratio = float(Fraction(exact).limit_denominator(10**6))
    return ratio if math.isclose(ratio, exact, rel_tol=1e-12) else exact


def _model_attributes(arch: Arch, c: Component) -> dict[str, Any]:
    """The attributes a grcim model receives for ``c`` (documentation, and what
    ``grcim validate`` checks); text quoted, unset values left out."""
    cls = c.node.component_class
    model = own_model(cls) if cls else None  # as pricing matches it
    if model is None:
        return {}
    params = model.attribute_defaults()
    attrs = {**arch.component_attributes, **c.node.extra_attributes_for_component_model}
    return {k: Quoted(v) if isinstance(v, str) else v for k, v in attrs.items()
            if k in params and v is not None}


def _node(arch: Arch, lv: Level, word: int, top_storage: str, rate: MvmRate) -> Tagged:
    macro, chip = arch.macro, arch.chip
    assert chip is not None
    clock = arch.clock_hz
    if lv.kind == "container":
        axis = "meshX" if lv.role in ("macro", "broadcast") else "meshY"
        return Tagged("Container", name=lv.name, spatial={axis: lv.fanout})
    c = lv.component
    assert c is not None
    cls = c.node.component_class
    # one power domain (the top level's): idle instances leak, as grcim assumes
    attrs: dict[str, Any] = {"width": word, "datawidth": word,
                             "power_gated_at": Quoted(top_storage), **_model_attributes(arch, c)}
    node = Tagged("Component", name=lv.name)
    if lv.role == "dram":
        node["class"] = "DRAM"
        attrs["depth"] = min(int(chip.dram.size_bytes * 8 // word), MAX_DEPTH)
        attrs["shared_bandwidth"] = _per_cycle(chip.dram.bandwidth_bytes_per_s * 8 / word, clock)
    elif lv.role == "sram":
        node["class"] = "SRAM"
        attrs["depth"] = min(int(chip.sram.size_bytes * 8 // word), MAX_DEPTH)
        attrs["read_bandwidth"] = _per_cycle(chip.sram.read_bandwidth_bytes_per_s * 8 / word,
                                             clock)
        attrs["write_bandwidth"] = _per_cycle(
            chip.sram.write_bandwidth_bytes_per_s * 8 / word, clock)
    elif lv.role == "toll":
        node["class"] = "storage"
        if cls:
            node["subclass"] = cls
        # the tile a toll holds: a row group's rows of inputs, a row's weights of outputs
        attrs["depth"] = max(macro.rows, macro.cols)
        if lv.toll_level == 2 and "Inputs" in lv.keeps:  # one MVM per mvm_cycles
            attrs["read_bandwidth"] = _per_cycle(rate.rows, rate.mvm_cycles)
        elif lv.toll_level == 2 and "Outputs" in lv.keeps and not rate.on_inputs:
            adcs = macro.adcs_per_macro / macro.n_row_groups
            attrs["write_bandwidth"] = _per_cycle(
                adcs, macro.converted_slices * macro.n_input_slices * clock / macro.adc_rate_hz)
    elif lv.role == "cells":
        node["class"] = "storage"
        attrs["depth"] = 1
        if macro.weight_write_latency_per_row_s > 0:
            # a cell is written once per tile load, which takes one row write per row the
            # tile uses (grcim writes only those): per-macro rows would overstate the time
            attrs["write_bandwidth"] = _per_cycle(
                1, rate.tile_rows * macro.weight_write_latency_per_row_s * clock)
    else:
        node["class"] = "compute"
        if cls:
            node["subclass"] = cls
        attrs = {"datawidth": word, **_model_attributes(arch, c)}
    node["attributes"] = attrs
    return node


def mac_leak_on_cells(levels: Iterable[Level]) -> bool:
    """Timeloop charges no leakage to a compute level, so the MAC's leakage rides on the
    cells' storage level (the same array) when the chip has one with a component."""
    return any(lv.role == "cells" and lv.component is not None for lv in levels)


def _tables(arch: Arch, levels: list[Level], word: int, prices: Prices
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, tuple[float, float]]]:
    macro = arch.macro
    cycle_s = 1.0 / arch.clock_hz
    s_x = macro.n_input_slices
    bits_per_weight = macro.n_weight_slices * macro.cell_bits
    ert, art, scale = [], [], {}
    # Timeloop charges no leakage to a compute level: the MAC's leakage rides on the cells'
    # storage level (the same array), so Timeloop's totals hold all of grcim's leakage
    compute = [lv.component.name for lv in levels
               if lv.component is not None and lv.kind == "compute"]
    has_cells = mac_leak_on_cells(levels)
    moved = sum(prices.leak_power_w.get(n, 0.0) for n in compute) if has_cells else 0.0
    for lv in levels:
        c = lv.component
        if c is None:
            continue
        name = f"{TOP}_top_level.{lv.name}[1..{lv.instances}]"
        power = prices.leak_power_w.get(c.name, 0.0)
        if lv.kind == "compute" and has_cells:
            power = 0.0
        elif lv.role == "cells":
            power += moved
        leak = power / lv.instances * cycle_s * PJ
        e = prices.energy_j
        if lv.role in ("dram", "sram", "cells"):
            bits = bits_per_weight if lv.role == "cells" else word
            read = bits / bits_per_action(c.node, "read") * e[c.name, "read"] * PJ
            write = bits / bits_per_action(c.node, "write") * e[c.name, "write"] * PJ
            actions = {"read": read, "write": write, "update": write}
        elif lv.role == "toll":
            per_read = s_x if lv.toll_level == 2 else 1
            per_update = macro.converted_slices * s_x if lv.toll_level == 2 else 1
            scale[lv.name] = (float(per_read) if "Inputs" in lv.keeps else 0.0,
                              float(per_update) if "Outputs" in lv.keeps else 0.0)
            event = e[c.name, "read"] * PJ
            actions = {"read": per_read * event if "Inputs" in lv.keeps else 0.0,
                       "write": 0.0,
                       "update": per_update * event if "Outputs" in lv.keeps else 0.0}
        else:
            actions = {"compute": e[c.name, "compute"] * PJ}
        actions["leak"] = leak
        ert.append({"name": name, "actions": [{"name": a, "arguments": {}, "energy": v}
                                              for a, v in actions.items()]})
        art.append({"name": name,
                    "area": prices.area_m2.get(c.name, 0.0) / lv.instances * UM2})
    return ert, art, scale


def describe(arch: Arch, einsum: Einsum) -> tuple[ChipComponents, int, list[Level]]:
    """The chip's bound components, the einsum's word width and the Timeloop levels: what
    :func:`timeloop_arch` builds on, without pricing anything (cheap: a caller runs it first
    to refuse what Timeloop cannot describe before any mapping).

    Raises
    ------
    grcim.errors.MappingError
        As :func:`timeloop_arch`.
    """
    comps = bind_components(arch)
    return comps, _word_bits(einsum), _levels(arch, comps)


def timeloop_arch(arch: Arch, einsum: Einsum,
                  rows_groups: tuple[int, int] | None = None) -> TimeloopArch:
    """The Timeloop architecture of chip ``arch`` for ``einsum`` (rules in the module),
    its bandwidths for tiles of ``rows_groups`` (:func:`mvm_rate`).

    Raises
    ------
    grcim.errors.MappingError
        The arch is not a chip, has a layout the export does not describe, or the einsum's
        tensors differ in width.
    """
    comps, word, levels = describe(arch, einsum)
    prices = price_components(arch, comps, _keys(comps))
    top = Tagged("Container", name=TOP, attributes={
        # the node, or the technology the arch names when it gives no tech_node
        "technology": Quoted(f"{arch.tech_node_m * 1e9:g}nm" if arch.tech_node_m is not None
                             else str(arch.technology)),
        "global_cycle_seconds": 1.0 / arch.clock_hz})
    top_storage = next(lv.name for lv in levels if lv.kind == "storage")
    rate = mvm_rate(arch, einsum, levels, rows_groups)
    nodes = [top, *(_node(arch, lv, word, top_storage, rate) for lv in levels)]
    ert, art, scale = _tables(arch, levels, word, prices)
    return TimeloopArch(tuple(levels), word, 1.0 / arch.clock_hz,
                        {"version": 0.4, "nodes": nodes},
                        {"version": "0.4", "tables": ert}, {"version": "0.4", "tables": art},
                        scale)
