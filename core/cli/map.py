"""``grcim map``: whole-chip energy and latency of one LLM prefill or decode step.

``grcim map [--arch A] [--workload W] --phase prefill|decode [--batch B] [--tokens T]
[--context L] [--engine grcim|accelforge] [--objective energy|latency|edp] [--json FILE]
[--report FILE.md|FILE.html]``.
Defaults: the bundled chip (``edge_grmac``) and model (``llama3-8b``). Prints rich tables;
``--json`` writes the result (SI units, units in the key names), ``--report`` a Markdown
report with its figures in ``<stem>_figures/`` or a self-contained HTML page. Output paths
follow :mod:`grcim.cli.outputs` (checked before any work; never an input file); everything
is computed and rendered before any file is written, and all files are committed together,
so an error leaves no partial output.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grcim.arch import DEFAULT_ARCH
from grcim.cli.options import (
    CMDLINE,
    STEP_OPTIONS,
    add_command,
    check_writable,
    console,
    int_option,
    options_named,
)
from grcim.cli.outputs import (
    DIRECTORY,
    FILE,
    check_json_numbers,
    check_members,
    check_outputs,
    writing,
)
from grcim.errors import SpecError
from grcim.mapper import ENGINES, MapOptions, map_workload
from grcim.mapper.mapping import OBJECTIVES
from grcim.resources import names_a_file
from grcim.workloads.transformer import MAX_BATCH, PHASES

__all__ = ["register", "run", "add_step_options", "optional_int", "check_output",
           "write_outputs", "step_inputs", "arch_input", "map_options", "figure_files"]

def optional_int(option: str, text: str | None, lo: int, hi: int) -> int | None:
    """Parse an optional decimal integer option in ``lo..hi`` (None stays None)."""
    return None if text is None else int_option(option, text, lo, hi)


def add_step_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``map`` and ``compare``: workload, step shape, engine."""
    p.add_argument("--workload", metavar="W", help="model name (default: llama3-8b; see "
                   "'grcim workload list')")
    p.add_argument("--models", metavar="FILE", help="models YAML (default: the bundled one)")
    p.add_argument("--batch", default="1", help=f"sequences per step, 1..{MAX_BATCH} "
                   "(default 1)")
    p.add_argument("--tokens", help="prompt tokens per sequence in prefill (default "
                   "min(2048, max_context))")
    p.add_argument("--context", help="tokens per sequence after the step (default: tokens "
                   "for prefill, min(2048, max_context) for decode)")
    p.add_argument("--engine", default="grcim", help="grcim (analytic, default) or "
                   "accelforge (needs the grcim[accelforge] extra; one layer x n_layers, "
                   "minutes)")
    p.add_argument("--no-replicate", action="store_true", help="do not copy weight tiles "
                   "onto idle macros")
    p.add_argument("--objective", default="energy", help="what the mapping search "
                   "minimizes per op: energy (default), latency or edp")


def map_options(args: argparse.Namespace) -> MapOptions:
    """The analytic mapper's options from ``--no-replicate`` and ``--objective``."""
    if args.objective not in OBJECTIVES:
        raise SpecError(CMDLINE, "--objective", args.objective,
                        ", ".join(OBJECTIVES[:-1]) + " or " + OBJECTIVES[-1])
    # AccelForge's engine maps with its own mapper, which takes neither option: refused
    # here so no result claims an objective or setting its mapper never saw
    if args.engine == "accelforge" and args.objective != "energy":
        raise SpecError(CMDLINE, "--objective", args.objective,
                        "energy with --engine accelforge (latency and edp are objectives "
                        "of the grcim engine)")
    if args.engine == "accelforge" and args.no_replicate:
        raise SpecError(CMDLINE, "--no-replicate", True,
                        "left out with --engine accelforge (a grcim engine option)")
    return MapOptions(replicate=not args.no_replicate, objective=args.objective)


def step_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Checked batch, tokens, context and engine from the shared options."""
    if args.engine not in ENGINES:
        raise SpecError(CMDLINE, "--engine", args.engine, " or ".join(ENGINES))
    return {"batch": optional_int("--batch", args.batch, 1, MAX_BATCH),
            "tokens": optional_int("--tokens", args.tokens, 1, 2**24),
            "context": optional_int("--context", args.context, 1, 2**24),
            "engine": args.engine}


def arch_input(arch: str | None) -> str | None:
    """The file an ``--arch`` value names, or None for a bundled name (the loader's rule)."""
    return arch if arch is not None and names_a_file(arch) else None


def step_inputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """The input files of ``map`` / ``compare`` (outputs may not overwrite them)."""
    archs = args.arch if isinstance(args.arch, list) else [args.arch]
    return [("--arch", arch_input(a)) for a in archs or ()] + [("--models", args.models)]


def check_output(option: str, path: str | None, suffixes: tuple[str, ...] = ()) -> None:
    """An output file path must be writable (``check_writable``: not a directory, parents
    creatable) and end in one of ``suffixes``."""
    if path is None:
        return
    check_writable(option, path)
    if suffixes and Path(path).suffix.lower() not in suffixes:
        raise SpecError(CMDLINE, option, path, "a file ending in " + " or ".join(suffixes))


def write_outputs(option: str, path: str, write: Callable[[], Any]) -> None:
    """Run a file writer; an OS error becomes a one-line error naming the option."""
    try:
        write()
    except OSError as exc:
        raise SpecError(CMDLINE, option, path, f"a writable path ({exc.strerror})") from None


def register(subparsers: Any) -> None:
    """Add the ``map`` sub-command."""
    p = add_command(
        subparsers, run,
        "energy and latency of an LLM prefill or decode step on a chip",
        "Map one prefill or decode step of an LLM onto a CIM chip: whole-chip energy, latency, "
        "time to first token or per-token latency, tokens/s, J/token, breakdowns and the bound "
        "of every op.")
    p.add_argument("--arch", metavar="A", help=f"bundled chip name or arch file (default "
                   f"{DEFAULT_ARCH}; see 'grcim arch list')")
    p.add_argument("--phase", help="prefill or decode (required)")
    add_step_options(p)
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--ops", action="store_true", help="include every op in the JSON")
    p.add_argument("--report", metavar="FILE", help="write a report: FILE.md (figures in "
                   "FILE_figures/) or FILE.html (self-contained)")


def run(args: argparse.Namespace) -> int:
    """Execute ``grcim map``."""
    from grcim.report.json_report import result_json

    if args.phase not in PHASES:
        value = "<missing>" if args.phase is None else args.phase
        raise SpecError(CMDLINE, "--phase", value, "required: prefill or decode")
    kwargs = step_kwargs(args)
    if args.ops and args.json is None:  # it would be silently ignored
        raise SpecError(CMDLINE, "--ops", True, "used only with --json FILE (it adds every "
                        "op to the JSON)")
    if args.ops and args.engine == "accelforge":  # it has no per-op records to add
        raise SpecError(CMDLINE, "--ops", True, "used only with --engine grcim (the "
                        "accelforge engine reports the step's totals, no per-op records)")
    if args.report is not None and args.report != "" and \
            Path(args.report).suffix.lower() not in (".md", ".html"):
        raise SpecError(CMDLINE, "--report", args.report, "a file ending in .md or .html")
    outputs = [("--json", args.json, FILE), ("--report", args.report, FILE)]
    figures_dir = (_figures_dir(args.report) if args.report
                   and Path(args.report).suffix.lower() == ".md" else None)
    if figures_dir is not None:
        # checked first: a path the user typed that collides with the folder --report
        # derives is then the one named, with its own option and value
        outputs.insert(0, ("--report", figures_dir, DIRECTORY))
    protect = check_outputs(outputs, step_inputs(args))
    options = map_options(args)
    # what is in the way of the figures is refused now, not after the mapping
    check_members("--report", figures_dir, figure_files(args.engine), protect)
    with options_named(STEP_OPTIONS):  # errors name --tokens, not tokens
        result = map_workload(args.arch, args.workload, args.phase, options=options,
                              models_file=args.models, **kwargs)
    json_text = result_json(result, include_ops=args.ops) if args.json else None
    if json_text is not None:
        check_json_numbers("--json", json_text)
    report = _render_report(result, args.report) if args.report else None
    from grcim.report.text import result_tables

    console().print(result_tables(result))
    with writing({p: o for o, p, _ in outputs if p}) as stage:
        if json_text is not None:
            stage.file(args.json, json_text)
        if report is not None:
            text, figures = report
            if figures and figures_dir is not None:
                folder = stage.directory(figures_dir, protect, "map")
                for name, data in figures.items():
                    (folder / f"{name}.png").write_bytes(data)
            stage.file(args.report, text)
    return 0


def figure_files(engine: str) -> tuple[str, ...]:
    """The files of ``--report FILE.md``'s figures folder (report.figures.result_figures:
    energy and latency, and the roofline of the per-op records only the grcim engine
    keeps), known before the mapping."""
    return ("energy.png", "latency.png", *(("roofline.png",) if engine == "grcim" else ()))


def _figures_dir(report: str) -> str:
    target = Path(report)
    return str(target.parent / f"{target.stem}_figures")


def _render_report(result: Any, path: str) -> tuple[str, dict[str, bytes]]:
    from grcim.report.figures import result_figures
    from grcim.report.markdown import result_sections, to_html, to_markdown

    title = f"grcim map: {result.workload} {result.phase} on {result.arch}"
    sections = result_sections(result)
    figures = result_figures(result)
    target = Path(path)
    if target.suffix.lower() == ".html":
        return to_html(title, sections, figures), {}
    return to_markdown(title, sections, f"{target.stem}_figures"), figures
