"""Hostile output paths through every writing command, and signals at arbitrary moments.

Paths: each (command, target) pair of the tables below runs in a fresh folder; whatever
the outcome, no special file or link is replaced, no input changes, no temporary file is
left, and an error is one line. Signals: real SIGINT / SIGTERM sent from outside at
spread-out moments of real runs; whatever the moment, the run ends with exit 0 and whole
outputs, or with one line and no output.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

import grcim.arch

ARCH_DIR = Path(grcim.arch.__file__).parent
TINY_MODEL = dict(d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2,
                  vocab=50, ffn="swiglu", norm="rmsnorm", tied_embeddings=False,
                  positional="rope", biases=False, max_context=64)

# (name, argv with {out} for the output and {m}/{a} for the inputs, output kind); a target
# named after an input ("models-input", "arch-input", "hard-link-to-input") is refused only
# by the commands that read that input.
COMMANDS = [
    ("table", ["table", "cim_dac", "--set", "n_bits=4", "--format", "csv", "--out", "{out}"],
     "file"),
    ("table-plot", ["table", "grcim_adc", "--sweep", "n_bits=4,6", "--plot", "{out}"],
     "file"),
    ("workload-json", ["workload", "tiny", "--phase", "decode", "--models", "{m}", "--json",
                       "{out}"], "file"),
    ("workload-einsum", ["workload", "tiny", "--phase", "decode", "--models", "{m}",
                         "--einsum", "{out}"], "file"),
    ("map-json", ["map", "--arch", "{a}", "--models", "{m}", "--phase", "decode", "--json",
                  "{out}"], "file"),
    ("map-report", ["map", "--arch", "{a}", "--models", "{m}", "--phase", "decode",
                    "--report", "{out}"], "file"),
    ("compare", ["compare", "--arch", "{a}", "--arch", "edge_int8", "--models", "{m}",
                 "--phase", "decode", "--out", "{out}"], "directory"),
]


def _make_targets(folder: Path, ext: str) -> dict[str, str]:
    """Hostile output targets inside ``folder`` (created here), by name."""
    (folder / "dir").mkdir()
    (folder / "file").write_text("keep", encoding="utf-8")
    (folder / f"real{ext}").write_text("old", encoding="utf-8")
    (folder / f"link{ext}").symlink_to(f"real{ext}")
    (folder / f"dangling{ext}").symlink_to(f"missing/nowhere{ext}")
    (folder / "dirlink").symlink_to("dir")
    (folder / f"null{ext}").symlink_to("/dev/null")
    os.mkfifo(folder / f"fifo{ext}")
    return {
        "empty": "", "directory": str(folder / "dir"), "under-a-file": str(folder / "file"
                                                                          / f"x{ext}"),
        "symlink-to-file": str(folder / f"link{ext}"),
        "dangling-symlink": str(folder / f"dangling{ext}"),
        "symlink-to-directory": str(folder / "dirlink"),
        "symlink-to-dev-null": str(folder / f"null{ext}"),
        "fifo-without-reader": str(folder / f"fifo{ext}"),
        "models-input": str(folder / "m.yaml"), "arch-input": str(folder / "a.yaml"),
        "hard-link-to-input": str(folder / f"hard{ext}"),
        "non-utf8": os.fsdecode(os.fsencode(str(folder)) + b"/\xff" + ext.encode()),
        "deep-new-path": str(folder / "n1" / "n2" / f"x{ext}"),
        "relative-dots": str(folder / "dir" / ".." / f"fresh{ext}"),
    }


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """(file type, inode, device numbers) of every entry, links not followed."""
    out = {}
    for p in folder.rglob("*"):
        info = os.lstat(p)
        out[str(p.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_ino,
                                           info.st_rdev)
    return out


def _ext(name: str, kind: str) -> str:
    if kind == "directory":
        return ""
    return {"table": ".csv", "table-plot": ".png", "map-report": ".md",
            "workload-einsum": ".yaml"}.get(name, ".json")


@pytest.mark.parametrize(("name", "argv", "kind"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_hostile_output_paths(tmp_path: Path, capsys, harness, tally, name: str,
                              argv: list[str], kind: str) -> None:
    chip = (ARCH_DIR / "chips" / "edge_int8.yaml").read_text(encoding="utf-8")
    models = yaml.safe_dump({"models": {"tiny": TINY_MODEL}})
    ext = _ext(name, kind)
    probe = _make_targets(tmp_path / "probe", ext) if (tmp_path / "probe").mkdir() is None \
        else {}
    for target_name in probe:
        folder = tmp_path / target_name
        folder.mkdir()
        targets = _make_targets(folder, ext)
        (folder / "m.yaml").write_text(models, encoding="utf-8")
        (folder / "a.yaml").write_text(chip, encoding="utf-8")
        os.link(folder / "m.yaml", folder / f"hard{ext}")
        inputs = {folder / f"{k}.yaml": (folder / f"{k}.yaml").read_bytes() for k in "ma"
                  if "{" + k + "}" in argv}
        refused = {"empty", "directory", "under-a-file", "fifo-without-reader", "non-utf8"}
        refused |= {"models-input", "hard-link-to-input"} if "{m}" in argv else set()
        refused |= {"arch-input"} if "{a}" in argv else set()
        before = _snapshot(folder)
        out = targets[target_name]
        args = [a.format(out=out, m=folder / "m.yaml", a=folder / "a.yaml") for a in argv]
        run = harness.cli(args)
        problem = None
        if run.code == 0:
            outcome = "written"
            problem = _written_problem(folder, out, kind, target_name)
        else:
            outcome = "refused"
            problem = harness.error_problem(run)
        after = _snapshot(folder)
        for entry, (ftype, ino, rdev) in before.items():
            now = after.get(entry)
            is_special = ftype in (stat.S_IFLNK, stat.S_IFIFO, stat.S_IFCHR)
            if is_special and now != (ftype, ino, rdev):
                problem = problem or f"{entry} (a link, FIFO or device) was replaced"
        if any(p.read_bytes() != data for p, data in inputs.items()):
            problem = problem or "an input file was modified"
        if target_name in refused and run.code == 0 and kind == "file":
            problem = problem or f"exit 0 although {target_name} must be refused"
        left = harness.temporaries(folder)
        problem = problem or (f"temporary files left: {left}" if left else None)
        tally.record(outcome, problem, f"{name} -> {target_name}: {' '.join(args)}\n"
                     f"{run.err}")
    tally.finish(capsys, minimum=len(probe))


def _written_problem(folder: Path, out: str, kind: str, target_name: str) -> str | None:
    if kind == "directory":
        found = Path(out) / "comparison.json"
        return None if found.is_file() else f"no {found}"
    if target_name == "symlink-to-dev-null":
        return None
    path = Path(out)
    if not path.exists():
        return f"exit 0 but {out} does not exist"
    data = path.read_bytes()
    if not data or data == b"old":
        return f"exit 0 but {out} holds no new content"
    if out.endswith(".json"):
        try:
            json.loads(data, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError as exc:
            return f"bad JSON in {out}: {exc}"
    return None


# ---------------------------------------------------------------------------------- signals
# (signal, seconds after grcim installed its handlers): during the imports, the mapping,
# the rendering of figures, the writes; runs that end first are not signalled (exit 0).
SIGNAL_RUNS: list[tuple[str, float]] = [
    ("SIGINT", 0.0), ("SIGTERM", 0.1), ("SIGINT", 0.6), ("SIGTERM", 1.2), ("SIGINT", 2.0),
    ("SIGTERM", 3.0),
]


def _start(folder: Path, out: Path) -> subprocess.Popen[str]:
    models = folder / "m.yaml"
    models.write_text(yaml.safe_dump({"models": {"tiny": TINY_MODEL}}), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "grcim", "map", "--arch", "edge_int8", "--models", str(models),
         "--phase", "prefill", "--tokens", "16", "--json", str(out), "--report",
         str(folder / "r.md")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=folder)


def _wait_for_handlers(pid: int) -> None:
    """Until grcim's handlers are installed: SIGTERM appears among the caught signals.

    Before that, the process is still starting Python (a signal then gives Python's own
    KeyboardInterrupt traceback or the default action; no grcim code has run yet). Linux
    shows the caught-signal mask in /proc; elsewhere the wait is a fixed second.
    """
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            text = status.read_text(encoding="utf-8")
        except OSError:
            time.sleep(1.0)
            return
        caught = next((int(line.split()[1], 16) for line in text.splitlines()
                       if line.startswith("SigCgt:")), 0)
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.002)


def test_signals_at_arbitrary_moments(tmp_path: Path, capsys, harness, tally) -> None:
    check: Callable[[int, str, Path, Path], str | None] = _signal_problem
    procs = []
    for i, (sig, delay) in enumerate(SIGNAL_RUNS):  # one at a time, signalled at `delay`
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        proc = _start(folder, folder / "out.json")
        _wait_for_handlers(proc.pid)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(getattr(signal, sig))
        procs.append((sig, delay, folder, proc))
    for sig, delay, folder, proc in procs:
        _, err = proc.communicate(timeout=300)
        problem = check(proc.returncode, err, folder, folder / "out.json")
        problem = problem or (f"temporary files left: {harness.temporaries(folder)}"
                              if harness.temporaries(folder) else None)
        outcome = "completed" if proc.returncode == 0 else "interrupted"
        tally.record(outcome, problem, f"{sig} after {delay} s: exit {proc.returncode}, "
                     f"stderr {err!r}")
    tally.finish(capsys, minimum=len(SIGNAL_RUNS))


def _signal_problem(code: int, err: str, folder: Path, out: Path) -> str | None:
    if "Traceback" in err:
        return "traceback"
    report = folder / "r.md"
    if code == 0:
        if not (out.is_file() and report.is_file() and (folder / "r_figures").is_dir()):
            return "exit 0 without every output"
        return None
    if code not in (130, 143, -signal.SIGINT, -signal.SIGTERM):
        return f"exit {code}"
    if err.strip() not in ("", "grcim: interrupted", "grcim: terminated"):
        return f"stderr {err!r}"
    written = [p.name for p in (out, report, folder / "r_figures") if p.exists()]
    if written and len(written) != 3:
        return f"a partial set of outputs: {written}"
    return None


# ------------------------------------------------------------------------ output folders
# Every command that writes a folder, into folders that already hold things: the user's
# files beside grcim's are kept; a folder, link or FIFO where grcim writes a file, or a
# file where it needs a folder, is refused with one line and nothing in the folder changes.
# (The old commit replaced every existing sub-folder whole, and named a temporary path.)
FOLDER_COMMANDS = [
    ("compare", ["compare", "--arch", "edge_grmac", "--arch", "edge_int8", "--phase",
                 "decode", "--out", "{out}"], "{out}"),
    ("map-report", ["map", "--arch", "edge_int8", "--phase", "decode", "--report",
                    "{out}.md"], "{out}_figures"),
    ("export-timeloop", ["export", "timeloop", "--workload", "gpt2", "--tokens", "16",
                         "--layer", "1", "--out", "{out}"], "{out}"),
]


def _contents(folder: Path) -> dict[str, tuple[int, bytes | str | None]]:
    """Every entry under ``folder``, links not followed: its type and its bytes (a file),
    its target (a link) or nothing."""
    out: dict[str, tuple[int, bytes | str | None]] = {}
    for p in sorted(folder.rglob("*")):
        mode = os.lstat(p).st_mode
        data: bytes | str | None = None
        if stat.S_ISREG(mode):
            data = p.read_bytes()
        elif stat.S_ISLNK(mode):
            data = os.readlink(p)
        out[p.relative_to(folder).as_posix()] = (stat.S_IFMT(mode), data)
    return out


def _layouts(written: list[str]) -> list[tuple[str, Callable[[Path], None], bool]]:
    """(name, how to prepare the folder, whether the run must succeed)."""
    top = next((n for n in written if "/" not in n), None)
    nested = next((n for n in written if "/" in n), None)

    def beside(d: Path) -> None:
        (d / "notes.txt").write_text("mine\n", encoding="utf-8")
        sub = d / (nested.split("/")[0] if nested else "sub")
        sub.mkdir()
        (sub / "mine.png").write_bytes(b"mine")

    def folder_at(name: str) -> Callable[[Path], None]:
        def make(d: Path) -> None:
            (d / name).mkdir(parents=True)
            (d / name / "data.txt").write_text("precious\n", encoding="utf-8")
        return make

    def link_at(name: str) -> Callable[[Path], None]:
        def make(d: Path) -> None:
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d.parent / "elsewhere.txt").write_text("mine\n", encoding="utf-8")
            (d / name).symlink_to(d.parent / "elsewhere.txt")
        return make

    def fifo_at(name: str) -> Callable[[Path], None]:
        def make(d: Path) -> None:
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(d / name)
        return make

    def file_at(name: str) -> Callable[[Path], None]:
        def make(d: Path) -> None:
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d / name).write_text("mine\n", encoding="utf-8")
        return make

    cases = [("user-files-beside", beside, True)]
    for name in filter(None, (top, nested)):
        cases += [(f"folder-at-{name}", folder_at(name), False),
                  (f"link-at-{name}", link_at(name), False),
                  (f"fifo-at-{name}", fifo_at(name), False)]
    if nested:
        cases.append((f"file-at-{nested.split('/')[0]}", file_at(nested.split("/")[0]),
                      False))
    return cases


@pytest.mark.parametrize(("name", "argv", "folder"), FOLDER_COMMANDS,
                         ids=[c[0] for c in FOLDER_COMMANDS])
def test_output_folders_keep_what_they_hold(tmp_path: Path, capsys, monkeypatch, harness,
                                            tally, name: str, argv: list[str], folder: str
                                            ) -> None:
    monkeypatch.chdir(tmp_path)  # short relative paths: errors show them whole
    fresh = Path("fresh")
    fresh.mkdir()
    run = harness.cli([a.format(out=fresh / "o") for a in argv])
    assert run.code == 0, run.err
    manifest = Path(folder.format(out=fresh / "o")) / ".grcim-manifest.json"
    written = sorted(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    cases = _layouts(written)
    for i, (case, prepare, succeeds) in enumerate(cases):
        work = Path(f"case{i}")
        work.mkdir()
        out = work / "o"
        target = Path(folder.format(out=out))
        target.mkdir()
        prepare(target)
        before = _contents(work)
        run = harness.cli([a.format(out=out) for a in argv])
        after = _contents(work)
        problem = None
        if succeeds:
            problem = harness.error_problem(run) if run.code else None
            lost = {k: v for k, v in before.items() if after.get(k) != v}
            problem = problem or (f"the user's entries changed: {sorted(lost)}" if lost
                                  else None)
            problem = problem or (None if all((target / n).is_file() for n in written)
                                  else "not every file written")
        elif run.code == 0:
            problem = f"exit 0 although {case} must be refused"
        else:
            problem = harness.error_problem(run)
            shown = case.split("-at-", 1)[1]
            problem = problem or (None if f"'{target / shown}'" in run.err
                                  else f"the error does not name {target / shown}")
            problem = problem or (".tmp in the error" if ".tmp" in run.err else None)
            problem = problem or (None if before == after else "the folder changed")
        left = harness.temporaries(work)
        problem = problem or (f"temporary files left: {left}" if left else None)
        tally.record("written" if run.code == 0 else "refused", problem,
                     f"{name} -> {case}\n{run.err}")
    tally.finish(capsys, minimum=len(cases))
