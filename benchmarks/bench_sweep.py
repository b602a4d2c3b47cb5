"""Benchmark of ``grcim sweep`` (prints figures; asserts nothing).

A 1,000-point whole-model sweep: 500 design points (edge GR-MAC and conventional chips x
5 macro counts x 5 SRAM sizes x 2 rows per ADC x 5 SQNR targets) x Llama-3-8B prefill of
2048 tokens and decode at context 2048. Targets (issue 9), on 2 cores:

- points/s with operating points cached: >= 20;
- scaling from 1 to 2 local workers: >= 1.7x;
- time to resume a finished sweep (nothing left to compute): < 2 s;
- peak resident memory of the client process (printed; the store keeps results on disk).

Steps: a warm-up run fills the operating-point disk cache (a temporary directory: every
Monte Carlo ensemble once); then the sweep runs into a fresh store with 1 worker in the
client process (``--workers 1``), with 1 worker process and with 2 worker processes (the
scaling compares the last two: same start-up and transfer costs); then the finished sweep
is resumed. Each run
is a separate process (``--inner``) so that its memory is its own. "wall" includes
loading the spec, starting the workers and writing the store; "points/s" divides the
points by the time from the first to the last committed batch plus one batch, i.e.
without the start-up.

Run: ``python benchmarks/bench_sweep.py [--designs N]`` (default 500 designs = 1,000
points; fewer for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """\
sweep:
  name: "bench: edge chips, 500 designs x prefill + decode"
  archs: [edge_grmac, edge_conventional]
  variables:
    n_macros: [8, 16, 32, 64, 128]
    sram_size_bytes: [1048576, 2097152, 4194304, 8388608, 16777216]
    rows_per_adc: [32, 64]
    sqnr_target_db: [20, 25, 30, 35, 40]
  workloads:
    models: [llama3-8b]
    phases: [prefill, decode]
    tokens: [2048]
    context: [2048]
{sampling}"""


def _inner(spec: str, store: str, workers: str, cache: str) -> None:
    from grcim.sweep import RunOptions, load_spec, run_sweep

    stamps: list[float] = []
    t0 = time.perf_counter()
    ls = load_spec(spec)
    # "1" = in the client process; "1p" = one worker process; "2" = two worker processes
    options = RunOptions(workers=int(workers.rstrip("p")), op_cache_dir=cache,
                         inline=not workers.endswith("p"))
    import psutil  # a dependency of distributed

    me = psutil.Process()
    cpu: dict[int, float] = {}  # workers are grandchildren (fork server): sample the tree

    def on_batch(n: int, statuses: dict[str, int]) -> None:
        stamps.append(time.perf_counter())
        for proc in me.children(recursive=True):
            try:
                t = proc.cpu_times()
                cpu[proc.pid] = max(cpu.get(proc.pid, 0.0), t.user + t.system)
            except psutil.Error:
                pass

    summary = run_sweep(ls, store, options, on_batch=on_batch)
    wall = time.perf_counter() - t0
    steady = None
    if len(stamps) > 1:  # first to last batch, plus one average batch interval
        steady = (stamps[-1] - stamps[0]) * len(stamps) / (len(stamps) - 1)
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "cpu_s": own.ru_utime + own.ru_stime + sum(cpu.values()),
        "wall_s": wall, "steady_s": steady, "written": summary.written, "todo": summary.todo,
        "counts": summary.counts,
        "client_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def _run(spec: Path, store: Path, workers: str, cache: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--inner", str(spec), str(store),
                          str(workers), str(cache)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=500, help="design points (2 rows "
                        "each); below 500 a random sample of the grid")
    parser.add_argument("--inner", nargs=4, metavar=("SPEC", "STORE", "WORKERS", "CACHE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        spec, store, workers, cache = args.inner
        _inner(spec, store, workers, cache)
        return 0
    with tempfile.TemporaryDirectory(prefix="grcim-bench-sweep-") as tmp:
        d = Path(tmp)
        sampling = ("" if args.designs >= 500 else
                    f"  sampling: {{method: random, n: {args.designs}, seed: 0}}\n")
        spec = d / "bench.yaml"
        spec.write_text(SPEC.format(sampling=sampling), encoding="utf-8")
        cache = d / "opcache"
        print(f"grcim sweep benchmark: {min(args.designs, 500)} designs x 2 phases, "
              f"{len(os.sched_getaffinity(0))} cores available, load average "
              f"{os.getloadavg()[0]:.1f} (other processes share the cores)")
        warm = _run(spec, d / "warm.sqlite", "2", cache)
        print(f"  warm-up (fills the operating-point cache)  {warm['wall_s']:.1f} s, "
              f"{warm['counts']}")
        runs = {"1 worker, in the client": _run(spec, d / "inline.sqlite", "1", cache),
                "1 worker process        ": _run(spec, d / "one.sqlite", "1p", cache),
                "2 worker processes      ": _run(spec, d / "two.sqlite", "2", cache)}
        t = time.perf_counter()
        again = _run(spec, d / "two.sqlite", "2", cache)
        resume_outer = time.perf_counter() - t
        n = int(runs["1 worker process        "]["written"])  # type: ignore[call-overload]
        steady = {}
        for label, r in runs.items():
            wall = float(r["wall_s"])  # type: ignore[arg-type]
            steady[label] = float(r["steady_s"] or wall)  # type: ignore[arg-type]
            print(f"  {label}: {n} points, wall {wall:6.1f} s ({n / wall:5.1f} points/s), "
                  f"steady {n / steady[label]:5.1f} points/s, CPU "
                  f"{1e3 * float(r['cpu_s']) / n:.1f} ms/point, client peak "  # type: ignore[arg-type]
                  f"{float(r['client_peak_mb']):.0f} MB")  # type: ignore[arg-type]
        print("  target: >= 20 points/s with operating points cached")
        one, two = runs["1 worker process        "], runs["2 worker processes      "]
        print(f"  scaling 1 -> 2 worker processes: "
              f"{steady['1 worker process        '] / steady['2 worker processes      ']:.2f}x"
              f" steady, {float(one['wall_s']) / float(two['wall_s']):.2f}x wall   "  # type: ignore[arg-type]
              "(target >= 1.7x; needs two idle cores)")
        print(f"  resume of the finished sweep: {float(again['wall_s']):.2f} s in the "  # type: ignore[arg-type]
              f"process ({again['todo']} points to compute), {resume_outer:.2f} s with the "
              "interpreter start   (target < 2 s)")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
