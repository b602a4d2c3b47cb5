"""``grcim paper`` from the outside: bad input and a small successful run.

Bad input must exit non-zero with exactly one line on stderr, no traceback, and leave the
``--out`` directory as it was (not created, or untouched). A small run must write
claims.json, the five CSV tables and four PNG figures.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import grcim.studies.paper as paper_module
from grcim.cli.main import main
from grcim.resources import bundled

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TECH_TEXT = bundled("grcim.physics.tech", "28nm.yaml").read_text(encoding="utf-8")
CSV_TABLES = ("adc_bits", "sqnr_curves", "energy_curves", "iso_energy", "operating_points")
FIGURES = ("sqnr_vs_adc_bits", "required_adc_bits", "energy_vs_dynamic_range", "iso_energy_gain")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Exit code, stdout lines and stderr text of ``grcim ARGV`` run in-process."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors exit through SystemExit
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _snapshot(d: Path) -> dict[str, bytes] | None:
    return None if not d.exists() else {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _bad_tech(tmp_path: Path) -> str:
    p = tmp_path / "bad_tech.yaml"
    p.write_text(TECH_TEXT.replace("vdd_v: 0.9", "vdd_v: -0.9"), encoding="utf-8")
    return str(p)


BAD = {
    "unknown ADC law": (["--adc-law", "sar_magic"], "--adc-law"),
    "SQNR target out of range": (["--sqnr-target", "500"], "--sqnr-target = 500"),
    "SQNR target not a number": (["--sqnr-target", "loud"], "--sqnr-target"),
    "SQNR target NaN": (["--sqnr-target", "nan"], "--sqnr-target"),
    "negative samples": (["--samples", "-3"], "--samples"),
    "too few rows": (["--rows", "3"], "--rows"),
    "zero jobs": (["--jobs", "0"], "--jobs"),
    "dynamic range too small": (["--max-dr", "0.5"], "--max-dr = 0.5"),
    "reference beyond range": (["--reference-dr", "20"], "--reference-dr = 20"),
    "missing technology file": (["--tech", "{tmp}/missing.yaml"], "missing.yaml"),
    "unknown technology node": (["--tech", "5nm"], "5nm"),
    "malformed technology file": (["--tech", "{bad_tech}"], "technology.vdd_v"),
    "unknown normalization": (["--normalization", "diagonal"], "--normalization"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_one_line_no_traceback_no_output(
        case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args, names = BAD[case]
    args = [a.format(tmp=tmp_path, bad_tech=_bad_tech(tmp_path)) for a in args]
    out = tmp_path / "out"
    code, _, err = run(["paper", "--out", str(out), *args], capsys)
    assert code != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("grcim paper: error: ")
    assert names in lines[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_bad_input_leaves_an_existing_out_directory_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "claims.json").write_text('{"old": true}\n', encoding="utf-8")
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    before = _snapshot(out)
    code, _, err = run(["paper", "--out", str(out), "--tech", _bad_tech(tmp_path)], capsys)
    assert code == 1 and len(err.splitlines()) == 1
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_tech.yaml", "out"]


def test_out_that_is_a_file_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "claims"
    target.write_text("not a directory\n", encoding="utf-8")
    code, _, err = run(["paper", "--out", str(target)], capsys)
    assert code == 1 and len(err.splitlines()) == 1 and "--out" in err
    assert target.read_text(encoding="utf-8") == "not a directory\n"


def test_console_entry_point_bad_input(tmp_path: Path) -> None:
    # the real process: python -m grcim (same entry point as the grcim console script)
    out = tmp_path / "out"
    for args, want in ((["--sqnr-target", "500"], 1), (["--adc-law", "x"], 2)):
        proc = subprocess.run([sys.executable, "-m", "grcim", "paper", "--out", str(out), *args],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == want, proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
        assert proc.stdout == ""
        assert not out.exists()


@pytest.fixture
def fewer_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operating points of the energy stage derived on 1000 instead of 3000 dot
    products, to save time (the paper derives each from a GR-MAC and a conventional part):
    for tests of the command's plumbing, not of its numbers."""
    def fewer(original):  # type: ignore[no-untyped-def]
        def part(ensemble, **kwargs: object):  # type: ignore[no-untyped-def]
            return original(ensemble.with_(n_samples=min(ensemble.n_samples, 1000)), **kwargs)
        return part

    for name in ("grmac_part", "conventional_part"):
        monkeypatch.setattr(paper_module, name, fewer(getattr(paper_module, name)))


@pytest.mark.usefixtures("fewer_samples")
def test_small_run_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("unrelated\n", encoding="utf-8")
    code, stdout, err = run(["paper", "--samples", "2000", "--max-dr", "4", "--jobs", "1",
                             "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert stdout == [str(out)]  # --quiet prints only the output directory
    names = {p.name for p in out.iterdir()}
    want = {"claims.json", "keep.txt", ".grcim-manifest.json"} | {
        f"{t}.csv" for t in CSV_TABLES} | {
        f"{f}.png" for f in FIGURES}
    assert names == want
    for f in FIGURES:
        data = (out / f"{f}.png").read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 10_000, f
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    for key in ("sqnr_target_db", "adc_law", "iso_energy_dynamic_range_gain_bits",
                "adc_bits_conventional_lower_bound", "adc_bits_grmac_upper_bound",
                "adc_bound_reduction_bits", "definitions", "settings"):
        assert key in claims, key
    assert claims["settings"]["n_samples"] == 2000
    assert claims["iso_energy_configuration"]["dynamic_range_max_bits"] == 4.0
    assert claims["adc_bound_reduction_bits"] == pytest.approx(
        claims["adc_bits_conventional_lower_bound"] - claims["adc_bits_grmac_upper_bound"])
    assert (out / "keep.txt").read_text(encoding="utf-8") == "unrelated\n"
    header = (out / "adc_bits.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:2] == ["format", "distribution"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary directory left


@pytest.mark.usefixtures("fewer_samples")
def test_a_reference_the_conventional_design_cannot_reach_is_reported_not_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 3.5 octaves on the global grid, thermal noise in the standard: the conventional
    # macro's cells exceed the capacitance ceiling; `--reference-dr 2` (and 65 nm C-2C
    # cells) once stopped the run on "reference_energy_j = inf" / "= None", with no files
    # and exit 1
    out = tmp_path / "out"
    code, _, err = run(["paper", "--samples", "2000", "--max-dr", "4", "--jobs", "1",
                        "--reference-dr", "3.5", "--noise-standard", "total",
                        "--out", str(out),
                        "--quiet"], capsys)
    assert code == 0, err
    claims = json.loads((out / "claims.json").read_text(encoding="utf-8"))
    assert claims["iso_energy_status"] == "reference_infeasible"
    assert claims["iso_energy_dynamic_range_gain_bits"] is None
    assert claims["iso_energy_reference_energy_per_mac_j"] is None
    assert claims["adc_energy_share_conventional"] is None  # not a share of 0
    rows = list(csv.DictReader((out / "iso_energy.csv").open(encoding="utf-8")))
    lost = [r for r in rows if r["status"] == "reference_infeasible"]
    assert lost and all(r["reference_energy_j"] == "" for r in lost)


def _no_monte_carlo(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Monte Carlo started before the output folder was checked")

    monkeypatch.setattr(paper_module, "run_paper", refuse)


@pytest.mark.parametrize("member", ["claims.json", "iso_energy.csv", "iso_energy_gain.png"])
@pytest.mark.parametrize("what", ["directory", "symlink"])
def test_bad_member_of_out_refused_before_any_work(
        member: str, what: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # refused only after the whole computation, with the progress lines before the error
    # (README: outputs are checked before any work)
    _no_monte_carlo(monkeypatch)
    monkeypatch.chdir(tmp_path)  # a short path: messages shorten long values
    out = Path("out")
    out.mkdir()
    if what == "directory":
        (out / member).mkdir()
    else:
        (out / member).symlink_to(tmp_path / "nowhere")
    code, stdout, err = run(["paper", "--out", "out"], capsys)
    assert code == 1
    assert stdout == [] and len(err.splitlines()) == 1, err
    kind = "directory" if what == "directory" else "symbolic link"
    assert f"--out = 'out/{member}': a file path, not a {kind}" in err
    assert sorted(p.name for p in out.iterdir()) == [member]


def test_out_member_checks_allow_regular_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # an earlier run's files are replaced, not refused: the check lets the run start
    out = tmp_path / "out"
    out.mkdir()
    (out / "claims.json").write_text("{}\n", encoding="utf-8")
    _no_monte_carlo(monkeypatch)
    with pytest.raises(AssertionError, match="Monte Carlo started"):
        main(["paper", "--out", str(out)])


def test_empty_tech_is_named_by_its_option(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["paper", "--out", str(tmp_path / "out"), "--tech", ""], capsys)
    assert code == 1 and len(err.splitlines()) == 1
    assert "--tech = ''" in err
