"""Map a named workload step onto a named arch: load both, build the graph, run an engine.

The graph's operand widths follow the macro: weights in the macro's ``weight_format``
bits, activations and KV cache in its ``input_format`` bits (so an FP8 chip maps an FP8
model), unless given explicitly.
"""

from __future__ import annotations

import os

import networkx as nx

from grcim.arch import DEFAULT_ARCH, Arch, load_arch
from grcim.errors import MappingError
from grcim.mapper.engines import run_engine
from grcim.mapper.mapping import DEFAULT_OPTIONS, MapOptions
from grcim.mapper.result import MappingResult
from grcim.workloads import build_graph, default_model_name, load_model_configs

__all__ = ["resolve_arch", "step_graph", "map_workload"]

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
    name = workload or default_model_name(models_file)
    if name not in configs:
        raise SpecError("<command line>", "workload", name, "one of " + ", ".join(configs))
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
    return run_engine(engine, chip, graph, options)
