"""``grcim paper``: recompute the GR-MAC paper's two claims and write figures and tables."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from grcim.cli.options import add_command, options_named
from grcim.cli.outputs import (
    DIRECTORY,
    check_csv_numbers,
    check_json_numbers,
    check_members,
    check_outputs,
    writing,
)
from grcim.resources import names_a_file

__all__ = ["register"]


def _positive_int(name: str, lo: int, hi: int):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            msg = f"{name} = {text!r}: an integer from {lo} to {hi}"
            raise argparse.ArgumentTypeError(msg) from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} = {v}: an integer from {lo} to {hi}")
        return v

    return parse


def _number(name: str):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} = {text!r}: a number") from None
        if v != v or v in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{name} = {text!r}: a finite number")
        return v

    return parse


def register(sub: argparse._SubParsersAction) -> None:
    from grcim.physics.energy.adc import ADC_LAWS
    from grcim.physics.settings import (
        ALIGNMENTS,
        CELL_TOPOLOGIES,
        DEFAULT_ADC_LAW,
        DEFAULTS,
        GAIN_RANGE_RULES,
        GAIN_REFERENCES,
        NOISE_STANDARDS,
        NORMALIZATIONS,
    )

    p = add_command(sub, run, "reproduce the GR-MAC paper's claims (figures, CSV, claims.json)",
                    "Recompute, from grcim's documented models, the ADC-bound claim and the "
                    "iso-energy dynamic-range claim of Rojkov et al. (arXiv 2602.08081).")
    p.add_argument("--out", default="out/paper",
                   help="output directory (default out/paper)")
    p.add_argument("--sqnr-target", type=_number("--sqnr-target"), default=35.0,
                   metavar="DB", help="SQNR standard in dB (6..100, default 35)")
    p.add_argument("--noise-standard", choices=NOISE_STANDARDS, default=DEFAULTS.noise_standard,
                   help="what the standard counts: sqnr = quantization noise, thermal noise "
                   "designed --thermal-margin below it at full scale; total = thermal noise "
                   f"included at every input scale (default {DEFAULTS.noise_standard})")
    p.add_argument("--thermal-margin", type=_number("--thermal-margin"),
                   default=DEFAULTS.thermal_margin_db, metavar="DB",
                   help="sqnr standard: thermal noise this far below it at full scale "
                   f"(default {DEFAULTS.thermal_margin_db:g} dB)")
    p.add_argument("--adc-law", choices=ADC_LAWS, default=DEFAULT_ADC_LAW,
                   help=f"ADC energy law for the energy claim (default {DEFAULT_ADC_LAW})")
    p.add_argument("--samples", type=_positive_int("--samples", 1000, 1_000_000),
                   default=60000, help="Monte Carlo dot products per ensemble (default 60000)")
    p.add_argument("--seed", type=_positive_int("--seed", 0, 2**31 - 1), default=0)
    p.add_argument("--rows", type=_positive_int("--rows", 4, 1024), default=64,
                   help="rows accumulated per ADC conversion (default 64)")
    p.add_argument("--tech", default="28nm",
                   help="7nm, 22nm, 28nm, 65nm, 130nm or a technology YAML file")
    p.add_argument("--normalization", choices=NORMALIZATIONS, default=DEFAULTS.normalization,
                   help="GR-MAC normalization granularity for the energy claim "
                   f"(default {DEFAULTS.normalization})")
    p.add_argument("--gain-reference", choices=GAIN_REFERENCES,
                   default=DEFAULTS.gain_reference,
                   help=f"GR-MAC gain reference (default {DEFAULTS.gain_reference})")
    p.add_argument("--alignment", choices=ALIGNMENTS, default=DEFAULTS.alignment,
                   help="conventional FP-CIM alignment for the energy claim "
                   f"(default {DEFAULTS.alignment})")
    p.add_argument("--cell-topology", choices=CELL_TOPOLOGIES, default="bit_sliced",
                   help="how cells store weights (default bit_sliced)")
    p.add_argument("--gain-range-rule", choices=GAIN_RANGE_RULES, default="cover_range")
    p.add_argument("--reference-dr", type=_number("--reference-dr"), default=0.0, metavar="OCT",
                   help="reference input dynamic range D_ref in octaves (default 0)")
    p.add_argument("--max-dr", type=_number("--max-dr"), default=16.0, metavar="OCT",
                   help="largest input dynamic range evaluated (default 16 octaves)")
    p.add_argument("--jobs", type=_positive_int("--jobs", 1, 64), default=2,
                   help="worker processes for the Monte Carlo (default 2)")
    p.add_argument("--quiet", action="store_true", help="print only the output directory")


def _write_files(files: dict[str, str | bytes], folder: Path) -> None:
    """The rendered files into the staged (temporary) output folder."""
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)  # a name may hold a sub-folder
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from grcim.report.paper import PAPER_FILES, paper_files, summary_rows
    from grcim.studies.paper import run_paper

    tech = args.tech if names_a_file(args.tech) else None  # a file to protect from --out
    protect = check_outputs([("--out", args.out, DIRECTORY)], [("--tech", tech)])
    # what is already in the folder under the names paper writes: refused now, not after
    # the Monte Carlo
    check_members("--out", args.out, PAPER_FILES, protect)
    settings = _settings(args)
    console = Console(stderr=True, quiet=args.quiet)
    start = time.perf_counter()
    result = run_paper(settings,
                       progress=lambda step: console.print(f"[dim]… {escape(step)}[/dim]"))
    files = paper_files(result)
    for name, data in files.items():  # before anything is written: a bad number, no files
        if name.endswith(".json"):
            check_json_numbers("--out", str(data))
        elif name.endswith(".csv"):
            check_csv_numbers("--out", str(data))
    with writing({args.out: "--out"}) as stage:
        _write_files(files, stage.directory(args.out, protect, "paper"))
    table = Table(title="GR-MAC paper claims, recomputed", show_header=True)
    table.add_column("quantity")
    table.add_column("value")
    for k, v in summary_rows(result):
        table.add_row(k, escape(v))  # the technology's name or path is user text
    out = Console()
    if not args.quiet:
        out.print(table)
        out.print(escape(f"wrote {len(files)} files to {args.out} in "
                         f"{time.perf_counter() - start:.1f} s"))
    else:
        out.print(escape(str(args.out)))
    return 0


#: PaperSettings fields and the options that set them (errors name the option).
_OPTION_OF = {"sqnr_target_db": "--sqnr-target", "adc_law": "--adc-law", "n_samples": "--samples",
              "n_rows": "--rows", "tech": "--tech", "normalization": "--normalization",
              "noise_standard": "--noise-standard", "thermal_margin_db": "--thermal-margin",
              "alignment": "--alignment", "cell_topology": "--cell-topology",
              "gain_reference": "--gain-reference", "gain_range_rule": "--gain-range-rule",
              "reference_dynamic_range_bits": "--reference-dr",
              "dynamic_range_max_bits": "--max-dr", "jobs": "--jobs"}


def _settings(args: argparse.Namespace):
    from grcim.studies.paper import PaperSettings

    with options_named(_OPTION_OF):  # a value named by its option (--tech = ''), not field
        return PaperSettings(
            sqnr_target_db=args.sqnr_target, adc_law=args.adc_law, n_samples=args.samples,
            seed=args.seed, n_rows=args.rows, tech=args.tech, normalization=args.normalization,
            gain_reference=args.gain_reference, gain_range_rule=args.gain_range_rule,
            noise_standard=args.noise_standard, thermal_margin_db=args.thermal_margin,
            alignment=args.alignment, cell_topology=args.cell_topology,
            reference_dynamic_range_bits=args.reference_dr, dynamic_range_max_bits=args.max_dr,
            jobs=args.jobs,
        ).validated()
