"""``grcim compare``: one LLM workload on several chips, side by side, with ratios.

``grcim compare [--arch A --arch B ...] [--workload W] [--phase prefill|decode|both]
[--batch B] [--tokens T] [--context L] [--objective energy|latency|edp] [--out DIR]``.
Without ``--arch`` it runs the bundled comparison: conventional FP-CIM (the baseline) vs
GR-MAC vs INT8 CIM on the same edge chip, Llama-3-8B prefill of 2048 tokens and decode at
context 2048. ``--out DIR`` writes ``comparison.json``, ``comparison.csv``,
``comparison.md`` (figures in ``figures/``) and ``comparison.html``, all at once (nothing
is written if anything fails; the output policy is :mod:`grcim.cli.outputs`). A ratio whose
baseline value is 0 is undefined: an empty CSV cell and ``null`` in the JSON.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from grcim.cli.map import add_step_options, map_options, step_inputs, step_kwargs
from grcim.cli.options import CMDLINE, STEP_OPTIONS, console, options_named
from grcim.cli.outputs import (
    DIRECTORY,
    check_csv_numbers,
    check_json_numbers,
    check_members,
    check_outputs,
    writing,
)
from grcim.errors import SpecError
from grcim.mapper import BUNDLED_COMPARISON, compare_archs
from grcim.workloads.transformer import PHASES

__all__ = ["register", "run", "OUTPUT_FILES"]

#: What ``--out DIR`` receives (figures/comparison.png: report.figures.comparison_figures),
#: known before any work so that what is in the way is refused before the mapping.
OUTPUT_FILES = ("comparison.json", "comparison.csv", "comparison.md", "comparison.html",
                "figures/comparison.png")


def register(subparsers: Any) -> None:
    """Add the ``compare`` sub-command."""
    p = subparsers.add_parser(
        "compare", help="compare chips on one LLM workload (ratios vs the first)",
        description="Map the same LLM step on several chips and compare energy per token, "
        "latency, tokens/s, TOPS/W and area, with ratios to the first chip. Without --arch: "
        + " vs ".join(BUNDLED_COMPARISON) + ".")
    p.add_argument("--arch", action="append", metavar="A", help="bundled chip or arch file; "
                   "repeat for each chip, the first is the baseline")
    p.add_argument("--phase", default="both", help="prefill, decode or both (default)")
    add_step_options(p)
    p.add_argument("--out", metavar="DIR", help="write comparison.{json,csv,md,html} and "
                   "figures/ into DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``grcim compare``."""
    from grcim.report.figures import comparison_figures
    from grcim.report.json_report import comparison_json
    from grcim.report.markdown import comparison_sections, to_html, to_markdown
    from grcim.report.tables import rows_to_csv
    from grcim.report.text import comparison_table

    if args.phase not in (*PHASES, "both"):
        raise SpecError(CMDLINE, "--phase", args.phase, "prefill, decode or both")
    phases = PHASES if args.phase == "both" else (args.phase,)
    kwargs = step_kwargs(args)
    if phases == ("decode",) and kwargs["tokens"] not in (None, 1):
        # compare passes --tokens to prefill only: refused as map refuses it for decode,
        # instead of being dropped without a word
        raise SpecError(CMDLINE, "--tokens", kwargs["tokens"], "an integer 1..1 (decode "
                        "processes one token per sequence)")
    options = map_options(args)
    protect = check_outputs([("--out", args.out, DIRECTORY)], step_inputs(args))
    check_members("--out", args.out, OUTPUT_FILES, protect)
    with options_named(STEP_OPTIONS):  # errors name --tokens, not tokens
        comparison = compare_archs(args.arch, args.workload, phases, options=options,
                                   models_file=args.models, **kwargs)
    files: dict[str, str | bytes] = {}
    if args.out is not None:
        title = f"grcim compare: {comparison.results[0].workload}"
        sections = comparison_sections(comparison)
        figures = comparison_figures(comparison)
        files = {"comparison.json": comparison_json(comparison),
                 "comparison.csv": rows_to_csv(_defined(comparison.rows())),
                 "comparison.md": to_markdown(title, sections, "figures"),
                 "comparison.html": to_html(title, sections, figures)}
        files.update({f"figures/{name}.png": data for name, data in figures.items()})
        check_json_numbers("--out", str(files["comparison.json"]))
        check_csv_numbers("--out", str(files["comparison.csv"]))
        with writing({args.out: "--out"}) as stage:
            _fill(stage.directory(args.out, protect, "compare"), files)
    # printed once the files are written: an error writing them is the only output
    console().print(comparison_table(comparison))
    return 0


def _defined(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with undefined ratios (baseline 0, NaN) as None: an empty CSV cell."""
    return [{k: None if isinstance(v, float) and v != v else v for k, v in r.items()}
            for r in rows]


def _fill(tmp: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
