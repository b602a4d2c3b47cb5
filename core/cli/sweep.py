"""``grcim sweep``: design-space exploration with a resumable result store.

``grcim sweep run SPEC [--store FILE] [--workers N | --scheduler tcp://HOST:PORT]
[--retry-failed] [--force-append]`` evaluates every point of a spec (a file, or a bundled
example such as ``edge_dse``) and stores one row per point in an SQLite file; running it
again computes only what is missing. ``grcim sweep status STORE`` counts done /
infeasible / failed / pending rows; ``grcim sweep report STORE --out DIR`` writes Pareto
fronts, variable effects, best designs and the spec; ``grcim sweep export STORE --csv F
--parquet F`` exports the rows. docs/sweep.md has the details.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.markup import escape

from grcim.cli.map import check_output
from grcim.cli.options import CMDLINE, check_writable, console, int_option
from grcim.cli.outputs import DIRECTORY, FILE, check_members, check_outputs, writing
from grcim.errors import SpecError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``sweep`` command group."""
    p = subparsers.add_parser(
        "sweep", help="design-space sweeps over archs, variables and workloads, with a "
        "resumable SQLite store, Pareto reports, local or Dask execution",
        description="Sweep architectures, arch variables and workloads; store every point "
        "in an SQLite file (resume, retry), report Pareto fronts.")
    sub = p.add_subparsers(dest="sweep_command", metavar="SUBCOMMAND",
                           parser_class=type(p))
    sub.required = True
    r = sub.add_parser("run", help="evaluate the points of a spec that the store lacks")
    r.add_argument("spec", metavar="SPEC", help="sweep spec file, or a bundled example "
                   "(edge_dse, physics_adc)")
    r.add_argument("--store", metavar="FILE", help="SQLite store (default: "
                   "<spec name>.sqlite in the current directory)")
    r.add_argument("--workers", metavar="N", help="local worker processes (default: the "
                   "cores this process may use; 1 = this process)")
    r.add_argument("--scheduler", metavar="ADDR", help="run on an existing Dask cluster: "
                   "its scheduler address, tcp://HOST:PORT")
    r.add_argument("--connect-timeout", metavar="S", default="10", help="seconds to wait "
                   "for the scheduler (default 10)")
    r.add_argument("--retry-failed", action="store_true", help="recompute failed points")
    r.add_argument("--force-append", action="store_true", help="add to a store written by "
                   "another spec or grcim version")
    r.add_argument("--batch-size", metavar="K", help="points per task and per commit "
                   "(default: automatic, at most 32)")
    r.add_argument("--op-cache", metavar="DIR", help="Monte Carlo cache directory (operating "
                   "points, sliced ADC bits, integer operands) "
                   "(default $GRCIM_OP_CACHE_DIR, else $XDG_CACHE_HOME/grcim/"
                   "operating-points, else ~/.cache/grcim/operating-points)")
    r.add_argument("--no-op-cache", action="store_true", help="no Monte Carlo disk cache")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=run)
    s = sub.add_parser("status", help="done / infeasible / failed / pending counts")
    s.add_argument("store", metavar="STORE")
    s.set_defaults(func=run)
    rep = sub.add_parser("report", help="Pareto fronts, variable effects, best designs")
    rep.add_argument("store", metavar="STORE")
    rep.add_argument("--out", metavar="DIR", default="sweep_report", help="output directory "
                     "(default sweep_report)")
    rep.set_defaults(func=run)
    e = sub.add_parser("export", help="all rows as CSV and/or Parquet")
    e.add_argument("store", metavar="STORE")
    e.add_argument("--csv", metavar="FILE")
    e.add_argument("--parquet", metavar="FILE")
    e.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``grcim sweep SUBCOMMAND``."""
    return {"run": _run, "status": _status, "report": _report,
            "export": _export}[args.sweep_command](args)


def _options(args: argparse.Namespace) -> Any:
    from grcim.sweep import RunOptions
    from grcim.sweep.runner import default_workers

    if args.workers is not None and args.scheduler:
        raise SpecError(CMDLINE, "--workers", args.workers, "absent with --scheduler (the "
                        "cluster's workers run the points)")
    workers = (default_workers() if args.workers is None
               else int_option("--workers", args.workers, 1, 1024))
    if args.scheduler is not None:
        from grcim.sweep.executors import address_problem

        problem = ("a scheduler address such as tcp://127.0.0.1:8786"
                   if not args.scheduler.strip() else address_problem(args.scheduler))
        if problem is not None:
            raise SpecError(CMDLINE, "--scheduler", args.scheduler, problem)
    timeout = int_option("--connect-timeout", args.connect_timeout, 1, 3600)
    batch = (None if args.batch_size is None
             else int_option("--batch-size", args.batch_size, 1, 100_000))
    if args.no_op_cache and args.op_cache:
        raise SpecError(CMDLINE, "--op-cache", args.op_cache, "absent with --no-op-cache")
    if args.op_cache:
        check_writable("--op-cache", args.op_cache, directory=True)
    cache = None if args.no_op_cache else (args.op_cache or "")
    return RunOptions(workers=workers, scheduler=args.scheduler,
                      retry_failed=args.retry_failed, force_append=args.force_append,
                      batch_size=batch, op_cache_dir=cache,
                      connect_timeout_s=float(timeout))


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from grcim.sweep import load_spec, run_sweep

    options = _options(args)
    ls = load_spec(args.spec)
    store = args.store or f"{Path(args.spec).stem}.sqlite"
    check_writable("--store", store)
    err = Console(stderr=True)
    show = not args.no_progress and err.is_terminal
    progress = Progress(TextColumn("[bold]sweep"), BarColumn(), MofNCompleteColumn(),
                        TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                        TextColumn("{task.fields[states]}"), TimeElapsedColumn(),
                        TextColumn("ETA"), TimeRemainingColumn(), console=err,
                        disable=not show)
    task: list[Any] = []
    tally: dict[str, int] = {}

    def on_start(summary: Any) -> None:
        if show:
            err.print(escape(f"sweep: {summary.planned} points, {summary.already} already "
                             f"stored, {summary.todo} to compute on {summary.executor}; store "
                             f"{summary.store}"), highlight=False)
        progress.start()
        task.append(progress.add_task("sweep", total=summary.todo, rate="", states=""))

    def on_batch(n: int, statuses: dict[str, int]) -> None:
        for k, v in statuses.items():
            tally[k] = tally.get(k, 0) + v
        t = progress.tasks[0]
        done = t.completed + n
        rate = done / t.elapsed if t.elapsed else 0.0
        progress.update(task[0], advance=n, rate=f"{rate:.1f} points/s",
                        states=" ".join(f"{k} {v}" for k, v in sorted(tally.items())))

    try:
        summary = run_sweep(ls, store, options, on_start, on_batch)
    finally:
        progress.stop()
    c = summary.counts
    # store paths, spec values and failure reasons are user text: escaped, rich prints
    # '[...]' in them as written instead of reading it as markup
    console().print(escape(f"store {summary.store}: {c.get('done', 0)} done, "
                           f"{c.get('infeasible', 0)} infeasible, {c.get('failed', 0)} "
                           f"failed, {c.get('pending', 0)} pending; this run stored "
                           f"{summary.written} of {summary.todo} points in "
                           f"{summary.elapsed_s:.1f} s ({summary.already} were already "
                           f"stored)"), highlight=False)
    if summary.rejudged:
        console().print(f"{summary.rejudged} stored rows changed status under this spec's "
                        "constraints (their results were kept; nothing recomputed)",
                        highlight=False)
    if summary.interrupted:
        print(f"grcim sweep: interrupted; {summary.written} points of this run are stored, "
              "run the same command again to resume", file=sys.stderr)
        return 130
    return 0


def _status(args: argparse.Namespace) -> int:
    from rich.table import Table

    from grcim.sweep import Store

    store = Store.open(args.store)
    try:
        counts = store.counts()
        meta = store.meta()
        specs = store.specs()
        reasons = store.failures(5)
    finally:
        store.close()
    out = console()
    out.print(escape(f"{args.store}: {meta.get('mode')} sweep, grcim "
                     f"{meta.get('grcim_version')}, spec "
                     f"{specs[-1]['spec_hash'] if specs else '-'}"), highlight=False)
    t = Table()
    t.add_column("status")
    t.add_column("rows", justify="right")
    for k in ("done", "infeasible", "failed", "pending", "total"):
        t.add_row(k, str(counts[k]))
    out.print(t)
    for reason, n in reasons:
        out.print(escape(f"{n} x {reason}"), highlight=False)
    return 0


def _report(args: argparse.Namespace) -> int:
    from grcim.sweep import Store
    from grcim.sweep.report import FIGURES, REPORT_FILES, build_report

    protect = check_outputs([("--out", args.out, DIRECTORY)], [("STORE", args.store)])
    store = Store.open(args.store)
    try:
        # what is in the way of the files every report writes is refused now, not after
        # the fronts and figures; the figures' names (one per workload case) are known
        # only once the report is built, so only their folder is checked here and each
        # figure file at commit (grcim.atomic)
        figures = [f"{FIGURES}/"] if store.counts().get("done", 0) else []  # none without
        check_members("--out", args.out, [*REPORT_FILES, *figures], protect)  # done rows
        files = build_report(store)
    finally:
        store.close()
    with writing({args.out: "--out"}) as stage:
        _write(stage.directory(args.out, protect, "sweep report"), files)
    console().print(escape(f"wrote {len(files)} files to {args.out} ("
                           f"{', '.join(REPORT_FILES)}, {FIGURES}/)"), highlight=False)
    return 0


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    """The report's files into the staged (temporary) output folder."""
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")


def _export(args: argparse.Namespace) -> int:
    from grcim.sweep import Store
    from grcim.sweep.export import store_csv, store_parquet

    if args.csv is None and args.parquet is None:
        raise SpecError(CMDLINE, "--csv/--parquet", None, "at least one output file")
    check_output("--csv", args.csv, (".csv",))
    check_output("--parquet", args.parquet, (".parquet",))
    outputs = [("--csv", args.csv, FILE), ("--parquet", args.parquet, FILE)]
    check_outputs(outputs, [("STORE", args.store)])
    store = Store.open(args.store)
    try:
        text = store_csv(store) if args.csv else None
        data = store_parquet(store) if args.parquet else None
    finally:
        store.close()
    # both files with the output policy and in one commit: links followed, FIFOs and
    # devices written through (one without a reader refused), nothing written on error
    with writing({p: o for o, p, _ in outputs if p}) as stage:
        if text is not None:
            stage.file(args.csv, text)
        if data is not None:
            stage.file(args.parquet, data)
    return 0
