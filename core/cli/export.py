"""``grcim export timeloop``: one layer or one einsum of a workload step as Timeloop v0.4 specs.

``grcim export timeloop [--arch A] [--workload W] [--models FILE] [--phase prefill|decode]
[--batch B] [--tokens T] [--context L] [--layer N | --op NAME] [--victory N] --out DIR``.
With ``--op`` (a graph op such as ``L0.q_proj``, or a role of ``--layer``) the files of
that einsum go into ``DIR``; otherwise every einsum the chip runs on its macros in decoder
layer ``--layer`` (default 0) gets ``DIR/<op>/``. Files and their meaning:
:mod:`grcim.export.timeloop_spec` and ``docs/timeloop.md``. Everything is computed before
anything is written, and all folders are committed together; what is in the way of
those files in ``DIR`` (a folder or a link where a file goes) is refused before the
mapping searches (:func:`grcim.cli.outputs.check_members`). ``DIR`` keeps the user's
other files; the files an earlier export wrote there and this one does not (other
einsums' folders) are removed unless changed since (:mod:`grcim.atomic`'s manifest).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.markup import escape

from grcim.arch import DEFAULT_ARCH
from grcim.cli.map import optional_int, step_inputs
from grcim.cli.options import CMDLINE, add_command, console, int_option
from grcim.cli.outputs import DIRECTORY, check_members, check_outputs, writing
from grcim.errors import SpecError
from grcim.workloads.transformer import MAX_BATCH, PHASES

__all__ = ["register", "run"]



def register(subparsers: Any) -> None:
    """Add the ``export`` sub-command (``export timeloop``)."""
    p = add_command(
        subparsers, run,
        "write grcim's chips and einsums for other tools (Timeloop v0.4)",
        "Write one layer or one einsum of a workload step on a chip as Timeloop v0.4 "
        "specifications: architecture, problem, grcim's mapping, mapper constraints and the "
        "ERT/ART from grcim's models (docs/timeloop.md).")
    p.add_argument("tool", metavar="TOOL", help="timeloop")
    p.add_argument("--arch", metavar="A", help=f"bundled chip name or arch file (default "
                   f"{DEFAULT_ARCH})")
    p.add_argument("--workload", metavar="W", help="model name (default: llama3-8b)")
    p.add_argument("--models", metavar="FILE", help="models YAML (default: the bundled one)")
    p.add_argument("--phase", default="prefill", help="prefill (default) or decode")
    p.add_argument("--batch", default="1", help=f"sequences per step, 1..{MAX_BATCH} "
                   "(default 1)")
    p.add_argument("--tokens", help="prompt tokens per sequence in prefill")
    p.add_argument("--context", help="tokens per sequence after the step")
    p.add_argument("--layer", help="decoder layer (default 0)")
    p.add_argument("--op", metavar="NAME", help="one einsum: a graph op (L0.q_proj, "
                   "lm_head) or a role of --layer (q_proj, ffn_down, ...)")
    p.add_argument("--victory", default="0", help="mapper.yaml victory_condition: 0 "
                   "(default) searches the whole pruned mapspace; e.g. 2000 for large layers")
    p.add_argument("--out", metavar="DIR", help="output folder (required)")


def run(args: argparse.Namespace) -> int:
    """Execute ``grcim export timeloop``."""
    if args.tool != "timeloop":
        raise SpecError(CMDLINE, "TOOL", args.tool, "timeloop")
    if not args.out:
        raise SpecError(CMDLINE, "--out", "<missing>", "required: an output folder")
    if args.phase not in PHASES:
        raise SpecError(CMDLINE, "--phase", args.phase, "prefill or decode")
    protect = check_outputs([("--out", args.out, DIRECTORY)], step_inputs(args))
    batch = int_option("--batch", args.batch, 1, MAX_BATCH)
    tokens = optional_int("--tokens", args.tokens, 1, 2**24)
    context = optional_int("--context", args.context, 1, 2**24)
    layer = optional_int("--layer", args.layer, 0, 100_000)
    victory = int_option("--victory", args.victory, 0, 10**9)

    from grcim.export import export_timeloop, select_einsums
    from grcim.export.timeloop_spec import FILES
    from grcim.mapper import resolve_arch, step_graph

    single = args.op is not None
    if single:  # one einsum's files go into --out itself: names known before anything
        check_members("--out", args.out, FILES, protect)

    arch = resolve_arch(args.arch)
    if arch.chip is None:
        raise SpecError(CMDLINE, "--arch", arch.name, "a chip (kind: chip), not a macro file")
    graph = step_graph(arch, args.workload, args.phase, batch, tokens, context, args.models)
    chosen = select_einsums(arch, graph, layer, args.op)
    if not single:
        # a layer's einsums (their folders' names) are known once the graph is built, which
        # is quick: what is in the way of <op>/<file> is refused before the mapping searches
        check_members("--out", args.out, [f"{e.name}/{f}" for e in chosen for f in FILES],
                      protect)
    exports = [export_timeloop(arch, e, victory) for e in chosen]
    out = Path(args.out)
    with writing({args.out: "--out"}) as stage:  # every einsum's folder, or none
        folder = stage.directory(args.out, protect, "export timeloop")
        for ex in exports:
            where = folder if single else folder / ex.einsum.name
            where.mkdir(exist_ok=True)
            for name, text in ex.files.items():
                (where / name).write_text(text, encoding="utf-8")
    con = console()
    # arch, model and path are user text; rich would read '[...]' in them as markup
    con.print(escape(f"grcim export timeloop: {arch.name}, {graph.graph.get('model')} "
                     f"{args.phase}: {len(exports)} einsum(s) -> {out}"))
    for ex in exports:
        s = ex.einsum.shape
        where = out if single else out / ex.einsum.name
        mapping = "exact" if ex.mapping.exact else "NOT exact"
        con.print(escape(f"  {ex.einsum.name}: M={s['M']} K={s['K']} N={s['N']}, grcim "
                         f"{ex.grcim.energy_j * 1e6:.4g} uJ, {ex.grcim.latency_s * 1e6:.4g} "
                         f"us; mapping {mapping}; {where}"), highlight=False, soft_wrap=True)
        if not ex.mapping.exact:
            con.print(escape(f"    {ex.mapping.note}"), highlight=False, soft_wrap=True)
    return 0
