"""``grcim sweep report STORE --out DIR``: what is in the way of the report's files inside
``DIR`` is refused before the report is built (one line, nothing on stdout, the folder as
it was); the figures' own names are known only once it is built (checked at commit)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import grcim.sweep.report
from grcim.sweep import RunOptions, load_spec, run_sweep


@pytest.fixture
def store(write_spec: Callable[..., Path], spec_text: Callable[..., str], tmp_path: Path,
          op_cache: Path) -> Path:
    """A store of two done decode points of the tiny chip (one workload case)."""
    path = tmp_path / "s.sqlite"
    ls = load_spec(write_spec(spec_text("n_macros: [2, 4]", "[decode]")))
    run_sweep(ls, path, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    return path


@pytest.mark.parametrize(("member", "make", "allowed"), [
    ("report.html", "directory", "a file path, not a directory"),
    ("spec.yaml", "symlink", "a file path, not a symbolic link"),
    ("effects.csv", "symlink", "a file path, not a symbolic link"),
    (".grcim-manifest.json", "directory", "a file path, not a directory"),
    ("figures", "file", "a directory (this is a file)"),
    ("figures", "symlink", "a directory (this is a symbolic link)"),
])
def test_bad_member_of_out_refused_before_the_report(
        member: str, make: str, allowed: str, store: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, cli, forbid, folder_tree) -> None:
    # the fronts, effects and every figure were rendered first, then the commit refused
    forbid(grcim.sweep.report, "build_report",
           "the report was built before the output folder was checked")
    monkeypatch.chdir(tmp_path)  # a short path: messages shorten long values
    out = Path("out")
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if make == "directory":
        (out / member).mkdir()
    elif make == "symlink":
        (out / member).symlink_to(elsewhere)
    else:
        (out / member).write_text("mine\n", encoding="utf-8")
    (out / "notes.txt").write_text("notes\n", encoding="utf-8")
    before = folder_tree(out)
    code, stdout, err = cli(["sweep", "report", str(store), "--out", "out"])
    assert code == 1
    assert stdout == "" and len(err.splitlines()) == 1, err
    assert f"--out = 'out/{member}': {allowed}" in err, err
    assert folder_tree(out) == before and not list(elsewhere.iterdir())


def test_the_files_written_are_the_files_checked(store: Path, tmp_path: Path, cli) -> None:
    out = tmp_path / "out"
    code, _, err = cli(["sweep", "report", str(store), "--out", str(out)])
    assert code == 0, err
    manifest = json.loads((out / ".grcim-manifest.json").read_text(encoding="utf-8"))
    fixed = sorted(n for n in manifest["files"] if "/" not in n)
    assert fixed == sorted(grcim.sweep.report.REPORT_FILES)
    # one workload case: its front and its effects, in the folder checked up front
    assert sorted(n for n in manifest["files"] if "/" in n) == [
        f"{grcim.sweep.report.FIGURES}/effects_1.png",
        f"{grcim.sweep.report.FIGURES}/pareto_1.png"]


def test_a_store_without_done_rows_draws_no_figure_and_keeps_a_file_named_figures(
        write_spec: Callable[..., Path], spec_text: Callable[..., str], tmp_path: Path,
        op_cache: Path, cli) -> None:
    # the figures folder is checked up front only when a figure can be drawn: here the
    # commit writes none, so a file of that name is not in the way
    path = tmp_path / "none.sqlite"
    # 3 rows per ADC do not divide the tiny macro's 8 rows: every point is infeasible
    ls = load_spec(write_spec(spec_text("rows_per_adc: [3]", "[decode]")))
    run_sweep(ls, path, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    out = tmp_path / "out"
    out.mkdir()
    (out / "figures").write_text("mine\n", encoding="utf-8")
    code, _, err = cli(["sweep", "report", str(path), "--out", str(out)])
    assert code == 0, err
    assert (out / "figures").read_text(encoding="utf-8") == "mine\n"
    assert (out / "report.md").is_file()
