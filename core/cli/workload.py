"""``grcim workload``: totals of an LLM operator graph, JSON and AccelForge einsum export.

``grcim workload NAME --phase prefill|decode [--batch B] [--tokens T] [--context L]
[--models FILE] [--json FILE] [--einsum FILE]`` and ``grcim workload list``.
Numbers inside are SI (bytes, counts); the terminal tables print them with decimal
prefixes k..E (:mod:`grcim.report.workload_summary`; never below one: "0.25 B", not "250 mB").
Output paths follow :mod:`grcim.cli.outputs` (checked before any work; never the models
file); files are written after every value has been computed, all together, so an error
never leaves a partial file.
A list of more than :data:`PLAIN_LIST_ROWS` models is printed as plain aligned columns: a
rich table takes about a millisecond per row.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from grcim.cli.options import CMDLINE, add_command, console, int_option
from grcim.cli.outputs import FILE, check_json_numbers, check_outputs, writing
from grcim.errors import SpecError
from grcim.report.workload_summary import PREFIX_CAPTION, amount, totals_table
from grcim.workloads import (
    ModelConfig,
    build_graph,
    default_model_name,
    graph_totals,
    load_model_configs,
    parameter_breakdown,
    parameter_count,
)
from grcim.workloads.einsum_export import einsum_yaml
from grcim.workloads.transformer import (
    MAX_BATCH,
    MAX_BITS,
    PHASES,
    default_context,
    default_tokens,
)

__all__ = ["register", "run", "PLAIN_LIST_ROWS"]

PLAIN_LIST_ROWS = 500
"""Above this many models, ``workload list`` prints plain columns instead of a rich table."""


def register(subparsers: Any) -> None:
    """Add the ``workload`` sub-command."""
    p = add_command(subparsers, run, "operator-graph totals of an LLM (or 'list' the models)",
                    "Build the operator graph of one prefill or decode step of an LLM and print "
                    "its totals; 'grcim workload list' shows the available models.")
    p.add_argument("name", metavar="NAME", help="model name (see 'grcim workload list'), "
                   "or 'list'")
    p.add_argument("--phase", help="prefill (T prompt tokens) or decode (one new token at "
                   "context L); required unless NAME is list")
    p.add_argument("--batch", help=f"sequences per step, 1..{MAX_BATCH} (default 1)")
    p.add_argument("--tokens", help="new tokens per sequence: prefill 1..max_context "
                   "(default min(2048, max_context)); decode only 1")
    p.add_argument("--context", help="tokens per sequence after the step, new ones included: "
                   "tokens..max_context (default: tokens for prefill, min(2048, "
                   "max_context) for decode)")
    for name, what in (("weight", "weights"), ("act", "activations"), ("kv", "KV cache")):
        p.add_argument(f"--{name}-bits", help=f"bits per element of {what}, "
                       f"1..{MAX_BITS} (default 8)")
    p.add_argument("--lm-head-all-tokens", action="store_true",
                   help="project every new token to logits (default: last token only)")
    p.add_argument("--models", metavar="FILE", help="models YAML (default: the bundled one)")
    p.add_argument("--json", metavar="FILE", help="write the totals as JSON")
    p.add_argument("--einsum", metavar="FILE", help="write an AccelForge einsum workload")
    p.add_argument("--einsum-layer", default=None, metavar="N|all",
                   help="layer to export (0-based, default 0) or 'all' (every layer + LM head)")


_LIST_COLUMNS = ("model", "d_model", "heads", "kv heads", "head dim", "d_ff", "layers",
                 "vocab", "FFN", "max context", "params")
_LEFT = ("model", "FFN")


def _list_models(models: str | None) -> int:
    configs = load_model_configs(models)
    default = default_model_name(models)
    rows = [(name + (" *" if name == default else ""), str(c.d_model), str(c.n_heads),
             str(c.n_kv_heads), str(c.head_dim), str(c.d_ff), str(c.n_layers), str(c.vocab),
             # 5 digits with a prefix: "params (B)" to 3 decimals printed 0.000 for a
             # small model
             c.ffn, str(c.max_context), amount(parameter_count(c), "", digits=5))
            for name, c in configs.items()]
    if len(rows) > PLAIN_LIST_ROWS:
        _print_plain("LLM models (* = default)", rows)
        return 0
    table = Table(title="LLM models (* = default)", caption=f"params: {PREFIX_CAPTION}")
    for column in _LIST_COLUMNS:
        table.add_column(column, no_wrap=column == "model",
                         justify="left" if column in _LEFT else "right")
    for row in rows:
        table.add_row(*map(escape, row))  # a models file's names: printed as written
    console().print(table)
    return 0


def _print_plain(title: str, rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(col), *(len(r[i]) for r in rows)) for i, col in enumerate(_LIST_COLUMNS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if name in _LEFT else c.rjust(w)
                         for c, w, name in zip(cells, widths, _LIST_COLUMNS, strict=True))

    out = [title, line(_LIST_COLUMNS), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows] + [f"params: {PREFIX_CAPTION}"]
    sys.stdout.write("\n".join(out) + "\n")


def _pick_model(args: argparse.Namespace) -> ModelConfig:
    configs = load_model_configs(args.models)
    if args.name not in configs:
        raise SpecError(CMDLINE, "NAME", args.name, "one of " + ", ".join(configs))
    return configs[args.name]


def _einsum_layer(text: str, config: ModelConfig) -> int | None:
    if text.strip() == "all":
        return None
    return int_option("--einsum-layer", text, 0, config.n_layers - 1, " or all")


#: The options of one step (everything but --models), in the order --help lists them:
#: ``workload list`` uses none of them and refuses them rather than ignore them.
_STEP_OPTIONS = ("phase", "batch", "tokens", "context", "weight_bits", "act_bits", "kv_bits",
                 "lm_head_all_tokens", "json", "einsum", "einsum_layer")


def run(args: argparse.Namespace) -> int:
    """Execute ``grcim workload``."""
    if args.name == "list":
        for name in _STEP_OPTIONS:
            value = getattr(args, name)
            if value not in (None, False):
                raise SpecError(CMDLINE, "--" + name.replace("_", "-"), value, "left out "
                                "with 'workload list' (it lists the models; only --models "
                                "applies)")
        return _list_models(args.models)
    outputs = [("--json", args.json, FILE), ("--einsum", args.einsum, FILE)]
    check_outputs(outputs, [("--models", args.models)])
    config = _pick_model(args)
    if args.phase not in PHASES:
        value = "<missing>" if args.phase is None else args.phase
        raise SpecError(CMDLINE, "--phase", value, "required: prefill or decode")
    phase = args.phase
    ctx_why = f" (max_context of {config.name})"
    batch = int_option("--batch", "1" if args.batch is None else args.batch, 1, MAX_BATCH)
    if args.tokens is None:
        tokens = default_tokens(config, phase)
    elif phase == "decode":
        tokens = int_option("--tokens", args.tokens, 1, 1, " (decode: one token per sequence)")
    else:
        tokens = int_option("--tokens", args.tokens, 1, config.max_context, ctx_why)
    if args.context is None:
        context = default_context(config, phase, tokens)
    else:
        context = int_option("--context", args.context, tokens, config.max_context,
                              f" (at least --tokens; max_context of {config.name})")
    bits = {name: int_option(f"--{name.replace('_', '-')}",
                             "8" if getattr(args, name) is None else getattr(args, name),
                             1, MAX_BITS)
            for name in ("weight_bits", "act_bits", "kv_bits")}
    if args.lm_head_all_tokens and phase == "decode":  # one token: nothing would change
        raise SpecError(CMDLINE, "--lm-head-all-tokens", True, "used only with --phase "
                        "prefill (decode has one new token per sequence, which the LM head "
                        "projects either way)")
    if args.einsum_layer is not None and not args.einsum:  # it would be silently ignored
        raise SpecError(CMDLINE, "--einsum-layer", args.einsum_layer,
                        "used only with --einsum FILE (the einsum export it selects)")
    layer = _einsum_layer(args.einsum_layer or "0", config) if args.einsum else 0
    graph = build_graph(config, phase, batch=batch, tokens=tokens, context=context,
                        lm_head_all_tokens=args.lm_head_all_tokens, **bits)
    totals = graph_totals(graph)
    totals["lm_head_all_tokens"] = args.lm_head_all_tokens
    totals["parameter_breakdown"] = parameter_breakdown(config)
    totals["model_title"] = config.title
    totals["source"] = config.source
    # Render everything before writing anything, so a failure leaves no output file.
    json_text = json.dumps(totals, indent=2) + "\n" if args.json else None
    if json_text is not None:
        check_json_numbers("--json", json_text)
    einsum_text = einsum_yaml(graph, layer) if args.einsum else None
    console().print(totals_table(totals, config))
    with writing({p: o for o, p, _ in outputs if p}) as stage:
        for path, text in ((args.json, json_text), (args.einsum, einsum_text)):
            if text is not None:
                stage.file(path, text)
    return 0
