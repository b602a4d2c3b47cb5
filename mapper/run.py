"""Map a named workload step onto a named arch: load both, build the graph, run an engine.

The graph's operand widths follow the macro: weights in the macro's ``weight_format``
bits, activations and KV cache in its ``input_format`` bits (so an FP8 chip maps an FP8
model), unless given explicitly.

Two guards make ``map`` and ``validate`` agree and keep wrong numbers out of the output:

- :func:`check_arch_prices` prices every (node, action) the mapper can charge, the way the
  mapper does, so ``grcim validate`` refuses an arch that ``grcim map`` would refuse
  (a component model declining its attributes, a memory without costs, a non-finite
  price);
- :func:`check_result_numbers` stops a run whose result holds a NaN, an infinity or a
  negative quantity, naming the field, the node and action behind it, and the value.
"""

from __future__ import annotations

import dataclasses
import math
import os
from typing import Any

import networkx as nx
import numpy as np

from grcim.arch import DEFAULT_ARCH, Arch, load_arch
from grcim.arch.nodes import ComputeNode, MemoryNode, TollNode, walk_main_path
from grcim.errors import CMDLINE, MappingError
from grcim.mapper.actions import all_keys
from grcim.mapper.components import Component, bind_components
from grcim.mapper.engines import run_engine
from grcim.mapper.mapping import DEFAULT_OPTIONS, MapOptions
from grcim.mapper.result import JSON_KEYS, MappingResult
from grcim.workloads import build_graph, default_model_name, load_model_configs

__all__ = ["resolve_arch", "step_graph", "map_workload", "check_arch_prices",
           "check_result_numbers"]

ArchLike = Arch | str | os.PathLike[str]


def resolve_arch(arch: ArchLike | None) -> Arch:
    """An :class:`Arch` from an object, a bundled name or a path (default: the bundled one)."""
    if isinstance(arch, Arch):
        return arch
    return load_arch(DEFAULT_ARCH if arch is None else arch)


def step_graph(arch: Arch, workload: str | None, phase: str, batch: int = 1,
               tokens: int | None = None, context: int | None = None,
               models_file: str | None = None, weight_bits: int | None = None,
               act_bits: int | None = None, kv_bits: int | None = None) -> nx.DiGraph:
    """The graph of one step of ``workload`` (default: the bundled default model).

    Raises
    ------
    grcim.errors.SpecError
        Unknown model name or unreadable models file.
    grcim.errors.ModelDomainError
        Phase, batch, tokens, context or widths out of range.
    """
    from grcim.errors import SpecError

    configs = load_model_configs(models_file)
    name = default_model_name(models_file) if workload is None else workload
    if name not in configs:
        raise SpecError(CMDLINE, "workload", name, "one of " + ", ".join(configs))
    w = arch.macro.format_info("weight_format").bits
    a = arch.macro.format_info("input_format").bits
    return build_graph(configs[name], phase, batch=batch, tokens=tokens, context=context,  # type: ignore[arg-type]
                       weight_bits=weight_bits or w, act_bits=act_bits or a,
                       kv_bits=kv_bits or act_bits or a)


def map_workload(arch: ArchLike | None = None, workload: str | None = None,
                 phase: str = "decode", batch: int = 1, tokens: int | None = None,
                 context: int | None = None, engine: str = "grcim",
                 options: MapOptions = DEFAULT_OPTIONS, models_file: str | None = None
                 ) -> MappingResult:
    """Map one prefill or decode step of an LLM onto a chip.

    Parameters
    ----------
    arch : Arch, str or path, optional
        A chip, a bundled arch name or an arch file (default ``edge_grmac``).
    workload : str, optional
        Model name in the models file (default ``llama3-8b``).
    phase : {"prefill", "decode"}
        Step to map.
    batch, tokens, context : int
        Sequences, new tokens per sequence, context after the step (defaults as
        ``grcim workload``: prefill 2048 tokens, decode at context 2048).
    engine : {"grcim", "accelforge"}
        Mapping engine.
    options : MapOptions
        Analytic-mapper choices.
    models_file : str, optional
        A models YAML instead of the bundled one.

    Returns
    -------
    MappingResult

    Examples
    --------
    >>> from grcim.mapper import map_workload
    >>> r = map_workload("edge_grmac", "llama3-8b", "decode")  # doctest: +SKIP
    >>> r.energy_per_token_j, r.tokens_per_s  # doctest: +SKIP
    """
    chip = resolve_arch(arch)
    if chip.chip is None:
        raise MappingError(f"arch {chip.name!r} is a macro file (kind: macro); mapping needs "
                           "a chip with global SRAM, DRAM and a vector unit (kind: chip)")
    graph = step_graph(chip, workload, phase, batch, tokens, context, models_file)
    # An overflow becomes an inf that check_result_numbers reports by name, on one line,
    # instead of a numpy RuntimeWarning followed by a number nobody can use.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = run_engine(engine, chip, graph, options)
    check_result_numbers(result)
    return result


def _macro_components(arch: Arch) -> tuple[list[Component], list[tuple[str, str]]]:
    """The priced nodes of a macro file and their actions (one instance each)."""
    comps: list[Component] = []
    keys: list[tuple[str, str]] = []
    for node in walk_main_path(arch.nodes):
        if isinstance(node, MemoryNode):
            comps.append(Component(node.name, "cells", node, 1.0, 0))
            keys += [(node.name, "read"), (node.name, "write")]
        elif isinstance(node, TollNode):
            comps.append(Component(node.name, "toll", node, 1.0, 0))
            keys.append((node.name, "read"))
        elif isinstance(node, ComputeNode):
            comps.append(Component(node.name, "mac", node, 1.0, 0))
            keys.append((node.name, "compute"))
    return comps, keys


def check_arch_prices(arch: Arch) -> None:
    """Price every (node, action) the mapper would charge on ``arch``, as ``map`` does.

    For a chip: bind the nodes to their roles and price every (component, action) the
    mapper may count (:func:`grcim.mapper.actions.all_keys`, vector registers included); for a macro
    file: price its memories, tolls and compute. Every energy per action, area and leakage
    must be a finite non-negative number.

    Raises
    ------
    grcim.errors.MappingError
        The first node whose cost ``map`` could not compute or would compute as
        non-finite or negative (node, action and value named).
    """
    from grcim.mapper.pricing import _energy, _static, price_components

    with np.errstate(over="ignore", invalid="ignore"):
        if arch.chip is not None:
            comps = bind_components(arch)
            prices = price_components(arch, comps, all_keys(comps))
            energies = prices.energy_j
        else:
            macro_comps, keys = _macro_components(arch)
            by_name = {c.name: c for c in macro_comps}
            energies = {k: _energy(arch, by_name[k[0]], k[1])[0] for k in keys}
            for c in macro_comps:
                _static(arch, c, "area")
                _static(arch, c, "leak_power")
    for (name, action), value in energies.items():
        if not (math.isfinite(value) and value >= 0):
            raise MappingError(f"arch {arch.name!r} node {name!r} action {action!r}: energy "
                               f"per action = {value!r} J; must be a finite non-negative "
                               "number (check its energy, energy_scale and model attributes)")


#: Result fields checked first: the per-(node, action) prices, then what they add up to.
_DICTS_FIRST = ("action_energy_j", "energy_by_action_j", "area_by_component_m2",
                "energy_by_component_j", "actions")


def _bad(value: Any) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool) and not (
        math.isfinite(value) and value >= 0)


def _where(field: str, key: str, value: Any, result: MappingResult) -> str:
    if field in ("action_energy_j", "energy_by_action_j", "actions") and "." in key:
        node, action = key.rsplit(".", 1)
        price = result.action_energy_j.get(key)
        count = result.actions.get(key)
        extra = (f" ({price!r} J per action x {count!r} actions)"
                 if field == "energy_by_action_j" and price is not None and count is not None
                 else "")
        return f"node {node!r} action {action!r}: {field} = {value!r}{extra}"
    if field in ("area_by_component_m2", "energy_by_component_j"):
        return f"node {key!r}: {field} = {value!r}"
    return f"{field}[{key!r}] = {value!r}"


def check_result_numbers(result: MappingResult) -> None:
    """Every number of ``result`` is finite and non-negative (optional fields may be None).

    Raises
    ------
    grcim.errors.MappingError
        Naming the first bad quantity: its field, the node and action it comes from, and
        its value (per-action prices are checked before the sums they feed).
    """
    def fail(where: str) -> MappingError:
        return MappingError(f"arch {result.arch!r}: {where}; every priced quantity must be "
                            "a finite non-negative number")

    for name in _DICTS_FIRST:
        for key, value in getattr(result, name).items():
            if _bad(value):
                raise fail(_where(name, key, value, result))
    for name in JSON_KEYS:  # fields and derived metrics alike
        if name in _DICTS_FIRST:  # checked above
            continue
        value = getattr(result, name)
        if isinstance(value, dict):
            for key, v in value.items():
                if _bad(v):
                    raise fail(_where(name, key, v, result))
        elif _bad(value):
            raise fail(f"{name} = {value!r}")
    for op in result.ops:
        for f in dataclasses.fields(op):
            value = getattr(op, f.name)
            if _bad(value):
                raise fail(f"op {op.name!r}: {f.name} = {value!r}")
