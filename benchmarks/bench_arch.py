"""Benchmark: load and validate every bundled arch file; print the time per file.

Usage: ``python benchmarks/bench_arch.py [--repeat N]``. Each file is read, parsed (YAML
plus the quoting pass), evaluated and validated ``N`` times; the median and the best time
are printed in milliseconds. Target: well under 100 ms per file (interactive CLI use).
"""

from __future__ import annotations

import argparse
import statistics
import time

from grcim.arch import list_bundled, load_arch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="loads per file (default 20)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    print(f"{'arch':<22} {'median ms':>10} {'best ms':>9}")
    total = 0.0
    for name in list_bundled():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            load_arch(name)
            times.append(time.perf_counter() - start)
        total += sum(times)
        print(f"{name:<22} {statistics.median(times) * 1e3:>10.2f} {min(times) * 1e3:>9.2f}")
    n = len(list_bundled()) * repeat
    print(f"{n} loads in {total:.2f} s: {total / n * 1e3:.2f} ms per load on average")


if __name__ == "__main__":
    main()
