"""The totals of an LLM step's operator graph as a terminal table (``grcim workload``)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from grcim.workloads import ModelConfig

__all__ = ["totals_table"]


def totals_table(totals: dict[str, Any], config: ModelConfig) -> Table:
    # the label comes from the models file: escaped, rich prints '[...]' in it as written
    table = Table(title=escape(f"{config.label}: {totals['phase']}, batch {totals['batch']}, "
                               f"{totals['tokens']} new token(s), context {totals['context']}"))
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    g, mb = 1e9, 1e6
    rows = (
        ("parameters", totals["parameters"] / g, "B params", 3),
        ("weight MACs per token", totals["weight_macs_per_token"] / g, "GMACs", 3),
        ("weight MACs (step)", totals["weight_macs"] / g, "GMACs", 3),
        ("attention MACs (step)", totals["attention_macs"] / g, "GMACs", 3),
        ("total MACs (step)", totals["total_macs"] / g, "GMACs", 3),
        ("vector ops (step)", totals["vector_ops"] / g, "G ops", 3),
        ("ops (graph nodes)", totals["ops"], "", 0),
        (f"weights stored ({totals['weight_bits']} b)", totals["weight_bytes"] / mb, "MB", 1),
        ("weights read", totals["weight_read_bytes"] / mb, "MB", 1),
        (f"KV cache after step ({totals['kv_bits']} b)", totals["kv_cache_bytes"] / mb, "MB", 1),
        ("KV cache read", totals["kv_read_bytes"] / mb, "MB", 1),
        ("KV cache written", totals["kv_write_bytes"] / mb, "MB", 1),
        (f"activations read ({totals['act_bits']} b)", totals["activation_read_bytes"] / mb,
         "MB", 1),
        ("activations written", totals["activation_write_bytes"] / mb, "MB", 1),
    )
    for label, value, unit, digits in rows:
        table.add_row(label, f"{value:,.{digits}f}", unit)
    table.caption = "MB = 10^6 bytes; G = 10^9; MACs exclude causally masked products"
    return table
