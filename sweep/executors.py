"""Where batches of points are evaluated: this process, local worker processes, or an
existing Dask distributed cluster. Every executor streams finished batches back to the
client, which is the only writer of the store.

- :class:`InProcess` (``--workers 1``): no pool, no start-up cost.
- :class:`LocalPool` (``--workers N``): N processes
  (``concurrent.futures.ProcessPoolExecutor``) forked from a fork server that imported the
  mapper once (``spawn`` where there is no fork server); each receives the sweep context
  once through the pool initializer, ignores Ctrl-C (the client stops them) and exits when
  the client dies (a watchdog thread waits for the end of a pipe only the client holds
  open), so ``kill -9`` of the sweep leaves no orphan working on.
- :class:`DaskCluster` (``--scheduler tcp://HOST:PORT``): a ``distributed.Client`` to a
  running scheduler; the context is scattered to every worker once; a batch lost with a
  dying worker is recomputed by the scheduler on another worker (and resubmitted by the
  client if the scheduler gives up on it), and the store's primary key keeps each point
  once.

At most ``2 x workers`` batches are in flight, so the client's memory does not grow with
the size of the sweep beyond the point list itself.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from grcim.errors import GrcimError
from grcim.sweep.evaluate import Context, evaluate_batch, evaluate_payloads, set_context

__all__ = ["Executor", "InProcess", "LocalPool", "DaskCluster", "SchedulerError",
           "WorkerLost", "address_problem"]

Batch = list[dict[str, Any]]
Rows = list[dict[str, Any]]


class SchedulerError(GrcimError):
    """The Dask scheduler cannot be reached (nothing was written)."""


class WorkerLost(GrcimError):
    """A local worker process died; the points it held were not stored."""


class Executor:
    """Runs batches; :meth:`run` yields each finished batch's rows."""

    workers: int = 1
    description: str = ""

    def run(self, batches: Iterable[Batch]) -> Iterator[Rows]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self, abort: bool = False) -> None:
        """Release the workers (``abort``: stop running batches now)."""


class InProcess(Executor):
    """Evaluate in the client process, one batch after the other."""

    description = "1 worker (this process)"

    def __init__(self, ctx: Context) -> None:
        set_context(ctx)

    def run(self, batches: Iterable[Batch]) -> Iterator[Rows]:
        for batch in batches:
            yield evaluate_payloads(batch)


def _watch_client(lifeline: Any) -> None:
    try:
        lifeline.recv()  # blocks: the client never sends
    except (EOFError, OSError):
        pass
    os._exit(1)  # the client is gone (its end of the pipe closed): nobody reads our results


def _init_worker(ctx: Context, lifeline: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the client's to handle
    threading.Thread(target=_watch_client, args=(lifeline,), daemon=True).start()
    set_context(ctx)


#: Modules a fork server imports once, so that each worker starts without importing them.
PRELOAD = ["grcim.sweep.evaluate", "grcim.mapper", "grcim.plugins.models", "hwcomponents"]


def _mp_context() -> multiprocessing.context.BaseContext:
    """``forkserver`` (POSIX) with the mapper preloaded, else ``spawn``: never a plain
    ``fork`` of the client, which runs threads (progress bar, pool management)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


class LocalPool(Executor):
    """``workers`` local processes."""

    def __init__(self, ctx: Context, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker process{'es' if workers > 1 else ''}"
        # a pipe only the client writes to: when the client dies, however it dies (even as
        # a zombie nobody has reaped), the workers read end-of-file and exit
        mp = _mp_context()
        lifeline, self._lifeline = mp.Pipe(duplex=False)
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=mp, initializer=_init_worker,
            initargs=(ctx, lifeline))

    def run(self, batches: Iterable[Batch]) -> Iterator[Rows]:
        pending: set[cf.Future[Rows]] = set()
        source = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * self.workers:
                batch = next(source, None)
                if batch is None:
                    exhausted = True
                    break
                pending.add(self._pool.submit(evaluate_payloads, batch))
            if not pending:
                return
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                try:
                    yield future.result()
                except cf.process.BrokenProcessPool as exc:
                    raise WorkerLost(f"a local worker process died ({exc}); finished points "
                                     "are stored, rerun the same command to resume") from None

    def close(self, abort: bool = False) -> None:
        if abort:
            terminate = getattr(self._pool, "terminate_workers", None)  # Python >= 3.14
            if terminate is not None:
                terminate()
            else:
                for proc in list(getattr(self._pool, "_processes", {}).values()):
                    with contextlib.suppress(Exception):
                        proc.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._lifeline.close()


def address_problem(address: str) -> str | None:
    """What is wrong with a Dask scheduler address (None: it looks valid).

    Checked before a ``distributed.Client`` is built: a client whose constructor fails
    on a malformed address is left half-built, and its finalizer printed a traceback
    ("Exception ignored in Client.__del__ ... TimeoutError") after grcim's one-line error.
    Only ``tcp`` is taken: grcim passes no TLS settings (``tls``/``wss`` fail inside the
    client), ``inproc`` reaches no other process, and ``ucx`` needs a package grcim does
    not declare.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    allowed = "a Dask scheduler address tcp://HOST:PORT, port 1..65535 (tcp://127.0.0.1:8786)"
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError:
        return allowed
    if scheme != "tcp" or not host or port is None or not 1 <= int(port) <= 65535:
        return allowed
    return None


def _discard(client: Any) -> None:
    """Close a client whose constructor failed, so its finalizer has nothing left to do
    (it would try to close it again at exit, time out and print a traceback)."""
    with contextlib.suppress(Exception):
        client.close(timeout=1)
    client.status = "closed"
    with contextlib.suppress(Exception):
        client._loop_runner.stop()


class DaskCluster(Executor):
    """An existing Dask distributed cluster, reached through its scheduler's address."""

    #: Times the client resubmits a batch the scheduler gave up on (KilledWorker).
    RESUBMITS = 2

    def __init__(self, ctx: Context, address: str, timeout_s: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a declared dependency
            raise SchedulerError("--scheduler needs the 'distributed' package "
                                 "(pip install 'dask[distributed]')") from None
        problem = address_problem(address)
        if problem is not None:
            raise SchedulerError(f"--scheduler = {address!r}: {problem}")
        # built in two steps so that a constructor that fails leaves us the object to close
        client = Client.__new__(Client)
        try:
            client.__init__(address, timeout=f"{timeout_s}s",  # type: ignore[misc]
                            set_as_default=False)
            self._client = client
        except Exception as exc:  # the client's own errors vary (OSError, TypeError, ...)
            _discard(client)
            raise SchedulerError(f"cannot reach the Dask scheduler at {address!r} within "
                                 f"{timeout_s:g} s ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0] if str(exc) else 'no answer'});"
                                 " start one with 'dask scheduler' and 'dask worker ADDRESS', "
                                 "or leave --scheduler out to run locally") from None
        info = self._client.scheduler_info()
        if not info.get("workers"):
            self._client.close()
            raise SchedulerError(f"the Dask scheduler at {address!r} has no workers; start "
                                 f"some with 'dask worker {address}' (grcim installed there)")
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        self.description = (f"Dask cluster {address} ({len(info['workers'])} workers, "
                            f"{self.workers} threads)")
        self._ctx = self._client.scatter(ctx, broadcast=True, hash=False)
        self._live: dict[str, Any] = {}

    def _submit(self, batch: Batch) -> Any:
        key = f"grcim-sweep-{uuid.uuid4().hex}"
        f = self._client.submit(evaluate_batch, self._ctx, batch, pure=False, key=key)
        self._live[key] = f
        return f

    def run(self, batches: Iterable[Batch]) -> Iterator[Rows]:
        from distributed import as_completed

        source = iter(batches)
        owner: dict[str, tuple[Batch, int]] = {}
        ac = as_completed([], loop=self._client.loop)
        for _ in range(2 * self.workers):
            batch = next(source, None)
            if batch is None:
                break
            f = self._submit(batch)
            owner[f.key] = (batch, 0)
            ac.add(f)
        for future in ac:
            batch, tries = owner.pop(future.key)
            self._live.pop(future.key, None)
            if future.status == "finished":
                rows = future.result()
            else:  # the scheduler gave up (workers kept dying): try again, then report
                if tries >= self.RESUBMITS:
                    raise WorkerLost(f"a batch failed on the cluster {tries + 1} times "
                                     f"({future.exception()!r}); finished points are stored")
                f = self._submit(batch)
                owner[f.key] = (batch, tries + 1)
                ac.add(f)
                continue
            future.release()
            nxt = next(source, None)
            if nxt is not None:
                f = self._submit(nxt)
                owner[f.key] = (nxt, 0)
                ac.add(f)
            yield rows

    def close(self, abort: bool = False) -> None:
        with contextlib.suppress(Exception):
            if abort:
                self._client.cancel(list(self._live.values()))
            self._client.close(timeout=10)
