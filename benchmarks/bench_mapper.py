"""Benchmark of ``grcim map``'s analytic engine (prints figures; asserts nothing).

Whole Llama-3-8B on the bundled chip, batch 1: prefill of 2048 tokens plus decode at
context 2048. Targets (issues 5 and 11): <= 2 s wall cold and <= 500 MB peak on 2 cores,
mapping search included.

Printed figures:

- cold: a fresh process's first mapping of both steps, from loading the arch to the
  results, including the plug-in models' first queries (their operating points are cached
  Monte Carlo runs, computed once per process) and the import of the models;
- warm: the same two mappings again (model prices memoized): the mapper's own cost,
  mapping search included;
- peak resident memory of the process (``ru_maxrss``);
- with AccelForge installed (``grcim[accelforge]``) and without ``--skip-accelforge``: the
  wall time of AccelForge's FFM mapper on ONE decoder layer of the decode step
  (``explore_loop_orders=False``, einsums one by one) and its ratio to grcim's whole model;
- with ``--crosscheck``: every einsum of a real Llama-3-8B layer (prefill of ``--tokens``
  tokens, 512 by default, and decode at context 2048) on both bundled edge chips, mapped by
  both engines (:mod:`grcim.mapper.engines.crosscheck`): energies, the ratio grcim /
  AccelForge, whether MAC, ADC, DAC and cell-write counts agree, and grcim's mapping. Takes
  tens of minutes (AccelForge maps each einsum in seconds to minutes).

Run: ``python benchmarks/bench_mapper.py [--skip-accelforge] [--crosscheck [--tokens T]]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time


def _map_both() -> tuple[float, list[object]]:
    from grcim.arch import DEFAULT_ARCH, load_arch
    from grcim.mapper import map_graph, step_graph

    start = time.perf_counter()
    arch = load_arch(DEFAULT_ARCH)
    results = [map_graph(arch, step_graph(arch, "llama3-8b", phase))
               for phase in ("prefill", "decode")]
    return time.perf_counter() - start, results


def _crosscheck(tokens: int) -> None:
    from grcim.arch import load_arch
    from grcim.mapper import step_graph
    from grcim.mapper.engines.crosscheck import compare_einsums

    print(f"per-einsum cross-check, one Llama-3-8B layer (prefill {tokens} tokens, decode at "
          "context 2048); energy includes each engine's leakage over its own latency")
    print(f"  {'chip':18s} {'phase':8s} {'einsum':7s} {'grcim':>10s} {'AccelForge':>11s} "
          f"{'ratio':>7s}  counts  grcim mapping")
    worst = 0.0
    for name in ("edge_grmac", "edge_conventional"):
        arch = load_arch(name)
        for phase in ("prefill", "decode"):
            graph = step_graph(arch, "llama3-8b", phase,
                               tokens=tokens if phase == "prefill" else None)
            start = time.perf_counter()
            rows = compare_einsums(arch, graph)
            for r in rows:
                worst = max(worst, r.ratio) if r.counts_equal else worst
                mark = "equal" if r.counts_equal else "DIFFER"
                note = f" [{'; '.join(r.adjustments)}]" if r.adjustments else ""
                print(f"  {name:18s} {phase:8s} {r.einsum:7s} {r.grcim_energy_j * 1e3:8.4f}mJ "
                      f"{r.accelforge_energy_j * 1e3:9.4f}mJ {r.ratio:7.4f}  {mark:6s}  "
                      f"{r.grcim_mapping}{note}")
            print(f"  ({name} {phase}: {time.perf_counter() - start:.0f} s)")
    print(f"  worst ratio with equal counts: {worst:.4f} (target <= 1.02)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-accelforge", action="store_true",
                        help="do not time AccelForge even when it is installed")
    parser.add_argument("--crosscheck", action="store_true",
                        help="map every einsum of a Llama-3-8B layer with both engines")
    parser.add_argument("--tokens", type=int, default=512,
                        help="prefill tokens of the cross-check (default 512)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    import grcim.mapper  # noqa: F401

    t_import = time.perf_counter() - t0
    t_cold, results = _map_both()
    t_warm, _ = _map_both()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ops = sum(len(r.ops) for r in results)  # type: ignore[attr-defined]
    print("grcim mapper benchmark: llama3-8b on edge_grmac, batch 1")
    print(f"  ops mapped (prefill + decode)     {ops}")
    print(f"  import grcim.mapper               {t_import:.3f} s")
    print(f"  cold map, both steps              {t_cold:.3f} s   (target <= 2 s)")
    print(f"  warm map, both steps              {t_warm:.3f} s")
    print(f"  peak resident memory              {peak_mb:.0f} MB  (target <= 500 MB)")
    for r in results:
        print(f"  {r.phase:8s} energy/token {r.energy_per_token_j * 1e3:9.4f} mJ, "  # type: ignore[attr-defined]
              f"latency {r.latency_s * 1e3:10.3f} ms, bound {r.bound}")  # type: ignore[attr-defined]
    if args.skip_accelforge:
        return 0
    try:
        import accelforge  # noqa: F401
    except ImportError:
        print("  AccelForge not installed (pip install 'grcim[accelforge]'): no ratio")
        return 0
    if args.crosscheck:
        _crosscheck(args.tokens)
        return 0
    from grcim.arch import DEFAULT_ARCH, load_arch
    from grcim.mapper import step_graph
    from grcim.mapper.engines.accelforge import run_accelforge
    from grcim.workloads.einsum_export import einsum_yaml

    arch = load_arch(DEFAULT_ARCH)
    graph = step_graph(arch, "llama3-8b", "decode")
    run = run_accelforge(arch, einsum_yaml(graph, 0))
    print(f"  AccelForge, ONE decode layer      {run.wall_s:.1f} s "
          f"({len(run.latency_by_einsum)} einsums)")
    print(f"  ratio AccelForge one layer / grcim whole model (cold) "
          f"{run.wall_s / t_cold:.0f}x, (warm) {run.wall_s / t_warm:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
