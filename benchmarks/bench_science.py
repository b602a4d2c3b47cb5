"""Benchmark of the science core: Monte Carlo throughput and ``grcim paper`` time and memory.

Usage: ``python benchmarks/bench_science.py [--samples N] [--repeat R] [--skip-paper]``

Prints figures, asserts nothing. Targets (issue 2): at least 10 M MAC-samples/s per core for
the Monte Carlo, and ``grcim paper`` under 60 s on 2 cores.

- A *MAC-sample* is one multiply-accumulate of one simulated dot product: an ensemble of
  ``N`` dot products of ``n_rows`` terms is ``N * n_rows`` MAC-samples.
- *Per core* rates divide by the process CPU time (``time.process_time``), so numpy threads,
  if any, do not inflate them; wall-clock rates are printed beside them.
- Pipelines: conventional (8-bit aligned operands, thermal noise, 7-bit ADC) and GR-MAC
  (unit, row with shared row exponents and 6 stored fraction bits, int with 8-bit block
  integers), each with noise and a 6-bit ADC, on FP8 E4M3 Gaussian operands.
- SQNR-vs-bits evaluation: what ``grcim paper`` does per ensemble: draw and round operands,
  conventional oracle SQNR and GR-MAC SQNR at 15 ADC resolutions (3 to 10 bits), and the
  required bits of both pipelines at 35 dB.
- ``grcim paper``: the default command in a subprocess (2 worker processes), run first;
  peak memory is the largest resident set of any one process (GNU ``time -v`` when present,
  else ``getrusage(RUSAGE_CHILDREN)``) and, on Linux, the largest sampled sum over the
  process tree.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grcim.physics.pipelines import (
    ConventionalConfig,
    GRMACConfig,
    conventional_dot,
    grmac_accumulate,
    grmac_dot,
    grmac_output,
    row_exponents,
)
from grcim.physics.sqnr import (
    conventional_required_adc_bits,
    grmac_required_adc_bits,
    make_operands,
    oracle_adc_sqnr_db,
    sqnr_db,
)

N_ROWS = 64
TARGET_PER_CORE = 10e6


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best (CPU seconds, wall seconds) over ``repeat`` calls."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def _line(name: str, macs: float, cpu: float, wall: float) -> None:
    per_core = macs / cpu if cpu > 0 else float("inf")
    flag = "ok" if per_core >= TARGET_PER_CORE else "BELOW TARGET"
    print(f"{name:<44} {wall * 1e3:>9.1f} {macs / wall / 1e6:>10.1f} {per_core / 1e6:>10.1f}  "
          f"{flag}")


def bench_pipelines(n: int, repeat: int) -> None:
    print(f"\nPipelines: {n} dot products x {N_ROWS} rows = {n * N_ROWS / 1e6:.1f} M MAC-samples")
    print(f"{'':<44} {'wall ms':>9} {'M/s wall':>10} {'M/s core':>10}")
    x, w_block = make_operands("gaussian", N_ROWS * 8, n, 1, "fp8_e4m3", "fp8_e4m3")
    x = x[:, :N_ROWS]
    w_block = w_block.reshape(n, N_ROWS, 8)
    w = w_block[..., 0]
    f_row = row_exponents(w_block)
    rng = np.random.default_rng(2)
    macs = float(n * N_ROWS)
    conv = ConventionalConfig(input_bits=8, input_full_scale=4.0, weight_bits=8,
                              weight_full_scale=4.0, adc_bits=7, adc_full_scale=20.0,
                              noise_rms=0.01)
    _line("conventional (align, noise, ADC)", macs,
          *_timed(lambda: conventional_dot(x, w, conv, rng), repeat))
    cases = {
        "GR-MAC unit (gain range 8, noise, ADC)":
            (GRMACConfig(normalization="unit", gain_range_octaves=8, adc_bits=6, noise_rms=0.01),
             None),
        "GR-MAC row (shared row exponents)":
            (GRMACConfig(normalization="row", weight_frac_bits=6, gain_range_octaves=8, adc_bits=6,
                         noise_rms=0.01), f_row),
        "GR-MAC int (8-bit block integers)":
            (GRMACConfig(normalization="int", int_bits=8, adc_bits=6, noise_rms=0.01), None),
    }
    for name, (cfg, fr) in cases.items():
        _line(name, macs, *_timed(lambda c=cfg, f=fr: grmac_dot(x, w, c, rng, f), repeat))
    _line("operand draw + FP8 rounding (both operands)", macs,
          *_timed(lambda: make_operands("gaussian", N_ROWS, n, 3, "fp8_e4m3", "fp8_e4m3"),
                  repeat))


def _sqnr_vs_bits(n: int) -> None:
    x, w = make_operands("gaussian", N_ROWS, n, 4, "fp8_e4m3", "fp8_e4m3")
    y = np.einsum("...n,...n->...", x, w)
    s, r = grmac_accumulate(x, w, GRMACConfig())
    for b in np.arange(3.0, 10.01, 0.5):
        oracle_adc_sqnr_db(y, b)
        sqnr_db(y, grmac_output(s, r, N_ROWS, GRMACConfig(adc_bits=b)))
    conventional_required_adc_bits(x, w, 35.0)
    grmac_required_adc_bits(x, w, 35.0)


def bench_sqnr_curve(n: int, repeat: int) -> None:
    print(f"\nSQNR-vs-bits evaluation of one ensemble ({n} x {N_ROWS}, 15 resolutions, "
          "required bits of both pipelines)")
    print(f"{'':<44} {'wall ms':>9} {'M/s wall':>10} {'M/s core':>10}")
    _line("whole evaluation (ensemble MAC-samples)", float(n * N_ROWS),
          *_timed(lambda: _sqnr_vs_bits(n), repeat))


def _tree_rss_bytes(pid: int) -> int:
    """Resident set of ``pid`` and its descendants (Linux /proc), 0 if unavailable."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(ln.split()[1]) for ln in status.splitlines()
                          if ln.startswith("VmRSS:")) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _watch(proc: subprocess.Popen, peak: list[int]) -> None:
    """Sample the process tree's resident set until ``proc`` exits; keep the largest."""
    while proc.poll() is None:
        peak[0] = max(peak[0], _tree_rss_bytes(proc.pid))
        time.sleep(0.05)


def _max_rss_kib(time_report: str) -> int | None:
    """``Maximum resident set size (kbytes)`` from GNU time's ``-v`` report."""
    for line in time_report.splitlines():
        if "Maximum resident set size" in line:
            return int(line.rsplit(":", 1)[1])
    return None


def bench_paper(runs: int) -> None:
    """Run first, before the throughput benchmarks allocate large arrays: a forked child's
    peak RSS (``ru_maxrss``) includes the parent's memory it held until ``exec``."""
    gnu_time = Path("/usr/bin/time")
    use_time = gnu_time.exists() and sys.platform.startswith("linux")
    print(f"\ngrcim paper (defaults, 2 workers), {runs} run(s); {os.cpu_count()} CPUs visible")
    walls, tree_peak, rss_kib = [], 0, []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "grcim", "paper", "--out", str(Path(tmp) / "paper"),
                   "--quiet"]
            if use_time:
                cmd = [str(gnu_time), "-v", *cmd]
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            peak = [0]
            watcher = threading.Thread(target=_watch, args=(proc, peak), daemon=True)
            watcher.start()
            _, err = proc.communicate()
            walls.append(time.perf_counter() - start)
            watcher.join()
            tree_peak = max(tree_peak, peak[0])
            if proc.returncode != 0:
                print(f"  failed (exit {proc.returncode}): {err.strip()[-300:]}")
                return
            if use_time and (kib := _max_rss_kib(err)) is not None:
                rss_kib.append(kib)
    if not rss_kib:  # no GNU time: the largest child's peak (KiB on Linux, bytes on macOS)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        rss_kib.append(usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1))
    print(f"  wall time: median {statistics.median(walls):.1f} s, best {min(walls):.1f} s "
          f"(target < 60 s) {'ok' if min(walls) < 60 else 'ABOVE TARGET'}")
    print(f"  peak memory of the largest process: {max(rss_kib) / 1024:.0f} MiB "
          f"({'GNU time -v' if use_time else 'getrusage'})")
    if tree_peak:
        print(f"  peak sum of RSS over the process tree (sampled every 50 ms; pages shared "
              f"by the forked workers counted in each): {tree_peak / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000,
                        help="dot products per ensemble (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (best kept)")
    parser.add_argument("--paper-runs", type=int, default=1, help="grcim paper runs (default 1)")
    parser.add_argument("--skip-paper", action="store_true", help="skip the grcim paper run")
    args = parser.parse_args()
    print(f"target: >= {TARGET_PER_CORE / 1e6:.0f} M MAC-samples/s per core")
    if not args.skip_paper:
        bench_paper(max(1, args.paper_runs))
    bench_pipelines(args.samples, max(1, args.repeat))
    bench_sqnr_curve(args.samples, max(1, args.repeat))


if __name__ == "__main__":
    main()
