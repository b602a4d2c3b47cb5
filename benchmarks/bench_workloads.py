"""Wall time of load + validate + build for Llama-3-70B (target < 0.5 s each).

Run: ``python benchmarks/bench_workloads.py``. Prints figures; asserts nothing. Each case
loads and validates the bundled models file from scratch, builds the graph and rolls up its
totals; the best and median of several repeats are shown, plus the one-off import time.
"""

from __future__ import annotations

import statistics
import time

T0 = time.perf_counter()
from grcim.workloads import build_graph, graph_totals, load_model_configs  # noqa: E402

IMPORT_S = time.perf_counter() - T0
TARGET_S = 0.5
REPEATS = 7


def case(phase: str, **kwargs: int) -> tuple[float, float, int]:
    times = []
    nodes = 0
    for _ in range(REPEATS):
        start = time.perf_counter()
        config = load_model_configs()["llama3-70b"]
        graph = build_graph(config, phase, **kwargs)
        graph_totals(graph)
        times.append(time.perf_counter() - start)
        nodes = graph.number_of_nodes()
    return min(times), statistics.median(times), nodes


def main() -> None:
    print(f"import grcim.workloads: {IMPORT_S * 1e3:.1f} ms (once per process)")
    print(f"{'case':<36} {'best ms':>8} {'median ms':>10} {'ops':>6}  target < {TARGET_S} s")
    for label, phase, kwargs in (
        ("llama3-70b prefill 2048 tokens", "prefill", {"tokens": 2048}),
        ("llama3-70b decode at context 2048", "decode", {"context": 2048}),
    ):
        best, median, nodes = case(phase, **kwargs)
        verdict = "ok" if median < TARGET_S else "SLOW"
        print(f"{label:<36} {best * 1e3:8.1f} {median * 1e3:10.1f} {nodes:6d}  {verdict}")


if __name__ == "__main__":
    main()
