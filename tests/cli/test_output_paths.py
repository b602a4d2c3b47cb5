"""Every command checks its output paths before working: one line, non-zero, no file left."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import grcim.arch
import grcim.workloads
from grcim.cli.main import main


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["table", "cim_dac", "--set", "n_bits=4", "--out", "{f}/x.csv"], "is a file"),
        (["paper", "--out", "{f}/sub", "--samples", "1000"], "is a file"),
        (["map", "--phase", "decode", "--json", "{d}/same.md", "--report", "{d}/same.md"],
         "a different path from --json"),
        (["workload", "gpt2", "--phase", "decode", "--json", "{d}/o", "--einsum", "{d}/o"],
         "a different path from --json"),
        (["compare", "--out", "{f}"], "a directory path"),
        (["table", "cim_dac", "--set", "n_bits=4", "--out", "{d}"], "not a directory"),
    ],
)
def test_bad_output_paths_fail_first(tmp_path: Path, capsys, args: list[str],
                                     fragment: str) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    out_dir = tmp_path / "outs"
    out_dir.mkdir()
    argv = [a.format(f=afile, d=out_dir) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == [] and afile.read_text(encoding="utf-8") == "keep"


# ---------------------------------------------------------------------------------------
# Issue 12: special files and links are written through, never replaced (R4); an output
# is never an input (R5); empty and non-UTF-8 paths are refused before any work (R16, R11).

ARCH_DIR = Path(grcim.arch.__file__).parent
MODELS_TEXT = (Path(grcim.workloads.__file__).parent / "models.yaml").read_text(
    encoding="utf-8")
TABLE = ["table", "cim_dac", "--sweep", "n_bits=1,2", "--format", "csv"]


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")
                or p.name.startswith(".grcim-probe-")]


def test_character_device_is_written_through_not_replaced(tmp_path: Path, capsys) -> None:
    # R4: `--out DEV` on a device node replaced the node with a regular file. A node made
    # here when the process may (root); otherwise a link to /dev/null, which the old code
    # replaced the same way.
    dev = tmp_path / "DEV"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the null device's numbers
    except (PermissionError, OSError):
        dev.symlink_to("/dev/null")
    before = os.lstat(dev)
    assert main([*TABLE, "--out", str(dev)]) == 0, capsys.readouterr().err
    after = os.lstat(dev)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert stat.S_ISCHR(os.stat(dev).st_mode) and no_temporaries(tmp_path)


def test_fifo_is_written_through_to_its_reader(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "F"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)  # a stuck reader must not hang exit
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while True:  # wait until the reader has the FIFO open (its open blocks until then)
            code = main([*TABLE, "--out", str(fifo)])
            err = capsys.readouterr().err
            if code == 0 or time.monotonic() > deadline:
                break
            assert "a FIFO with no reader" in one_line(err)
            time.sleep(0.05)
    finally:
        if reader.is_alive():  # release the reader if the command never wrote
            with open(fifo, "wb"):
                pass
        reader.join(30)
    assert code == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0].startswith(b"component,n_bits")


def test_fifo_without_reader_is_refused_not_waited_for(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "F"
    os.mkfifo(fifo)
    assert main([*TABLE, "--out", str(fifo)]) == 1
    assert "--out" in one_line(capsys.readouterr().err)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and no_temporaries(tmp_path)


def test_symlink_to_a_file_keeps_the_link_and_replaces_the_file(tmp_path: Path,
                                                                capsys) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    assert main([*TABLE, "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text(encoding="utf-8").startswith("component,n_bits")


def test_symlink_to_proc_stdout_is_written_through(tmp_path: Path) -> None:
    # R4: a symlink to /proc/self/fd/1 was replaced by a regular file
    if not os.path.exists("/proc/self/fd/1"):
        pytest.skip("no /proc file system (the case only exists where /proc does)")
    link = tmp_path / "S"
    link.symlink_to("/proc/self/fd/1")
    proc = subprocess.run([sys.executable, "-m", "grcim", *TABLE, "--out", str(link)],
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("component,n_bits") and link.is_symlink()


@pytest.mark.parametrize(("argv", "option", "victim"), [
    (["workload", "gpt2", "--phase", "decode", "--models", "{m}", "--json", "{m}"], "--json",
     "m"),
    (["workload", "gpt2", "--phase", "decode", "--models", "{m}", "--einsum", "{m}"],
     "--einsum", "m"),
    (["map", "--arch", "{a}", "--phase", "decode", "--json", "{a}"], "--json", "a"),
    (["map", "--models", "{m}", "--phase", "decode", "--json", "{m}"], "--json", "m"),
    (["map", "--models", "{m}", "--phase", "decode", "--json", "{hard}"], "--json", "m"),
    (["map", "--models", "{m}", "--phase", "decode", "--report", "{link}.md"], "--report",
     "m"),
    (["compare", "--arch", "{a}", "--phase", "decode", "--json", "x"], None, "a"),
])
def test_an_output_is_never_an_input(tmp_path: Path, capsys, argv: list[str],
                                     option: str | None, victim: str) -> None:
    # R5: these overwrote the input YAML with exit 0
    files = {"m": tmp_path / "m.yaml", "a": tmp_path / "a.yaml"}
    files["m"].write_text(MODELS_TEXT, encoding="utf-8")
    files["a"].write_text((ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    os.link(files["m"], tmp_path / "hard.yaml")
    (tmp_path / "link.md").symlink_to(files["m"].name)
    texts = {k: p.read_bytes() for k, p in files.items()}
    names = {"m": files["m"], "a": files["a"], "hard": tmp_path / "hard.yaml",
             "link": tmp_path / "link"}
    args = [a.format(**names) for a in argv]
    if option is None:  # compare has no --json: argparse refuses (exit 2), nothing written
        with pytest.raises(SystemExit):
            main(args)
    else:
        assert main(args) == 1
        line = one_line(capsys.readouterr().err)
        assert f"{option} = " in line and "different from the input" in line
    assert {k: p.read_bytes() for k, p in files.items()} == texts
    assert no_temporaries(tmp_path)


def test_directory_output_never_replaces_an_input(tmp_path: Path, capsys) -> None:
    # compare --out DIR where DIR/comparison.json is the models file (a hard link would do)
    out = tmp_path / "out"
    out.mkdir()
    models = out / "comparison.json"
    import yaml

    fields = dict(d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2,
                  vocab=50, ffn="swiglu", norm="rmsnorm", tied_embeddings=False,
                  positional="rope", biases=False, max_context=64)
    models.write_text(yaml.safe_dump({"models": {"tiny": fields}}), encoding="utf-8")
    before = models.read_bytes()
    code = main(["compare", "--models", str(models), "--phase", "decode", "--arch",
                 "edge_grmac", "--out", str(out)])
    assert code == 1 and "would replace the input --models" in one_line(
        capsys.readouterr().err)
    assert models.read_bytes() == before and sorted(p.name for p in out.iterdir()) == [
        "comparison.json"]
    assert no_temporaries(tmp_path)


@pytest.mark.parametrize("argv", [
    ["paper", "--out", ""],
    ["compare", "--out", ""],
    ["map", "--phase", "decode", "--json", ""],
    ["map", "--phase", "decode", "--models", ""],
    ["workload", "gpt2", "--phase", "decode", "--einsum", ""],
    [*TABLE, "--plot", ""],
])
def test_empty_paths_are_refused_before_any_work(tmp_path: Path, capsys, monkeypatch,
                                                 argv: list[str]) -> None:
    # R16: `grcim paper --out ''` wrote 10 files into the current directory
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    assert "non-empty path" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_non_utf8_report_path_is_refused_and_leaves_nothing(tmp_path: Path, capsys,
                                                             monkeypatch) -> None:
    # R11: --report $'\xffrep.md' ended in a UnicodeEncodeError traceback and left the
    # figures folder behind
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"\xffrep.md")
    assert main(["map", "--phase", "decode", "--report", name]) == 1
    assert "valid UTF-8" in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_write_failure_names_the_option_and_leaves_nothing(tmp_path: Path, capsys) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system (the full-disk device exists on Linux)")
    link = tmp_path / "full.csv"
    link.symlink_to("/dev/full")
    assert main([*TABLE, "--out", str(link)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "--out" in line and "No space left on device" in line
    assert link.is_symlink() and no_temporaries(tmp_path)


@pytest.mark.parametrize(("argv", "fragment"), [
    (["map", "--phase", "decode", "--json", "{d}/r_figures/a.json", "--report", "{d}/r.md"],
     "outside the folder --report writes"),
    (["table", "cim_dac", "--sweep", "n_bits=1,2", "--out", "{d}/x.png", "--plot",
      "{d}/sub/../x.png"], "a different path from --out"),
])
def test_colliding_outputs_are_refused(tmp_path: Path, capsys, argv: list[str],
                                       fragment: str) -> None:
    args = [a.format(d=tmp_path) for a in argv]
    assert main(args) == 1 and fragment in one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_an_input_inside_an_output_folder_is_kept(tmp_path: Path, capsys) -> None:
    # compare --out DIR replaced DIR/figures/ whole (an input inside it stopped the commit);
    # the folder is now merged file by file, so the input is simply left where it is
    out = tmp_path / "out"
    (out / "figures").mkdir(parents=True)
    import yaml

    fields = dict(d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2,
                  vocab=50, ffn="swiglu", norm="rmsnorm", tied_embeddings=False,
                  positional="rope", biases=False, max_context=64)
    models = out / "figures" / "m.yaml"
    models.write_text(yaml.safe_dump({"models": {"tiny": fields}}), encoding="utf-8")
    before = models.read_bytes()
    code = main(["compare", "--models", str(models), "--phase", "decode", "--arch",
                 "edge_grmac", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert models.read_bytes() == before and (out / "figures" / "comparison.png").is_file()
    assert no_temporaries(tmp_path)
