"""Ctrl-C and SIGTERM end a command with one line and leave no temporary files (R14, R15).

Each case runs the command in a subprocess and delivers the signal at a chosen point from
inside it (a patched function sends it to its own process), so the point is exact and the
test does not depend on timing.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

PATCH_PAPER_WRITER = """
import os, signal, sys
import grcim.cli.paper as paper
real = paper._write_files

def write_then_signal(files, out):
    real(files, out)                         # all files are in the temporary folder now
    assert len(list(out.iterdir())) >= 5
    os.kill(os.getpid(), signal.{sig})

paper._write_files = write_then_signal
from grcim.cli.main import main
sys.exit(main(["paper", "--out", sys.argv[1], "--samples", "1000", "--jobs", "1",
               "--quiet"]))
"""

PATCH_STAGING = """
import os, signal, sys
import grcim.atomic as atomic
real = atomic.Staging.file

def stage_then_signal(self, path, data):
    real(self, path, data)                   # the figures folder and this file are staged
    os.kill(os.getpid(), signal.{sig})

atomic.Staging.file = stage_then_signal
from grcim.cli.main import main
sys.exit(main(["map", "--phase", "decode", "--report", "r.md", "--json", "r.json"]))
"""

PATCH_IMPORT = """
import importlib, os, signal, sys
real = importlib.import_module

def import_then_signal(name, *args):
    if name == "grcim.cli.paper":            # the first command module: heavy imports
        os.kill(os.getpid(), signal.{sig})
    return real(name, *args)

importlib.import_module = import_then_signal
from grcim.cli.main import main
sys.exit(main(["arch", "list"]))
"""

PATCH_CALLBACK = """
import os, signal, sys, time, weakref
import grcim.cli.main as cli

class Thing:
    pass

def in_callback(ref):
    os.kill(os.getpid(), signal.{sig})
    for _ in range(100_000):  # the handler runs here, inside the weakref callback
        pass

def run(argv):
    thing = Thing()
    ref = weakref.ref(thing, in_callback)
    del thing                                 # the callback runs now
    time.sleep(5)                             # the interrupt must arrive here
    print("finished")
    return 0

cli._run = run
sys.exit(cli.main([]))
"""

PATCH_AFTER_MAIN = """
import os, signal, sys, time
import grcim.cli.main as cli

code = cli.main(["arch", "list"], last=True)
os.kill(os.getpid(), signal.{sig})            # after the command, before the process ends
time.sleep(0.5)
sys.exit(code)
"""

PATCH_WRAPPED = """
import os, signal, sys
import grcim.cli.arch as arch_cli

class LibraryError(Exception):
    pass

def run_list(args):
    try:
        os.kill(os.getpid(), signal.{sig})
        for _ in range(10_000_000):  # the handler raises in here
            pass
    except BaseException as exc:  # a library that wraps whatever it catches
        raise LibraryError("wrapped") from exc
    print("finished")
    return 0

arch_cli.run_list = run_list
from grcim.cli.main import main
sys.exit(main(["arch", "list"]))
"""

EXPECTED = {"SIGTERM": (143, "grcim: terminated"), "SIGINT": (130, "grcim: interrupted")}


def run_script(script: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd, check=False)


def test_sigterm_while_paper_writes_leaves_no_temporary_folder(tmp_path: Path) -> None:
    # R14: SIGTERM while `paper` wrote left a .OUT.xxxx.tmp/ folder with 5 files
    proc = run_script(PATCH_PAPER_WRITER.replace("{sig}", "SIGTERM"), tmp_path, "out")
    code, line = EXPECTED["SIGTERM"]
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.strip() == line and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # neither out/ nor a temporary folder


def test_ctrl_c_while_map_writes_leaves_nothing(tmp_path: Path) -> None:
    proc = run_script(PATCH_STAGING.replace("{sig}", "SIGINT"), tmp_path)
    code, line = EXPECTED["SIGINT"]
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.strip() == line
    assert list(tmp_path.iterdir()) == []  # no r.json, r.md, r_figures/ or temporaries


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_signal_during_imports_is_one_line(tmp_path: Path, sig: str) -> None:
    # R15: Ctrl-C in the first second gave a KeyboardInterrupt traceback (during imports)
    proc = run_script(PATCH_IMPORT.replace("{sig}", sig), tmp_path)
    code, line = EXPECTED[sig]
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.strip() == line and proc.stdout == ""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_signal_inside_a_weakref_callback_is_not_lost(tmp_path: Path, sig: str) -> None:
    # CI: SIGINT during an import's weakref clean-up printed "Exception ignored ...
    # KeyboardInterrupt" with its traceback, and the run went on to exit 0
    proc = run_script(PATCH_CALLBACK.replace("{sig}", sig), tmp_path)
    code, line = EXPECTED[sig]
    assert (proc.returncode, proc.stderr.strip(), proc.stdout) == (code, line, "")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_an_interrupt_wrapped_in_another_error_is_still_the_interrupt(tmp_path: Path,
                                                                      sig: str) -> None:
    # CI (reliability harness): SIGTERM while the mapper priced its components ended in
    # "Terminated ... was the direct cause of the following exception" and exit 1
    proc = run_script(PATCH_WRAPPED.replace("{sig}", sig), tmp_path)
    code, line = EXPECTED[sig]
    assert (proc.returncode, proc.stderr.strip(), proc.stdout) == (code, line, "")


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_signal_after_the_last_command_is_ignored(tmp_path: Path, sig: str) -> None:
    # the console script's signal handlers used to go back to Python's: a Ctrl-C during
    # shutdown gave a KeyboardInterrupt traceback after complete outputs
    proc = run_script(PATCH_AFTER_MAIN.replace("{sig}", sig), tmp_path)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert "edge_conventional" in proc.stdout


def test_real_sigterm_mid_run_leaves_whole_outputs_or_none(tmp_path: Path) -> None:
    """A signal from outside, at an arbitrary moment: whatever the moment, the command
    ends with exit 0 and a complete file, or 143 and one line and no file at all."""
    import time

    outcomes = set()
    for delay in (0.5, 1.5, 3.0):
        out = tmp_path / f"t{delay}.csv"
        proc = subprocess.Popen([sys.executable, "-m", "grcim", "table", "gr_mac", "--sweep",
                                 "n_rows=16,32,64", "--format", "csv", "--out", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=tmp_path)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=300)
        outcomes.add(proc.returncode)
        assert "Traceback" not in err
        if proc.returncode == 0:
            assert out.read_text(encoding="utf-8").count("\n") == 4  # header + 3 rows
        else:
            assert proc.returncode in (143, -signal.SIGTERM) and not out.exists()
            assert err.strip() in ("grcim: terminated", "")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
