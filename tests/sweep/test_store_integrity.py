"""A store whose contents were changed outside grcim (the file is still a grcim store of the
right schema version) is refused by every command that opens it, with one line naming the
store, the table, column and row and what is expected: no traceback, no report or export
file, and never a negative energy, latency, area, power, count or byte figure written with
exit 0."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from grcim.cli.main import main
from grcim.errors import SpecError
from grcim.sweep import RunOptions, Store, load_spec, run_sweep


@pytest.fixture
def good(write_spec: Callable[..., Path], spec_text: Callable[..., str], tmp_path: Path,
         op_cache: Path) -> tuple[Path, Path]:
    """(spec, store) of a finished tiny map sweep: two done rows."""
    spec = write_spec(spec_text("n_macros: [1, 2]", phases="[decode]"))
    store = tmp_path / "good.sqlite"
    run_sweep(load_spec(spec), store, RunOptions(workers=1, op_cache_dir=str(op_cache)))
    assert not Path(f"{store}-wal").exists() or Path(f"{store}-wal").stat().st_size == 0
    return spec, store


def _tampered(good: Path, tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "bad.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(good, path)
    con = sqlite3.connect(path)
    with con:
        con.executescript(sql)
    con.close()
    return path


def _refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _every_command_refuses(path: Path, spec: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str], *expected: str) -> None:
    out = tmp_path / "rep"
    csv, parquet = tmp_path / "x.csv", tmp_path / "x.parquet"
    for args in (["sweep", "status", str(path)],
                 ["sweep", "report", str(path), "--out", str(out)],
                 ["sweep", "export", str(path), "--csv", str(csv), "--parquet", str(parquet)],
                 ["sweep", "run", str(spec), "--store", str(path), "--workers", "1",
                  "--no-progress"]):
        line = _refused(capsys, args)
        assert str(path) in line and "changed outside grcim" in line, line
        for text in expected:
            assert text in line, (text, line)
    assert not out.exists() and not csv.exists() and not parquet.exists()


_ONE_ROW = "WHERE rowid = (SELECT min(rowid) FROM points)"


@pytest.mark.parametrize("sql, expected", [
    # report: TypeError in _has; export --parquet: ValueError
    ("UPDATE points SET energy_per_token_j = 'abc'", ("points.energy_per_token_j", "'abc'",
                                                      "a non-negative number or NULL")),
    ("UPDATE points SET area_m2 = x'00'", ("points.area_m2", "number or NULL")),
    ("UPDATE points SET tokens = 'many'", ("points.tokens", "number or NULL")),
    ("UPDATE points SET arch = x'41'", ("points.arch", "text")),
    # report: JSONDecodeError / AttributeError
    ("UPDATE specs SET spec_json = '{'", ("specs.spec_json", "row 1")),
    ("UPDATE specs SET spec_json = '[]'", ("specs.spec_json", "JSON object")),
    ("UPDATE specs SET spec_json = '{\"name\": 5}'", ("specs.spec_json",)),
    ("UPDATE specs SET spec_text = NULL", ("specs.spec_text", "text")),
    ("UPDATE points SET inputs_json = '{' " + _ONE_ROW, ("points.inputs_json", "key ")),
    ("UPDATE points SET inputs_json = '{\"arch\": [1]}'", ("points.inputs_json",)),
    # status, report, run: sqlite3.OperationalError
    ("DROP TABLE plan", ("plan", "missing", "a table")),
    ("DROP TABLE meta", ("meta", "missing")),
    ("ALTER TABLE specs DROP COLUMN n_points", ("specs.n_points", "missing")),
    ("ALTER TABLE points DROP COLUMN tokens_per_s", ("points.tokens_per_s", "missing")),
    # report: KeyError
    ("ALTER TABLE points ADD COLUMN foo REAL", ("points.foo", "extra column")),
    ("ALTER TABLE plan ADD COLUMN foo REAL", ("plan.foo", "extra column")),
    ("ALTER TABLE points ADD COLUMN rows TEXT", ("points.rows", "declared type INTEGER")),
    ("UPDATE meta SET value = 'both' WHERE name = 'mode'", ("meta.mode", "map or physics")),
    ("DELETE FROM meta WHERE name = 'mode'", ("meta.mode",)),
    ("UPDATE points SET n_macros = 'lots'", ("points.n_macros", "a number")),
    ("UPDATE plan SET key = x'00' WHERE key = (SELECT min(key) FROM plan)",
     ("plan.key", "text")),
])
def test_a_store_changed_outside_grcim_is_refused_in_one_line(
        good: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        sql: str, expected: tuple[str, ...]) -> None:
    spec, store = good
    bad = _tampered(store, tmp_path, sql)
    _every_command_refuses(bad, spec, tmp_path, capsys, *expected)
    with pytest.raises(SpecError, match="changed outside grcim"):
        Store.open(bad)


@pytest.mark.parametrize("column", [
    "energy_j", "energy_per_token_j", "dynamic_energy_j", "leak_energy_j", "latency_s",
    "tokens_per_s", "power_w", "area_m2", "tops_per_w", "mac_utilization",
    "adc_conversions", "dac_conversions", "dram_bytes", "sram_bytes", "cell_bits_written",
    "tokens_per_step", "batch_run", "context_run", "batch", "context", "elapsed_s",
    "energy_per_mac_j", "mac_area_m2", "adc_enob_bits",
])
def test_a_negative_figure_is_never_reported(good: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             column: str) -> None:
    # energy_j = energy_per_token_j = -1 on one row: report wrote -1.0 into pareto.csv and
    # best.csv, export --csv wrote it too, exit 0
    spec, store = good
    bad = _tampered(store, tmp_path, f"UPDATE points SET {column} = -1 {_ONE_ROW}")
    _every_command_refuses(bad, spec, tmp_path, capsys, f"points.{column}", "-1",
                           "non-negative", "row 1, key ")


def test_the_reviewers_negative_energy_row(good: tuple[Path, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    spec, store = good
    bad = _tampered(store, tmp_path,
                    f"UPDATE points SET energy_j = -1, energy_per_token_j = -1 {_ONE_ROW}")
    line = _refused(capsys, ["sweep", "report", str(bad), "--out", str(tmp_path / "r")])
    assert "points.energy_j = -1.0" in line and not (tmp_path / "r").exists()


def test_a_negative_swept_value_is_refused(good: tuple[Path, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    spec, store = good
    bad = _tampered(store, tmp_path, f"UPDATE points SET n_macros = -4 {_ONE_ROW}")
    _every_command_refuses(bad, spec, tmp_path, capsys, "points.n_macros", "-4")


def test_an_intact_store_still_opens(good: tuple[Path, Path], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    # nothing of the check refuses what grcim itself writes: NULL results of infeasible
    # rows, a variable column added by a second spec, a physics store
    spec, store = good
    s = Store.open(store)
    try:
        s.ensure_variables(["adc_bits", "input_format"])
        s.write([{**next(s.rows()), "key": "extra", "status": "infeasible", "reason": "x",
                  "energy_j": None, "adc_bits": "auto", "input_format": "int8"}])
    finally:
        s.close()
    Store.open(store).close()
    assert main(["sweep", "report", str(store), "--out", str(tmp_path / "r")]) == 0
    physics = Store.create(tmp_path / "p.sqlite", "physics")
    physics.close()
    Store.open(tmp_path / "p.sqlite").close()
