"""The totals of an LLM step's operator graph as a terminal table (``grcim workload``)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from grcim.report.display import si
from grcim.workloads import ModelConfig

__all__ = ["totals_table"]


def totals_table(totals: dict[str, Any], config: ModelConfig) -> Table:
    # the label comes from the models file: escaped, rich prints '[...]' in it as written
    table = Table(title=escape(f"{config.label}: {totals['phase']}, batch {totals['batch']}, "
                               f"{totals['tokens']} new token(s), context {totals['context']}"))
    table.add_column("quantity")
    table.add_column("value", justify="right")
    # SI prefixes keep small models and small steps readable: a fixed GMACs / MB scale
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
        table.add_row(label, si(float(value), unit, digits=4))
    table.caption = ("SI prefixes: k = 10^3, M = 10^6, G = 10^9, T = 10^12; B = bytes; MACs "
                     "exclude causally masked products")
    return table
