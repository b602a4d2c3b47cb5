"""Run a sweep spec against a store: plan, skip what is stored, evaluate, commit in batches.

Order of work (so that a refused run writes nothing):

1. expand the spec into points (a bad spec fails here);
2. connect to the Dask scheduler when one is given (unreachable: fail here);
3. open or create the store and check it belongs to this spec and grcim version;
4. record the spec and plan its point keys, re-judge the stored rows against the spec's
   constraints (:mod:`grcim.sweep.constraints`), then evaluate the points that have no row
   (and, with ``retry_failed``, those whose row is ``failed``), judging each new row
   against the same constraints;
5. commit each finished batch in its own transaction as it arrives.

A crash or ``kill -9`` at any moment therefore loses only the batches in flight: every
committed row is whole, and no row is stored twice (the point key is the primary key).
Ctrl-C stops the workers, keeps every committed row and returns a summary marked
``interrupted``; running the same command again resumes.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grcim import __version__
from grcim.sweep.constraints import Bounds, violation
from grcim.sweep.evaluate import Context
from grcim.sweep.executors import DaskCluster, Executor, InProcess, LocalPool
from grcim.sweep.space import Point, arch_digest, models_digest, points
from grcim.sweep.spec import LoadedSpec
from grcim.sweep.store import Store, inputs_json

__all__ = ["RunOptions", "RunSummary", "run_sweep", "plan_rows", "default_workers"]


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class RunOptions:
    """How to run a sweep.

    Attributes
    ----------
    workers : int
        Local worker processes (1 = evaluate in this process); ignored with a scheduler.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://HOST:PORT``).
    retry_failed : bool
        Recompute points whose row is ``failed``.
    force_append : bool
        Add to a store written by another spec or grcim version.
    batch_size : int or None
        Points per batch (one task, one transaction); None: automatic.
    op_cache_dir : str or None
        Monte Carlo disk cache (operating points, slicing and integer results): a
        directory, ``""`` for each worker's default
        (:func:`grcim.physics.op_disk_cache.default_cache_dir`), None for none.
    connect_timeout_s : float
        How long to wait for the scheduler.
    inline : bool
        With ``workers == 1``, evaluate in this process (False: one worker process, as
        the benchmark's fair 1-to-2-worker comparison needs).
    """

    workers: int = 1
    scheduler: str | None = None
    retry_failed: bool = False
    force_append: bool = False
    batch_size: int | None = None
    op_cache_dir: str | None = ""
    connect_timeout_s: float = 10.0
    inline: bool = True


@dataclass
class RunSummary:
    """What a run did."""

    store: str
    planned: int
    already: int
    todo: int
    written: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    interrupted: bool = False
    executor: str = ""
    rejudged: int = 0
    """Stored rows whose verdict changed under this spec's constraints."""


def _batch_size(n_todo: int, workers: int, given: int | None) -> int:
    if given is not None:
        return given
    # about 8 batches per worker (even load, small loss on a crash), at most 32 points each
    return max(1, min(32, math.ceil(n_todo / (8 * workers))))


def _context(ls: LoadedSpec, options: RunOptions) -> Context:
    return Context(ls.spec.mode, dict(ls.arch_texts), ls.models_text, ls.spec.replicate,
                   options.op_cache_dir, __version__)


def bounds(ls: LoadedSpec) -> Bounds:
    """The spec's constraints as plain bounds (result column -> min/max)."""
    return {k: {"min": b.min, "max": b.max} for k, b in ls.spec.constraints.items()}


def _judged(row: dict[str, Any], limits: Bounds) -> dict[str, Any]:
    """A computed row with the running spec's constraint verdict (the worker's ``done``)."""
    if row["status"] == "done":
        reason = violation(limits, row)
        if reason is not None:
            row.update(status="infeasible", reason=reason)
    return row


def plan_rows(ls: LoadedSpec, point: Point) -> dict[str, Any]:
    """The input columns of a point's row."""
    case = point.case
    name, _, text = ls.arch_texts[point.design.arch]
    # what the key holds beyond the columns: rows of two appended specs that differ only
    # here (two models files naming one model, replicate on and off, two arch files of one
    # stem) are told apart by the report (docs/sweep.md, "Reports")
    extra: dict[str, Any] = {"arch_sha256": arch_digest(text)}
    if case is not None:
        w = ls.spec.workloads
        extra.update(models_file=None if w is None else w.models_file,
                     models_sha256=models_digest(ls), replicate=ls.spec.replicate)
    row: dict[str, Any] = {
        "key": point.key, "design_key": point.design_key, "spec_hash": ls.spec_hash,
        "grcim_version": __version__, "arch": name,
        "inputs_json": inputs_json(point.design.arch, point.design.overrides,
                                   None if case is None else case.__dict__, **extra),
    }
    if case is not None:
        row.update(workload=case.model, phase=case.phase, batch=case.batch,
                   tokens=case.tokens, context=case.context)
    row.update(dict(point.design.overrides))
    return row


def _executor(ls: LoadedSpec, options: RunOptions) -> Executor:
    ctx = _context(ls, options)
    if options.scheduler:
        return DaskCluster(ctx, options.scheduler, options.connect_timeout_s)
    if options.workers <= 1 and options.inline:
        return InProcess(ctx)
    return LocalPool(ctx, options.workers)


def run_sweep(ls: LoadedSpec, store_path: str | os.PathLike[str],
              options: RunOptions = RunOptions(),
              on_start: Callable[[RunSummary], None] | None = None,
              on_batch: Callable[[int, dict[str, int]], None] | None = None) -> RunSummary:
    """Run ``ls`` into the store at ``store_path`` (see the module docstring).

    ``on_start(summary)`` is called once the work is known; ``on_batch(n, statuses)`` after
    each committed batch with its size and status counts.

    Raises
    ------
    grcim.errors.SpecError
        Bad spec, foreign or mismatched store (nothing written).
    grcim.sweep.executors.SchedulerError
        Unreachable scheduler (nothing written).
    """
    start = time.perf_counter()
    pts = points(ls)
    executor = _executor(ls, options)
    try:
        store = Store.create_or_check(store_path, ls.spec.mode, ls.spec_hash,
                                      options.force_append)
    except BaseException:
        executor.close()
        raise
    try:
        store.ensure_variables(list(ls.spec.variables))
        spec_json = json.dumps(ls.spec.model_dump(mode="json"), sort_keys=True)
        store.record_spec(ls.spec_hash, ls.source, ls.text, spec_json, [p.key for p in pts])
        # the stored verdicts follow this spec's bounds (they are not in the key)
        limits = bounds(ls)
        rejudged = store.apply_constraints(limits)
        stored = store.statuses()
        todo = [p for p in pts if p.key not in stored
                or (options.retry_failed and stored[p.key] == "failed")]
        summary = RunSummary(str(Path(store_path)), len(pts), len(pts) - len(todo),
                             len(todo), executor=executor.description, rejudged=rejudged)
        if on_start is not None:
            on_start(summary)
        by_key = {p.key: p for p in todo}
        size = _batch_size(len(todo), executor.workers, options.batch_size)
        written: set[str] = set()
        try:
            for rows in executor.run(_batches(todo, size)):
                full = [_judged(_merged(plan_rows(ls, by_key[r["key"]]), r), limits)
                        for r in rows]
                fresh = [r for r in full if r["key"] not in written]
                store.write(fresh, replace_failed=options.retry_failed)
                written.update(r["key"] for r in fresh)
                if on_batch is not None:
                    statuses: dict[str, int] = {}
                    for r in fresh:
                        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
                    on_batch(len(fresh), statuses)
        except KeyboardInterrupt:
            summary.interrupted = True
            executor.close(abort=True)
        else:
            executor.close()
        # count from the store: an interrupt may land between a commit and the tally above
        after = store.statuses()
        summary.written = sum(1 for p in todo if p.key in after and (
            p.key not in stored or after[p.key] != "failed"))
        summary.counts = store.counts()
    except BaseException:
        executor.close(abort=True)
        store.close()
        raise
    store.close()
    summary.elapsed_s = time.perf_counter() - start
    return summary


def _merged(plan: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A point's row: its planned inputs, then its results. A result that is None (an
    infeasible point's ``pipeline``: the arch was never built) keeps the planned input, or
    a swept ``pipeline`` was NULL in exactly the rows that need it to read the reason."""
    return {**plan, **{k: v for k, v in result.items() if v is not None or k not in plan}}


def _batches(todo: list[Point], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(todo), size):
        yield [p.payload() for p in todo[i:i + size]]
