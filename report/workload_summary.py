"""The totals of an LLM step's operator graph as a terminal table (``grcim workload``).

Sizes and counts are printed with decimal prefixes k, M, G, T, P, E (10^3 .. 10^18) and
never with a prefix below one: a size under a byte (a quarter byte of KV cache written at
1-bit KV) is a plain decimal, "0.25 B", not "250 mB", which reads as megabytes. From
10^21 on, a value is printed in scientific notation without a prefix (``6.19e+26 MACs``).
"""

from __future__ import annotations

import math
from typing import Any

from rich.markup import escape
from rich.table import Table

from grcim.workloads import ModelConfig

__all__ = ["amount", "totals_table", "PREFIX_CAPTION"]

_PREFIXES = ((1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
PREFIX_CAPTION = ("k, M, G, T, P, E = 10^3, 10^6, 10^9, 10^12, 10^15, 10^18 (none "
                  "below 1)")
"""What the prefixes of :func:`amount` mean (the tables' captions)."""


def amount(value: float, unit: str, digits: int = 4) -> str:
    """``value`` (a count or a size, >= 0) with ``digits`` significant digits and a
    decimal prefix of at least k (``124.4 Mparams``, ``619 TMACs``, ``0.25 B``)."""
    if math.isnan(value):
        return "-"
    if value == 0:
        return f"0 {unit}".rstrip()
    mag = abs(value)
    # a value that rounds up to the next power of 1000 takes the next prefix (999,960 at
    # 4 digits is "1 M", not "1000 k")
    edge = 1 - 0.5 * 10 ** -digits
    if mag >= 1e21 * edge:  # beyond E: scientific notation without a prefix
        return f"{value:.{digits}g} {unit}".rstrip()
    for scale, prefix in _PREFIXES:
        if mag >= scale * edge:
            return f"{value / scale:.{digits}g} {prefix}{unit}"
    return f"{value:.{digits}g} {unit}".rstrip()


def totals_table(totals: dict[str, Any], config: ModelConfig) -> Table:
    """The ``grcim workload NAME`` table of :func:`grcim.workloads.graph_totals`."""
    # the label comes from the models file: escaped, rich prints '[...]' in it as written
    table = Table(title=escape(f"{config.label}: {totals['phase']}, batch {totals['batch']}, "
                               f"{totals['tokens']} new token(s), context {totals['context']}"))
    table.add_column("quantity")
    table.add_column("value", justify="right")
    # prefixes keep small models and small steps readable: a fixed GMACs / MB scale
    # printed GPT-2's 18 kB of decode KV writes as "0.0 MB"
    rows = (
        ("parameters", totals["parameters"], "params"),
        ("weight MACs per token", totals["weight_macs_per_token"], "MACs"),
        ("weight MACs (step)", totals["weight_macs"], "MACs"),
        ("attention MACs (step)", totals["attention_macs"], "MACs"),
        ("total MACs (step)", totals["total_macs"], "MACs"),
        ("vector ops (step)", totals["vector_ops"], "ops"),
        (f"weights stored ({totals['weight_bits']} b)", totals["weight_bytes"], "B"),
        ("weights read", totals["weight_read_bytes"], "B"),
        (f"KV cache after step ({totals['kv_bits']} b)", totals["kv_cache_bytes"], "B"),
        ("KV cache read", totals["kv_read_bytes"], "B"),
        ("KV cache written", totals["kv_write_bytes"], "B"),
        (f"activations read ({totals['act_bits']} b)", totals["activation_read_bytes"], "B"),
        ("activations written", totals["activation_write_bytes"], "B"),
    )
    table.add_row("ops (graph nodes)", f"{totals['ops']:,}")
    for label, value, unit in rows:
        table.add_row(label, amount(float(value), unit))
    table.caption = (f"Prefixes: {PREFIX_CAPTION}; B = bytes; MACs exclude causally masked "
                     "products")
    return table
