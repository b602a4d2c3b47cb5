"""Table generation rate of ``grcim table`` for 10,000-point sweeps (target >= 10,000 points/s).

Run: ``python benchmarks/bench_tables.py``. Prints figures; asserts nothing.

Cases (each exactly 10,000 points):

- ``vectorized``: gr_mac over dynamic range x columns x ADC law (100 x 25 x 4): four groups,
  each one vectorized call;
- ``mixed``: gr_mac over dynamic range x columns x law x tech node (25 x 10 x 4 x 10): 40
  groups, six of the ten nodes scaled with hwcomponents.scaling;
- ``adc``: grcim_adc over ENOB (10,000 values; ENOB is not vectorized: one group per point,
  the worst case of a closed-form model);
- ``cli csv``: the whole ``grcim table ... --format csv`` command for the vectorized case
  (argument parsing, table, CSV text), output discarded;
- ``new process``: the same command as a fresh ``python -m grcim`` process, once: Python
  start-up, imports and the operating point's Monte Carlo for one ensemble included.

The first (cold) run includes the cached Monte Carlo of the operating point (once per
ensemble per process); warm runs are the best of a few repeats. No case runs a Monte Carlo
per point.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import time

import numpy as np

T0 = time.perf_counter()
from grcim.cli.main import main as cli_main  # noqa: E402
from grcim.plugins.tables import build_table  # noqa: E402

IMPORT_S = time.perf_counter() - T0
TARGET = 10_000.0
REPEATS = 3
N = 10_000

CASES = {
    "vectorized": ("gr_mac", {
        "dynamic_range_bits": [float(x) for x in np.linspace(0.0, 19.8, 100)],
        "n_cols": list(range(8, 208, 8)),
        "adc_law": ["thermal", "walden", "envelope", "hwcomponents"]}),
    "mixed": ("gr_mac", {
        "dynamic_range_bits": [float(x) for x in np.linspace(0.0, 12.0, 25)],
        "n_cols": [16, 32, 48, 64, 96, 128, 192, 256, 384, 512],
        "adc_law": ["thermal", "walden", "envelope", "hwcomponents"],
        "tech_node": [7e-9, 10e-9, 14e-9, 16e-9, 20e-9, 22e-9, 25e-9, 28e-9, 32e-9, 40e-9]}),
    "adc": ("grcim_adc", {"n_bits": [float(x) for x in np.linspace(0.5, 16.0, N)]}),
}


def timed(fn: object) -> tuple[float, float]:
    """(cold seconds, best warm seconds) of ``fn()``."""
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    cold = time.perf_counter() - start
    warm = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        warm.append(time.perf_counter() - start)
    return cold, min(warm)


def main() -> None:
    print(f"import grcim.plugins.tables + CLI: {IMPORT_S * 1e3:.0f} ms (once per process)")
    print(f"{'case':<12} {'points':>7} {'cold s':>8} {'warm s':>8} {'points/s (warm)':>16}"
          f"  target >= {TARGET:,.0f}/s")
    for label, (component, sweep) in CASES.items():
        n = int(np.prod([len(v) for v in sweep.values()]))
        cold, warm = timed(lambda c=component, s=sweep: build_table(c, {}, s))
        rate = n / warm
        print(f"{label:<12} {n:7d} {cold:8.3f} {warm:8.3f} {rate:16,.0f}  "
              f"{'ok' if rate >= TARGET else 'SLOW'}")
    argv = ["table", "gr_mac", "--sweep", "dynamic_range_bits=0:19.8:0.2", "--sweep",
            "n_cols=8:200:8", "--sweep", "adc_law=thermal,walden,envelope,hwcomponents",
            "--format", "csv"]

    def cli() -> None:
        with contextlib.redirect_stdout(io.StringIO()) as buf:
            cli_main(argv)
        assert buf.getvalue().count("\n") == N + 1

    cold, warm = timed(cli)
    print(f"{'cli csv':<12} {N:7d} {cold:8.3f} {warm:8.3f} {N / warm:16,.0f}  "
          f"{'ok' if N / warm >= TARGET else 'SLOW'}")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "grcim", *argv], capture_output=True,
                         text=True, check=True).stdout
    total = time.perf_counter() - start
    print(f"{'new process':<12} {out.count(chr(10)) - 1:7d} {total:8.3f} {'-':>8} "
          f"{N / total:16,.0f}  (one-off: start-up, imports, one Monte Carlo ensemble)")


if __name__ == "__main__":
    main()
