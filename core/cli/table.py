"""``grcim table COMPONENT``: Accelergy-style energy/area tables (ERT/ART) over a grid.

``grcim table gr_mac --set normalization=unit --sweep dynamic_range_bits=0:8:2
--sweep adc_law=thermal,walden --format csv``. Values are SI inside
(``grcim.plugins.tables``); :mod:`grcim.report.component_tables` renders them in the
display units Accelergy users read: energy pJ, area µm², leakage µW, latency ns.
``--format yaml`` writes Accelergy 0.4's ``ERT``/``ART`` documents (one entry per grid
point, its attributes alongside), which Accelergy and Timeloop accept as inputs (``--name``
gives the entry the component's name).
Files (``--out``, ``--plot``) follow :mod:`grcim.cli.outputs` and are written together
after every value is computed and the plot is drawn.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grcim.cli.options import add_command
from grcim.cli.outputs import FILE, check_csv_numbers, check_json_numbers, check_outputs, writing
from grcim.errors import CMDLINE, ModelDomainError, SpecError
from grcim.report.component_tables import (
    FORMATS,
    display,
    energy_plot,
    plot_lines,
    render,
    row_costs,
)

if TYPE_CHECKING:
    from grcim.plugins.tables import ComponentTable

__all__ = ["register", "run", "parse_value", "parse_sweep", "render"]

_INT = re.compile(r"^[+-]?\d+$")
MAX_PLOT_LINES = 24
#: Most values one ``START:STOP:STEP`` range may expand to (the table's own grid limit,
#: ``grcim.plugins.tables.MAX_POINTS``, caps the product of all sweeps).
MAX_SWEEP_VALUES = 1_000_000


def register(subparsers: Any) -> None:
    """Add the ``table`` sub-command."""
    p = add_command(
        subparsers, run,
        "energy/area table (ERT/ART) of a grcim component over a parameter grid",
        "Per-action energy (pJ), area (µm²), leakage (µW) and latency (ns) of one grcim "
        "component over the grid of --sweep values, with the attributes of each row. Components: "
        "gr_mac, conventional_fp_mac, int_cim_mac, gain_ranging_stage, exponent_normalizer, "
        "grcim_adc, cim_dac ('grcim plugins' lists their attributes).")
    p.add_argument("component", metavar="COMPONENT", help="component name, e.g. gr_mac")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="fix an attribute (repeatable); 'none' means unset: the "
                   "attribute's default, which the table shows")
    p.add_argument("--sweep", dest="sweeps", action="append", default=[],
                   metavar="KEY=V1,V2,...|KEY=START:STOP:STEP",
                   help="sweep an attribute over a list or an inclusive numeric range "
                   "(repeatable; the grid is their product, first sweep slowest)")
    p.add_argument("--action", dest="actions", action="append", default=[], metavar="NAME",
                   help="only these actions (repeatable; default all)")
    p.add_argument("--format", default="text", help="text (default), csv, yaml or json")
    p.add_argument("--out", metavar="FILE", help="write the table to FILE instead of stdout")
    p.add_argument("--cycle-seconds", metavar="S",
                   help="global cycle for the ERT leak action, s (yaml; default 1e-9)")
    p.add_argument("--name", metavar="NAME", help="yaml, one-point tables: ERT/ART entry "
                   "name (default the component; a grid's entries are <component>_0, _1, "
                   "...), e.g. the flattened name Timeloop gives the component: "
                   "'system_top_level.ADC[1..64]'")
    p.add_argument("--plot", metavar="FILE", help="also plot energy vs --x (png/pdf/svg)")
    p.add_argument("--x", metavar="KEY", help="swept attribute on the plot's x axis "
                   "(default: the first numeric sweep)")


def parse_value(text: str) -> Any:
    """A command-line value: int, float, None (``none``) or the text itself."""
    t = text.strip()
    if t.lower() in ("none", "null"):
        return None
    if _INT.match(t):
        try:
            return int(t)
        except ValueError:  # more digits than Python converts (4300): the text, which the
            return t        # attribute's check refuses naming the value as written
    try:
        x = float(t)
    except ValueError:
        return t
    return x if np.isfinite(x) else t


def _key_value(option: str, text: str, allowed: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()) or not value.strip():
        raise SpecError(CMDLINE, option, text, allowed)
    return key.strip(), value.strip()


def parse_sweep(text: str) -> tuple[str, list[Any]]:
    """``KEY=V1,V2,...`` or ``KEY=START:STOP:STEP`` (inclusive stop) to a key and values."""
    allowed = "KEY=V1,V2,... or KEY=START:STOP:STEP with STEP > 0"
    key, value = _key_value("--sweep", text, allowed)
    if ":" not in value:
        texts = [v.strip() for v in value.split(",") if v.strip()]
        values = [parse_value(v) for v in texts]
        first: dict[Any, str] = {}
        for t, v in zip(texts, values, strict=True):
            if v in first:  # 4 and 4.0, none and null are one value: one row, twice
                same = f"{first[v]} repeats" if first[v] == t else \
                    f"{first[v]} and {t} are the same value"
                raise SpecError(CMDLINE, "--sweep", text, f"each value once ({same})")
            first[v] = t
        return key, values
    parts = [parse_value(v) for v in value.split(":")]
    if len(parts) != 3 or not all(isinstance(v, (int, float)) for v in parts) or parts[2] <= 0:
        raise SpecError(CMDLINE, "--sweep", text, allowed)
    start, stop, step = parts
    if all(isinstance(v, int) for v in parts):  # exact, at any size (no float, no int64)
        n = (stop - start) // step + 1
        if not 1 <= n <= MAX_SWEEP_VALUES:
            raise SpecError(CMDLINE, "--sweep", text,
                            f"a range of 1 to {MAX_SWEEP_VALUES} values (START <= STOP)")
        return key, list(range(start, start + step * n, step))
    # in floats, checked before int(): a range wider than a float (-1e308:1e308) or a step
    # below its resolution gives inf or a count no grid could hold
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            span = (float(stop) - float(start)) / float(step)
    except OverflowError:  # an integer end beyond any float (10**400) next to a float step
        span = float("inf")
    if not (np.isfinite(span) and -1.0 < span + 1e-9 < MAX_SWEEP_VALUES):
        raise SpecError(CMDLINE, "--sweep", text,
                        f"a range of 1 to {MAX_SWEEP_VALUES} values (START <= STOP, "
                        "(STOP - START) / STEP below the limit)")
    count = int(np.floor(span + 1e-9)) + 1
    if count < 1 or count > MAX_SWEEP_VALUES:
        raise SpecError(CMDLINE, "--sweep", text,
                        f"a range of 1 to {MAX_SWEEP_VALUES} values (START <= STOP)")
    values = start + step * np.arange(count)
    if not np.all(np.isfinite(values)) or (count > 1 and np.any(np.diff(values) <= 0)):
        # a step below the values' float resolution repeats one value
        raise SpecError(CMDLINE, "--sweep", text, "a range of distinct finite values "
                        "(STEP above the float resolution of START and STOP)")
    return key, [float(v) for v in values]


def _plot(table: ComponentTable, path: str, x_key: str | None) -> bytes:
    numeric = [k for k, v in table.swept.items()
               if all(isinstance(display(x), (int, float)) for x in v)]
    if x_key is None and not numeric:  # nothing to put on the x axis: say what is needed
        swept = ", ".join(table.swept) or "none"
        raise SpecError(CMDLINE, "--plot", path, "a table with a numeric --sweep to plot "
                        f"energy against (swept here: {swept})")
    key = x_key or numeric[0]
    if key not in numeric:
        raise SpecError(CMDLINE, "--x", x_key, "a numerically swept attribute: "
                        + (", ".join(numeric) or "none (add a numeric --sweep)"))
    _, groups = plot_lines(table, key)
    if len(groups) * len(table.energy_j) > MAX_PLOT_LINES:
        raise SpecError(CMDLINE, "--plot", path, f"at most {MAX_PLOT_LINES} lines; sweep "
                        "fewer other attributes or pick actions with --action")
    return energy_plot(table, key, Path(path).suffix.lower().lstrip(".") or "png")


def _check_costs(table: ComponentTable) -> None:
    """Every cost of every row is finite and non-negative, else a one-line error naming
    the row's attributes, the quantity and its value."""
    for i in range(table.n_points):
        for key, value in row_costs(table, i).items():
            if not (np.isfinite(value) and value >= 0):
                swept = ", ".join(f"{k}={display(v[i])}" for k, v in table.swept.items())
                raise ModelDomainError(key, value, f"a finite non-negative number; the model "
                                       f"{table.model.__name__} gave it at row {i}"
                                       + (f" ({swept})" if swept else ""))


def run(args: argparse.Namespace) -> int:
    """Build the table, then print it or write it (and the plot)."""
    from grcim.plugins.tables import build_table

    fmt = args.format.strip().lower()
    if fmt not in FORMATS:
        raise SpecError(CMDLINE, "--format", args.format, "one of " + ", ".join(FORMATS))
    # options of one format or of the plot: refused where they would be silently ignored
    if args.cycle_seconds is not None and fmt != "yaml":
        raise SpecError(CMDLINE, "--cycle-seconds", args.cycle_seconds, "used only with "
                        "--format yaml (the ERT's leak action; the other formats give "
                        "leakage power)")
    if args.x is not None and not args.plot:
        raise SpecError(CMDLINE, "--x", args.x, "used only with --plot FILE (the plot's x "
                        "axis)")
    text_cycle = "1e-9" if args.cycle_seconds is None else args.cycle_seconds
    cycle = parse_value(text_cycle)
    if not isinstance(cycle, (int, float)) or not 0 < cycle <= 1:
        raise SpecError(CMDLINE, "--cycle-seconds", text_cycle, "seconds in (0, 1]")
    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".pdf", ".svg"):
        raise SpecError(CMDLINE, "--plot", args.plot, "a .png, .pdf or .svg file")
    check_outputs([("--out", args.out, FILE), ("--plot", args.plot, FILE)])
    fixed: dict[str, Any] = {}
    for text in args.sets:
        key, value = _key_value("--set", text, "KEY=VALUE")
        if key in fixed:
            raise SpecError(CMDLINE, "--set", text, f"{key} given once")
        fixed[key] = parse_value(value)
    sweep: dict[str, list[Any]] = {}
    for text in args.sweeps:
        key, values = parse_sweep(text)
        if key in sweep or key in fixed:
            raise SpecError(CMDLINE, "--sweep", text, f"{key} set or swept once")
        sweep[key] = values
    table = build_table(args.component, fixed, sweep, args.actions or None)
    if args.name is not None and (fmt != "yaml" or not args.name.strip()):
        raise SpecError(CMDLINE, "--name", args.name, "a non-empty ERT/ART entry name, "
                        "with --format yaml")
    if args.name is not None and table.n_points > 1:
        # a name is one component's (Timeloop's 'system_top_level.DAC[1..64]'): suffixing
        # it per point would break the instance range it carries
        raise SpecError(CMDLINE, "--name", args.name, f"a name for a one-point table; this "
                        f"grid has {table.n_points} points (without --name its entries are "
                        f"{table.component}_0, _1, ...)")
    _check_costs(table)
    text = render(table, fmt, float(cycle), args.name)
    if fmt == "json":
        check_json_numbers("--out", text)
    elif fmt == "csv":
        check_csv_numbers("--out", text)
    plot = _plot(table, args.plot, args.x) if args.plot else None
    with writing({p: o for o, p in (("--out", args.out), ("--plot", args.plot)) if p}) as stage:
        if args.out:
            stage.file(args.out, text)
        if plot is not None:
            stage.file(args.plot, plot)
    if not args.out:
        sys.stdout.write(text)
    return 0
