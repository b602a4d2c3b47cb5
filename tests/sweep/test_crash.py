"""``kill -9`` of a running sweep (with local worker processes) leaves a readable store
with whole rows and no duplicates, no orphan workers, and a resume that completes every
point exactly once; Ctrl-C stops cleanly with exit 130 and keeps what is done."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from grcim.sweep import Store, load_spec, points

# 4 x 4 x 3 designs x 2 phases = 96 tiny points, one per batch: a few seconds on 2 workers,
# long enough to be stopped mid-way, short enough for the suite.
VARIABLES = "n_macros: [1, 2, 3, 4], cols: [8, 16, 24, 32], sram_size_bytes: [1024, 2048, 4096]"


def _count(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM points").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def _start(spec: Path, store: Path, env: dict[str, str], workers: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "grcim", "sweep", "run", str(spec), "--store", str(store),
         "--workers", str(workers), "--batch-size", "1", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_rows(proc: subprocess.Popen[str], store: Path, n: int, timeout: float = 120) -> int:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = _count(store)
        if got >= n:
            return got
        if proc.poll() is not None:
            pytest.fail(f"sweep ended before {n} rows: {proc.communicate()[1][-2000:]}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"fewer than {n} rows after {timeout} s")


def _check_store(store: Path, expected_keys: set[str]) -> set[str]:
    con = sqlite3.connect(store)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = [r[0] for r in con.execute("SELECT key FROM points")]
        assert len(keys) == len(set(keys))  # no duplicates
        assert set(keys) <= expected_keys
        # whole rows: every stored point has its inputs and its results
        bad = con.execute("SELECT COUNT(*) FROM points WHERE status = 'done' AND (energy_j IS "
                          "NULL OR latency_s IS NULL OR area_m2 IS NULL OR inputs_json IS "
                          "NULL OR n_macros IS NULL OR worker IS NULL)").fetchone()[0]
        assert bad == 0
        assert con.execute("SELECT COUNT(*) FROM points WHERE status != 'done'").fetchone()[0] \
            == 0
        return set(keys)
    finally:
        con.close()


def test_kill_9_mid_sweep_then_resume(write_spec: Callable[..., Path],
                                      spec_text: Callable[..., str], tmp_path: Path,
                                      grcim_env: dict[str, str]) -> None:
    spec = write_spec(spec_text(VARIABLES))
    expected = {p.key for p in points(load_spec(spec))}
    assert len(expected) == 96
    store = tmp_path / "s.sqlite"
    proc = _start(spec, store, grcim_env, workers=2)
    _wait_rows(proc, store, 10)
    workers = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    # the workers notice their client is gone and exit (no orphan keeps computing)
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"orphan workers: {alive}"
    kept = _check_store(store, expected)
    assert 10 <= len(kept) < 96
    # resume: only the missing points are computed, every point ends up stored once
    done = subprocess.run([sys.executable, "-m", "grcim", "sweep", "run", str(spec),
                           "--store", str(store), "--workers", "1", "--no-progress"],
                          capture_output=True, text=True, env=grcim_env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"({len(kept)} were already stored)" in done.stdout
    assert _check_store(store, expected) == expected


def test_ctrl_c_stops_cleanly(write_spec: Callable[..., Path], spec_text: Callable[..., str],
                              tmp_path: Path, grcim_env: dict[str, str]) -> None:
    spec = write_spec(spec_text(VARIABLES))
    expected = {p.key for p in points(load_spec(spec))}
    store = tmp_path / "s.sqlite"
    proc = _start(spec, store, grcim_env, workers=2)
    _wait_rows(proc, store, 5)
    workers = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted" in err and "run the same command again to resume" in err
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
    kept = _check_store(store, expected)
    assert 5 <= len(kept) < 96
    s = Store.open(store)
    assert s.counts()["pending"] == 96 - len(kept)
    s.close()
