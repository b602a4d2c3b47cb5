"""Sweeps on a real Dask cluster: a ``LocalCluster`` (scheduler and two worker processes on
loopback) reached through its address; a worker killed mid-sweep loses no point and
duplicates none; an unreachable scheduler gives one clear line and writes nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grcim.cli.main import main
from grcim.sweep import RunOptions, Store, load_spec, points, run_sweep

distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")


@pytest.fixture
def cluster() -> Iterator[Any]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1."""
    # dashboard on a free port: None still tries 8787 first, and two test runs starting
    # clusters at once then collide ("Port 8787 is already in use")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=":0",
                                  worker_dashboard_address=None) as c:
        yield c


def _worker_pids(address: str) -> dict[str, int]:
    with distributed.Client(address, set_as_default=False) as client:
        return client.run(os.getpid)  # type: ignore[no-any-return]


def _energies(path: Path) -> dict[str, tuple[str, float | None]]:
    s = Store.open(path)
    try:
        return {r["key"]: (r["status"], r["energy_j"]) for r in s.rows()}
    finally:
        s.close()


def test_sweep_through_the_scheduler_address(cluster: Any, write_spec: Callable[..., Path],
                                             spec_text: Callable[..., str], tmp_path: Path,
                                             op_cache: Path) -> None:
    spec = write_spec(spec_text("n_macros: [1, 2, 4], rows_per_adc: [2, 4]"))
    on_cluster, local = tmp_path / "dask.sqlite", tmp_path / "local.sqlite"
    code = main(["sweep", "run", str(spec), "--store", str(on_cluster), "--scheduler",
                 cluster.scheduler_address, "--batch-size", "1", "--no-progress",
                 "--op-cache", str(op_cache)])
    assert code == 0
    run_sweep(load_spec(spec), local, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    got, expected = _energies(on_cluster), _energies(local)
    assert len(got) == 12 and got == expected
    # the points ran in the cluster's worker processes, not in the client
    pids = set(_worker_pids(cluster.scheduler_address).values())
    s = Store.open(on_cluster)
    ran = {int(r["worker"].rsplit(":", 1)[1]) for r in s.rows()}
    s.close()
    assert ran and ran <= pids and os.getpid() not in ran


def test_worker_killed_mid_sweep(cluster: Any, write_spec: Callable[..., Path],
                                 spec_text: Callable[..., str], tmp_path: Path,
                                 op_cache: Path) -> None:
    spec = write_spec(spec_text("n_macros: [1, 2, 3, 4], cols: [8, 16, 24, 32], "
                                "sram_size_bytes: [1024, 2048]"))
    ls = load_spec(spec)
    expected = {p.key for p in points(ls)}
    assert len(expected) == 64
    victim = sorted(_worker_pids(cluster.scheduler_address).values())[0]
    killed: list[int] = []

    def on_batch(n: int, statuses: dict[str, int]) -> None:
        if not killed:
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    store = tmp_path / "s.sqlite"
    summary = run_sweep(ls, store, RunOptions(scheduler=cluster.scheduler_address,
                                              batch_size=1, op_cache_dir=str(op_cache)),
                        on_batch=on_batch)
    assert killed == [victim]
    assert summary.written == 64 and not summary.interrupted
    assert summary.counts["done"] == 64 and summary.counts["pending"] == 0
    s = Store.open(store)
    keys = [r["key"] for r in s.rows()]
    s.close()
    assert len(keys) == 64 and set(keys) == expected  # every point exactly once
    # the victim really died mid-sweep (its nanny starts a new process with a new pid)
    assert victim not in _worker_pids(cluster.scheduler_address).values()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler(write_spec: Callable[..., Path], spec_text: Callable[..., str],
                               tmp_path: Path, grcim_env: dict[str, str]) -> None:
    spec = write_spec(spec_text("n_macros: [1]"))
    store = tmp_path / "s.sqlite"
    address = f"tcp://127.0.0.1:{_free_port()}"
    proc = subprocess.run([sys.executable, "-m", "grcim", "sweep", "run", str(spec),
                           "--store", str(store), "--scheduler", address,
                           "--connect-timeout", "1"], capture_output=True, text=True,
                          env=grcim_env, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"cannot reach the Dask scheduler at '{address}'" in lines[0]
    assert not store.exists()
