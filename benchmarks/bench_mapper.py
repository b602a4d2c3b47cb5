"""Benchmark of ``grcim map``'s analytic engine (prints figures; asserts nothing).

Whole Llama-3-8B on the bundled chip, batch 1: prefill of 2048 tokens plus decode at
context 2048. Targets (issue 5): <= 2 s wall and <= 500 MB peak on 2 cores.

Printed figures:

- cold: a fresh process's first mapping of both steps, from loading the arch to the
  results, including the plug-in models' first queries (their operating points are cached
  Monte Carlo runs, computed once per process) and the import of the models;
- warm: the same two mappings again (model prices memoized): the mapper's own cost;
- peak resident memory of the process (``ru_maxrss``);
- with AccelForge installed (``grcim[accelforge]``) and without ``--skip-accelforge``: the
  wall time of AccelForge's FFM mapper on ONE decoder layer of the decode step
  (``explore_loop_orders=False``, einsums one by one) and its ratio to grcim's whole model.

Run: ``python benchmarks/bench_mapper.py [--skip-accelforge]``.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-accelforge", action="store_true",
                        help="do not time AccelForge even when it is installed")
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
