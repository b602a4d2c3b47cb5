"""Every command checks its output paths before working: one line, non-zero, no file left."""

from __future__ import annotations

import contextlib
import json
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
            # non-blocking: a reader that has just finished (the command wrote) leaves no
            # partner, and a plain open then waited forever (a CI run hung here)
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
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


# '-' made a file named '-' (workload --json -, map --json -, table --out -, ...): no
# grcim output writes standard output for '-', so every output option refuses it, before
# any work (/dev/stdout is written through; ./- still names such a file).
STDOUT_REFUSED = "'-' is not standard output here: name /dev/stdout to write there"


@pytest.mark.parametrize("argv", [
    ["workload", "gpt2", "--phase", "decode", "--json", "-"],
    ["workload", "gpt2", "--phase", "decode", "--einsum", "-"],
    ["map", "--phase", "decode", "--json", "-"],
    [*TABLE, "--out", "-"],
    ["compare", "--out", "-"],
    ["export", "timeloop", "--out", "-"],
    ["paper", "--out", "-"],
    ["sweep", "run", "edge_dse", "--store", "-"],
    ["sweep", "run", "edge_dse", "--op-cache", "-"],
    ["sweep", "report", "store.sqlite", "--out", "-"],
])
def test_dash_is_refused_not_a_file_named_dash(tmp_path: Path, capsys, monkeypatch,
                                               argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"{argv[-2]} = '-': a path ({STDOUT_REFUSED}" in one_line(err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    # refused by their suffix rule first: still no file named '-'
    ["map", "--phase", "decode", "--report", "-"],
    [*TABLE, "--plot", "-"],
    ["sweep", "export", "store.sqlite", "--csv", "-"],
    ["sweep", "export", "store.sqlite", "--parquet", "-"],
])
def test_dash_with_a_suffix_rule_is_refused_too(tmp_path: Path, capsys, monkeypatch,
                                                argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    one_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_dev_stdout_and_dot_dash_still_work(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*TABLE, "--out", "./-"]) == 0
    assert (tmp_path / "-").read_text(encoding="utf-8").startswith("component,")
    (tmp_path / "-").unlink()
    run = subprocess.run([sys.executable, "-m", "grcim", "workload", "gpt2", "--phase",
                          "decode", "--json", "/dev/stdout"], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0 and '"parameters": 124439808' in run.stdout, run.stderr
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


# ---------------------------------------------------------------------------------------
# Directory outputs are merged file by file: the user's files are kept, a folder where a
# file goes (or a file where a folder goes) is refused with one line naming the option
# and the user's path, and grcim's own stale files (its manifest) are removed. The old
# commit replaced every existing sub-folder whole (shutil.rmtree).

COMPARE = ["compare", "--phase", "decode", "--arch", "edge_grmac", "--arch", "edge_int8"]
EXPORT_LAYER = ["export", "timeloop", "--workload", "gpt2", "--tokens", "16", "--layer", "1"]


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder``: a file's bytes, None for a folder."""
    return {p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def test_compare_keeps_the_users_files_in_its_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "o2"
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "my_plot.png").write_text("mine\n", encoding="utf-8")
    (out / "notes.txt").write_text("notes\n", encoding="utf-8")
    (out / "figures" / "comparison.png").write_text("old grcim output\n", encoding="utf-8")
    assert main([*COMPARE, "--out", str(out)]) == 0, capsys.readouterr().err
    assert (out / "figures" / "my_plot.png").read_text(encoding="utf-8") == "mine\n"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "notes\n"
    assert (out / "figures" / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "comparison.json").is_file() and no_temporaries(tmp_path)


@pytest.mark.parametrize(("make", "bad", "allowed"), [
    # a folder where the report writes a file: it (and what is in it) was deleted, exit 0
    ("comparison.md/data.txt", "comparison.md", "a file path, not a directory"),
    # a file where the figures folder goes: the error named the temporary path, <output>
    ("figures", "figures", "a directory (this is a file)"),
])
def test_compare_refuses_an_entry_of_the_wrong_kind(tmp_path: Path, capsys, monkeypatch,
                                                    make: str, bad: str, allowed: str
                                                    ) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths, as typed (long ones are shortened)
    out = Path("o3")
    (out / make).parent.mkdir(parents=True, exist_ok=True)
    (out / make).write_text("precious\n", encoding="utf-8")
    (out / "keep.txt").write_text("keep\n", encoding="utf-8")
    before = tree(out)
    assert main([*COMPARE, "--out", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"grcim compare: error: <command line>: --out = '{out / bad}': "
                           f"{allowed}") and ".tmp" not in line, line
    assert tree(out) == before and no_temporaries(tmp_path)


def test_map_figures_folder_follows_the_same_rule(tmp_path: Path, capsys, monkeypatch
                                                  ) -> None:
    monkeypatch.chdir(tmp_path)
    report = Path("rep.md")
    figures = Path("rep_figures")
    figures.mkdir()
    (figures / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["map", "--phase", "decode", "--report", str(report)]) == 0
    capsys.readouterr()
    written = {p.name for p in figures.iterdir()} - {"notes.txt", ".grcim-manifest.json"}
    assert written and (figures / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    victim = sorted(written)[0]
    (figures / victim).unlink()
    (figures / victim).mkdir()  # a folder where a figure goes
    report.unlink()
    assert main(["map", "--phase", "decode", "--report", str(report)]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"--report = '{figures / victim}': a file path, not a directory" in line
    assert not report.exists() and no_temporaries(tmp_path)


def test_export_replaces_its_own_stale_files_and_keeps_the_users(tmp_path: Path,
                                                                  capsys) -> None:
    out = tmp_path / "tl"
    assert main([*EXPORT_LAYER, "--out", str(out)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    layer = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(layer) == 6 and all(n.startswith("L1.") for n in layer)
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / layer[0] / "my_run.log").write_text("timeloop output\n", encoding="utf-8")
    edited = next(p for p in (out / layer[1]).iterdir() if p.suffix == ".yaml")
    edited.write_text(edited.read_text(encoding="utf-8") + "# tuned by hand\n",
                      encoding="utf-8")
    # one einsum into the same folder: the earlier export's files go, unless the user
    # wrote into them or next to them
    assert main(["export", "timeloop", "--workload", "gpt2", "--tokens", "16", "--op",
                 "ffn_down", "--out", str(out)]) == 0, capsys.readouterr().err
    names = tree(out)
    assert names["notes.txt"] == b"mine\n"
    assert names[f"{layer[0]}/my_run.log"] == b"timeloop output\n"
    assert edited.relative_to(out).as_posix() in names  # changed since: the user's now
    assert set(names) == {"notes.txt", layer[0], f"{layer[0]}/my_run.log", layer[1],
                          edited.relative_to(out).as_posix(), ".grcim-manifest.json",
                          *(n for n in names if "/" not in n and n.endswith(".yaml"))}
    assert [n for n in names if "/" not in n and n.endswith(".yaml")]  # the einsum's files
    manifest = json.loads(names[".grcim-manifest.json"] or b"")
    assert sorted(manifest["files"]) == sorted(n for n in names if "/" not in n
                                               and n.endswith(".yaml"))


def test_export_refuses_a_file_where_an_einsum_folder_goes(tmp_path: Path, capsys,
                                                           monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("tl")
    out.mkdir()
    (out / "L1.ffn_up").write_text("mine\n", encoding="utf-8")
    assert main([*EXPORT_LAYER, "--out", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"--out = '{out / 'L1.ffn_up'}': a directory (this is a file)" in line
    assert tree(out) == {"L1.ffn_up": b"mine\n"} and no_temporaries(tmp_path)


def test_a_manifest_grcim_did_not_write_is_not_replaced(tmp_path: Path, capsys,
                                                        monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("o")
    out.mkdir()
    (out / ".grcim-manifest.json").write_text("my own notes\n", encoding="utf-8")
    assert main([*COMPARE, "--out", str(out)]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"--out = '{out / '.grcim-manifest.json'}'" in line and "move it away" in line
    assert tree(out) == {".grcim-manifest.json": b"my own notes\n"}


def test_a_hand_edited_manifest_cannot_remove_files_elsewhere(tmp_path: Path,
                                                              capsys) -> None:
    import hashlib

    out = tmp_path / "o"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    digest = hashlib.sha256(b"keep\n").hexdigest()
    (out / "link").symlink_to(tmp_path)
    entry = {"sha256": digest, "by": "compare"}
    (out / ".grcim-manifest.json").write_text(json.dumps({
        "format": "grcim output manifest 2",
        "files": {"../outside.txt": entry, str(outside): entry,
                  "link/outside.txt": entry}}), encoding="utf-8")
    assert main([*COMPARE, "--out", str(out)]) == 0, capsys.readouterr().err
    assert outside.read_text(encoding="utf-8") == "keep\n" and (out / "link").is_symlink()


def test_two_commands_in_one_folder_keep_each_others_files(tmp_path: Path, capsys) -> None:
    # `export timeloop --out D` after `compare --out D` removed comparison.* and figures/:
    # the manifest listed them, and every listed file a run did not write counted as stale
    out = tmp_path / "shared"
    assert main([*COMPARE, "--out", str(out)]) == 0, capsys.readouterr().err
    compared = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert main([*EXPORT_LAYER, "--out", str(out)]) == 0, capsys.readouterr().err
    after = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert compared <= after and any(n.startswith("L1.") for n in after)
    # a second export, of one einsum (its files in the folder itself), still removes the
    # layer export's einsum folders: those were the same command's
    assert main(["export", "timeloop", "--workload", "gpt2", "--tokens", "16", "--op",
                 "L1.q_proj", "--out", str(out)]) == 0, capsys.readouterr().err
    last = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert compared <= last and not any(n.startswith("L1.") for n in last)


FAKE_FILES: dict[str, str | bytes] = {"report.md": "# r\n", "figures/pareto_1.png": b"png"}


@pytest.fixture
def fake_folder_commands(monkeypatch) -> None:
    """``paper`` and ``sweep report`` with their computation replaced by fixed files: only
    the writing of the folder is under test here (the real runs take minutes)."""
    import grcim.report.paper
    import grcim.studies.paper
    import grcim.sweep
    import grcim.sweep.report

    class FakeStore:
        @staticmethod
        def open(path: str) -> FakeStore:
            return FakeStore()

        def close(self) -> None:
            pass

        def counts(self) -> dict[str, int]:
            return {"done": 1}  # FAKE_FILES holds a figure

    monkeypatch.setattr(grcim.studies.paper, "run_paper", lambda settings, progress: None)
    monkeypatch.setattr(grcim.report.paper, "paper_files", lambda result: dict(FAKE_FILES))
    monkeypatch.setattr(grcim.report.paper, "summary_rows", lambda result: [])
    monkeypatch.setattr(grcim.sweep, "Store", FakeStore)
    monkeypatch.setattr(grcim.sweep.report, "build_report", lambda store: dict(FAKE_FILES))


@pytest.mark.parametrize("argv", [["paper", "--quiet", "--out", "{out}"],
                                  ["sweep", "report", "s.sqlite", "--out", "{out}"]],
                         ids=["paper", "sweep-report"])
def test_every_folder_command_merges_and_refuses_alike(tmp_path: Path, capsys, monkeypatch,
                                                       fake_folder_commands,
                                                       argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("out")
    (out / "figures").mkdir(parents=True)
    (out / "figures" / "mine.png").write_text("mine\n", encoding="utf-8")
    args = [a.format(out=out) for a in argv]
    assert main(args) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert (out / "figures" / "mine.png").read_text(encoding="utf-8") == "mine\n"
    assert (out / "figures" / "pareto_1.png").read_bytes() == b"png"
    (out / "report.md").unlink()
    (out / "report.md").mkdir()  # a folder where a file goes
    (out / "report.md" / "keep.txt").write_text("keep\n", encoding="utf-8")
    before = tree(out)
    assert main(args) == 1
    line = one_line(capsys.readouterr().err)
    assert "--out = 'out/report.md': a file path, not a directory" in line
    assert tree(out) == before and no_temporaries(tmp_path)


def test_a_failure_inside_a_staged_folder_names_the_users_path(tmp_path: Path, capsys,
                                                               monkeypatch,
                                                               fake_folder_commands) -> None:
    # an error while the command filled its temporary folder named '<output>' and the
    # temporary path
    import grcim.report.paper

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(grcim.report.paper, "paper_files", lambda result: {"x" * 300: "x"})
    assert main(["paper", "--quiet", "--out", "out"]) == 1
    line = one_line(capsys.readouterr().err)
    assert "--out = 'out/xxx" in line and "File name too long" in line
    assert ".tmp" not in line and not (tmp_path / "out").exists()
    assert no_temporaries(tmp_path)
