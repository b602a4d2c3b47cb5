"""A malformed ``--scheduler`` address ends with one stderr line and nothing else: no
"Exception ignored in Client.__del__ ... TimeoutError" traceback from a half-built Dask
client at exit (no cluster needed: nothing is ever reached)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("address", ["tcp://localhost", "http://x:1", "tcp://127.0.0.1:99999",
                                     "tls://127.0.0.1:1", "tcp://:80"])
def test_a_malformed_address_is_one_line(address: str, write_spec: Callable[..., Path],
                                         spec_text: Callable[..., str], tmp_path: Path,
                                         grcim_env: dict[str, str]) -> None:
    spec = write_spec(spec_text("n_macros: [2]", phases="[decode]"))
    store = tmp_path / "s.sqlite"
    proc = subprocess.run([sys.executable, "-m", "grcim", "sweep", "run", str(spec),
                           "--store", str(store), "--scheduler", address,
                           "--connect-timeout", "1", "--no-progress"],
                          capture_output=True, text=True, env=grcim_env, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "--scheduler" in lines[0] and repr(address) in lines[0]
    assert "tcp://HOST:PORT" in lines[0]
    assert not store.exists()


def test_a_client_that_fails_to_start_is_closed(tmp_path: Path,
                                                grcim_env: dict[str, str]) -> None:
    # past the address check (switched off here), the client's constructor raises on the
    # address: the half-built client must be closed, or its finalizer prints a traceback
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent("""\
        import grcim.sweep.executors as ex
        from grcim.sweep.evaluate import Context
        ex.address_problem = lambda address: None
        try:
            ex.DaskCluster(Context("map", {}, None), "tcp://localhost", 1.0)
        except ex.SchedulerError as exc:
            print("refused:", exc)
        """), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=grcim_env, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("refused: cannot reach the Dask scheduler")
    assert proc.stderr == ""
