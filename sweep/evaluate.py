"""Evaluate sweep points: what a worker process runs, locally or on a Dask worker.

A worker receives a :class:`Context` once (the spec's arch texts, models text, options)
and batches of point payloads (:meth:`grcim.sweep.space.Point.payload`), and returns one
row per point (plain dicts, SI units):

- ``map`` mode: the arch with the point's variables (:func:`grcim.sweep.archload.arch_with`)
  and the workload case's graph are mapped by the analytic engine
  (:func:`grcim.mapper.run_engine`, the same code as ``grcim map``); the row holds the
  :class:`~grcim.mapper.MappingResult` figures and ``power_w = energy_j / latency_s``
  (average power over the step).
- ``physics`` mode: the macro's per-MAC compute model is asked for its full energy per MAC
  (``include_terms: "all"``, every periphery share included, as ``grcim table`` and
  ``grcim paper`` report it) and each term of it, with the attributes the arch gives its
  compute node; ``adc_enob_bits`` is the resolution the ADC node's ``grcim_adc`` model
  uses (sized from the SQNR target when ``adc_bits: "auto"``).

Status: ``done``; ``infeasible`` when grcim refuses the combination (an arch check, a
model's domain, the workload does not fit; any :class:`~grcim.errors.GrcimError`), with the
reason; ``failed`` for anything else (a bug), with the error, retried by
``--retry-failed``. The spec's constraints are not applied here: they are no part of a
point's key, so the client judges the results against the bounds of the spec running
(:mod:`grcim.sweep.constraints`).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grcim import __version__
from grcim.arch import Arch
from grcim.arch.nodes import ComputeNode, walk_all, walk_main_path
from grcim.errors import GrcimError
from grcim.sweep.archload import arch_with

if TYPE_CHECKING:
    from grcim.plugins.models.batch import CostModel

__all__ = ["Context", "evaluate_batch", "evaluate_point", "MAP_RESULTS", "PHYSICS_RESULTS",
           "set_context", "evaluate_payloads"]

MAP_RESULTS: tuple[str, ...] = (
    "energy_j", "dynamic_energy_j", "leak_energy_j", "latency_s", "energy_per_token_j",
    "tokens_per_s", "power_w", "area_m2", "tops_per_w", "tflops_per_w", "mac_utilization",
    "adc_conversions", "dac_conversions", "dram_bytes", "sram_bytes", "cell_bits_written",
    "weights_resident", "bound", "tokens_per_step", "batch_run", "tokens_run",
    "context_run")
"""Result columns of a map sweep (SI; ``*_run`` = the step shape actually mapped)."""
PHYSICS_RESULTS: tuple[str, ...] = ("energy_per_mac_j", "mac_area_m2", "adc_enob_bits")
"""Result columns of a physics sweep (J per MAC, m² per MAC cell with its shares, bits)."""


@dataclass(frozen=True, eq=False)  # hashed by identity: one per sweep, cache key
class Context:
    """What every point of one sweep shares (sent to each worker once).

    Attributes
    ----------
    mode : str
        ``map`` or ``physics``.
    arch_texts : dict
        ``archs`` entry -> (name, source, YAML text).
    models_text : str or None
        Models YAML text (None: bundled).
    replicate : bool
        Map option.
    op_cache_dir : str or None
        Monte Carlo cache directory (operating points, slicing and integer results);
        ``""`` = the worker's default directory, None = no disk cache.
    client_version : str
        grcim version of the client (a worker with another version fails its points).
    """

    mode: str
    arch_texts: dict[str, tuple[str, str, str]]
    models_text: str | None
    replicate: bool = True
    op_cache_dir: str | None = ""
    client_version: str = __version__


_CONTEXT: Context | None = None
_CACHE_SET: str | None | bool = False


def set_context(ctx: Context) -> None:
    """Install ``ctx`` in this process (process-pool initializer)."""
    global _CONTEXT
    _CONTEXT = ctx
    _use_cache(ctx)


def _use_cache(ctx: Context) -> None:
    global _CACHE_SET
    if _CACHE_SET == ctx.op_cache_dir:
        return
    from grcim.physics.op_disk_cache import default_cache_dir, set_cache_dir

    if ctx.op_cache_dir is None:
        set_cache_dir(None)
    else:
        set_cache_dir(ctx.op_cache_dir or default_cache_dir())
    _CACHE_SET = ctx.op_cache_dir


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@functools.lru_cache(maxsize=64)
def _graph(models_text: str | None, model: str, phase: str, batch: int, tokens: int | None,
           context: int | None, weight_bits: int, act_bits: int) -> Any:
    from grcim.workloads import build_graph, load_model_configs
    from grcim.workloads.config import model_configs_from_text

    # the models file travels as text (a worker may not see the client's files); the
    # client has validated it, so the source named in an error is only a label
    configs = (load_model_configs() if models_text is None
               else model_configs_from_text(models_text, "the sweep's models file"))
    config = configs[model]
    return build_graph(config, phase, batch=batch, tokens=tokens,  # type: ignore[arg-type]
                       context=context, weight_bits=weight_bits, act_bits=act_bits,
                       kv_bits=act_bits)


@functools.lru_cache(maxsize=16)
def _arch(ctx: Context, arch: str, overrides: tuple[tuple[str, Any], ...]) -> Arch:
    name, source, text = ctx.arch_texts[arch]
    return arch_with(name, source, text, overrides)


def _map_row(ctx: Context, chip: Arch, case: dict[str, Any]) -> dict[str, Any]:
    from grcim.errors import MappingError
    from grcim.mapper import MapOptions, run_engine

    if chip.chip is None:
        raise MappingError(f"arch {chip.name!r} is a macro file; mapping needs a chip")
    graph = _graph(ctx.models_text, case["model"], case["phase"], case["batch"],
                   case["tokens"], case["context"],
                   chip.macro.format_info("weight_format").bits,
                   chip.macro.format_info("input_format").bits)
    r = run_engine("grcim", chip, graph, MapOptions(replicate=ctx.replicate, keep_ops=False))
    return {
        "energy_j": r.energy_j, "dynamic_energy_j": r.dynamic_energy_j,
        "leak_energy_j": r.leak_energy_j, "latency_s": r.latency_s,
        "energy_per_token_j": r.energy_per_token_j, "tokens_per_s": r.tokens_per_s,
        "power_w": r.energy_j / r.latency_s if r.latency_s > 0 else None,
        "area_m2": r.area_m2, "tops_per_w": r.tops_per_w, "tflops_per_w": r.tflops_per_w,
        "mac_utilization": r.mac_utilization, "adc_conversions": r.adc_conversions,
        "dac_conversions": r.dac_conversions, "dram_bytes": r.dram_bytes,
        "sram_bytes": r.sram_read_bytes + r.sram_write_bytes,
        "cell_bits_written": r.cell_bits_written, "weights_resident": int(r.weights_resident),
        "bound": r.bound, "tokens_per_step": r.tokens_per_step, "batch_run": r.batch,
        "tokens_run": r.tokens, "context_run": r.context,
        "breakdown_json": json.dumps(r.energy_by_component_j, sort_keys=True),
    }


def _model_attrs(arch: Arch, node: Any, model: type[CostModel]) -> dict[str, Any]:
    attrs = {**arch.component_attributes, **node.extra_attributes_for_component_model}
    defaults = model.attribute_defaults()
    return {k: v for k, v in attrs.items() if k in defaults}


def _physics_row(arch: Arch) -> dict[str, Any]:
    from grcim.plugins.tables import build_table, find_model

    compute = next(n for n in walk_main_path(arch.nodes) if isinstance(n, ComputeNode))
    model = find_model(str(compute.component_class))
    fixed = _model_attrs(arch, compute, model)
    table = build_table(model, fixed={**fixed, "include_terms": "all"}, actions=["compute"])
    terms = {t: float(e[0]) for t, e in table.terms_j.items()}
    return {"energy_per_mac_j": float(table.energy_j["compute"][0]),
            "mac_area_m2": float(table.area_m2[0]), "adc_enob_bits": _adc_bits(arch),
            "breakdown_json": json.dumps(terms, sort_keys=True)}


def _adc_bits(arch: Arch) -> float | None:
    """ENOB of the arch's ``grcim_adc`` node (None when it has none): the bits per
    conversion the ADC model reports (``info["adc_bits"]`` of its table row)."""
    from grcim.plugins.tables import build_table, find_model

    for node in walk_all(arch.nodes):
        if getattr(node, "component_class", None) == "grcim_adc":
            model = find_model("grcim_adc")
            table = build_table(model, fixed=_model_attrs(arch, node, model))
            return float(table.info["adc_bits"][0])
    return None


def evaluate_point(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    """The store row of one point (never raises for a point's own problem)."""
    start = time.perf_counter()
    row: dict[str, Any] = {"key": payload["key"], "status": "done", "reason": None,
                           "pipeline": None}
    try:
        if ctx.client_version != __version__:
            raise RuntimeError(f"worker runs grcim {__version__}, the client "
                               f"{ctx.client_version}: install the same version on every "
                               "worker")
        arch = _arch(ctx, payload["arch"], tuple(map(tuple, payload["overrides"])))
        row["pipeline"] = arch.macro.pipeline.value
        if ctx.mode == "map":
            row.update(_map_row(ctx, arch, payload["case"]))
        else:
            row.update(_physics_row(arch))
    except GrcimError as exc:
        row.update(status="infeasible", reason=str(exc))
    except Exception as exc:  # a bug: keep the point, say where, let --retry-failed rerun it
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})"
        row.update(status="failed", reason=f"{type(exc).__name__}: {exc}{where}")
    row["elapsed_s"] = time.perf_counter() - start
    row["finished_at"] = time.time()
    row["worker"] = _worker_id()
    return row


def evaluate_payloads(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a batch with the context :func:`set_context` installed (process pools)."""
    if _CONTEXT is None:  # pragma: no cover - the pool initializer always sets it
        raise RuntimeError("no sweep context in this worker")
    return [evaluate_point(_CONTEXT, p) for p in payloads]


def evaluate_batch(ctx: Context, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a batch (the Dask task; ``ctx`` arrives scattered once per worker)."""
    _use_cache(ctx)
    return [evaluate_point(ctx, p) for p in payloads]
