"""Pareto fronts against the definition, variable effects by hand, the report files and
the status / export commands."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from grcim.cli.main import main
from grcim.sweep import RunOptions, Store, load_spec, run_sweep
from grcim.sweep.pareto import best_rows, pareto_mask, variable_effects


def _dominated_by_definition(v: np.ndarray, senses: list[str]) -> np.ndarray:
    """Row i is dominated when some row j is no worse everywhere and better somewhere
    (one row at a time, independently of the blocked code under test)."""
    c = v * np.array([1.0 if s == "min" else -1.0 for s in senses])
    return np.array([bool(np.any(np.all(c <= c[i], axis=1) & np.any(c < c[i], axis=1)))
                     for i in range(len(c))])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pareto_mask_matches_the_definition(seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 6, size=(700, 3)).astype(float)  # ties included; > one 512-row block
    senses = ["min", "max", "min"]
    assert np.array_equal(pareto_mask(v, senses), ~_dominated_by_definition(v, senses))


def test_pareto_small_case_by_hand() -> None:
    # (J/token, tokens/s): a=(1, 10) b=(2, 20) c=(2, 5) d=(1, 10): c is dominated by a, a
    # and d tie (neither dominates the other), b trades energy for speed
    v = np.array([[1, 10], [2, 20], [2, 5], [1, 10]], dtype=float)
    assert pareto_mask(v, ["min", "max"]).tolist() == [True, True, False, True]


def test_effects_and_bests_by_hand() -> None:
    rows = [{"x": 1, "e": 4.0, "t": 1.0}, {"x": 1, "e": 2.0, "t": 3.0},
            {"x": 2, "e": 10.0, "t": 2.0}, {"x": 2, "e": 6.0, "t": 9.0},
            {"x": 2, "e": 8.0, "t": None}]
    (eff,) = variable_effects(rows, ["x"], ["e"])
    assert eff.values == (1, 2) and eff.medians == (3.0, 8.0) and eff.counts == (2, 3)
    assert eff.spread == pytest.approx(8.0 / 3.0)
    best = best_rows(rows, [("e", "min"), ("t", "max")])
    assert best["e"]["e"] == 2.0 and best["t"]["t"] == 9.0


def test_report_status_export(write_spec: Callable[..., Path], spec_text: Callable[..., str],
                              tmp_path: Path, op_cache: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [1, 2, 4], rows_per_adc: [2, 4, 3]")))
    store = tmp_path / "s.sqlite"
    run_sweep(ls, store, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    out = tmp_path / "rep"
    assert main(["sweep", "report", str(store), "--out", str(out)]) == 0
    for name in ("report.md", "report.html", "pareto.csv", "best.csv", "effects.csv",
                 "spec.yaml", "figures/pareto_1.png", "figures/pareto_2.png",
                 "figures/effects_1.png"):
        assert (out / name).is_file(), name
    assert (out / "spec.yaml").read_text(encoding="utf-8") == ls.text
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Pareto front" in html
    # pareto.csv holds exactly the non-dominated done rows of each workload case
    s = Store.open(store)
    rows = [r for r in s.rows() if r["status"] == "done"]
    s.close()
    front = list(csv.DictReader(io.StringIO((out / "pareto.csv").read_text())))
    for phase in ("prefill", "decode"):
        mine = [r for r in rows if r["phase"] == phase]
        v = np.array([[r["energy_per_token_j"], r["tokens_per_s"], r["area_m2"]]
                      for r in mine])
        keep = ~_dominated_by_definition(v, ["min", "max", "min"])
        expected = {r["key"] for r, k in zip(mine, keep, strict=True) if k}
        got = {r["key"] for r in front if f" {phase}," in r["group"]}
        assert got == expected and got
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "must divide rows" in md  # the infeasible reason (rows_per_adc 3) is summarized
    capsys.readouterr()
    assert main(["sweep", "status", str(store)]) == 0
    text = capsys.readouterr().out
    # 3 x 3 designs x 2 phases: rows_per_adc 3 does not divide 8 rows -> 6 infeasible
    assert "done" in text and "12" in text and "infeasible" in text and " 6 " in text
    assert main(["sweep", "export", str(store), "--csv", str(tmp_path / "a.csv"),
                 "--parquet", str(tmp_path / "a.parquet")]) == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text())))
    assert len(table) == 18 and {r["key"] for r in table} == {r["key"] for r in
                                                              Store.open(store).rows()}
    pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")
    t = pq.read_table(tmp_path / "a.parquet")
    assert t.num_rows == 18
    assert sorted(t.column("energy_j").to_pylist(), key=lambda x: (x is None, x)) == sorted(
        [float(r["energy_j"]) if r["energy_j"] else None for r in table],
        key=lambda x: (x is None, x))
    assert str(t.schema.field("n_macros").type) == "int64"
    # declared types hold with nulls and when every value is null (infeasible rows have no
    # energy; a map sweep has no energy_per_mac_j): int64 / float64, not float64 / string
    assert str(t.schema.field("tokens").type) == "int64"
    assert str(t.schema.field("energy_per_mac_j").type) == "double"
    assert str(t.schema.field("energy_j").type) == "double"


def test_cli_errors_for_status_and_export(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.sqlite"
    assert main(["sweep", "status", str(missing)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "an existing sweep store" in err[0]
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"hello")
    assert main(["sweep", "report", str(junk), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an SQLite database" in err[0]
    assert junk.read_bytes() == b"hello" and not (tmp_path / "r").exists()
    assert main(["sweep", "export", str(junk)]) == 1
    assert "at least one output file" in capsys.readouterr().err


def test_rows_of_a_spec_that_did_not_sweep_an_objective_are_never_dropped_silently(
        write_spec: Callable[..., Path], tmp_path: Path, op_cache: Path) -> None:
    # a second spec sweeping sqnr_target_db (then a Pareto objective) appended with
    # --force-append: the first spec's rows (NULL there) vanished from the report,
    # "0 of 0 done design points are non-dominated" with 6 done rows
    from grcim.resources import bundled
    from grcim.sweep.report import build_report

    (tmp_path / "conv2.yaml").write_text(bundled("grcim.arch", "macros",
                                                 "conventional_fp_cim.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    fa1 = write_spec(f"sweep:\n  mode: physics\n  archs: [grmac_unit, {tmp_path}/conv2.yaml]\n"
                     "  variables: {rows_per_adc: [32, 64]}\n", "fa1.yaml")
    fa2 = write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                     "  variables: {sqnr_target_db: [30, 35]}\n", "fa2.yaml")
    store = tmp_path / "fa.sqlite"
    run_sweep(load_spec(fa1), store, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    run_sweep(load_spec(fa2), store, RunOptions(workers=1, op_cache_dir=str(op_cache),
                                                force_append=True))
    s = Store.open(store)
    assert s.counts()["done"] == 6
    report = build_report(s)
    s.close()
    md = str(report["report.md"])
    # grmac_unit's own SQNR target (35 dB) for the 2 rows of fa1 on the bundled macro; the
    # 2 rows on the copied file cannot be read back, and the report says so
    assert "2 done rows had no sqnr_target_db" in md
    assert "of 4 done design points are non-dominated" in md
    assert "2 done rows are left out: no value of sqnr_target_db (2 rows)" in md
    pareto = list(csv.DictReader(io.StringIO(str(report["pareto.csv"]))))
    assert pareto and all(r["sqnr_target_db"] for r in pareto)


def test_an_unswept_chip_part_value_is_read_from_that_part() -> None:
    # the owner of a field was picked by its model's class name, and every model other than
    # Arch and ChipSpec fell back to the macro: an SRAM, DRAM or vector-unit default was
    # looked up on the macro and never filled back
    from grcim.arch.chip import ChipSpec
    from grcim.arch.variables import GROUP_MODELS
    from grcim.sweep.report import _arch_values, _owner

    arch = _arch_values("edge_grmac", "{}")["__arch__"]  # type: ignore[index]
    chip = arch.chip
    assert _owner(arch, GROUP_MODELS["sram"]) is chip.sram
    assert _owner(arch, GROUP_MODELS["dram"]) is chip.dram
    assert _owner(arch, GROUP_MODELS["vector"]) is chip.vector
    assert _owner(arch, GROUP_MODELS["macro"]) is arch.macro
    assert _owner(arch, ChipSpec) is chip
    macro_only = _arch_values("grmac_row", "{}")["__arch__"]  # type: ignore[index]
    assert _owner(macro_only, GROUP_MODELS["sram"]) is None
