"""Running sweeps in this process: rows equal a direct ``map_workload`` of the same arch
written out by hand; constraints and invalid combinations become ``infeasible`` rows;
resume computes only what is missing; ``--retry-failed``; store refusals write nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import grcim.sweep.evaluate as evaluate
from grcim.arch import load_arch_text
from grcim.errors import SpecError
from grcim.mapper import MapOptions, map_workload
from grcim.sweep import RunOptions, Store, load_spec, points, run_sweep


@pytest.fixture
def opts(op_cache: Path) -> RunOptions:
    return RunOptions(workers=1, op_cache_dir=str(op_cache))


def _rows(path: Path) -> dict[tuple[Any, ...], dict[str, Any]]:
    store = Store.open(path)
    try:
        return {(r["n_macros"], r["phase"]): r for r in store.rows()}
    finally:
        store.close()


def test_rows_equal_direct_mapping(write_spec: Callable[..., Path],
                                   spec_text: Callable[..., str], chip_text: Callable[..., str],
                                   tiny_files: Path, tmp_path: Path, opts: RunOptions) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [2, 4]")))
    summary = run_sweep(ls, tmp_path / "s.sqlite", opts)
    assert summary.counts == {"done": 4, "infeasible": 0, "failed": 0, "pending": 0,
                              "total": 4}
    rows = _rows(tmp_path / "s.sqlite")
    for n in (2, 4):
        arch = load_arch_text(chip_text(n_macros=n), "<tiny>", "tiny")
        for phase, kw in (("prefill", {"tokens": 8}), ("decode", {"context": 16})):
            r = map_workload(arch, "tiny-llama", phase, models_file=str(tiny_files /
                             "models.yaml"), options=MapOptions(keep_ops=False), **kw)
            row = rows[n, phase]
            assert row["status"] == "done" and row["reason"] is None
            assert row["energy_j"] == r.energy_j
            assert row["latency_s"] == r.latency_s
            assert row["tokens_per_s"] == r.tokens_per_s
            assert row["area_m2"] == r.area_m2
            assert row["power_w"] == pytest.approx(r.energy_j / r.latency_s, rel=1e-15, abs=0)
            assert row["adc_conversions"] == r.adc_conversions
            assert row["pipeline"] == "int" and row["arch"] == "tiny"
            assert row["grcim_version"] and row["spec_hash"] == ls.spec_hash


def test_constraints_and_invalid_combinations_are_infeasible(
        write_spec: Callable[..., Path], spec_text: Callable[..., str],
        chip_text: Callable[..., str], tmp_path: Path, opts: RunOptions) -> None:
    # every MAC cell adds 1 µm² (conftest), so the 4-macro chip is larger than the 2-macro
    # one; the area bound lies between their areas (from a direct mapping)
    a2 = load_arch_text(chip_text(n_macros=2), "<t>", "tiny")
    a4 = load_arch_text(chip_text(n_macros=4), "<t>", "tiny")
    area2 = map_workload(a2, "tiny-llama", "decode", context=16,
               models_file=str(tmp_path / "models.yaml")).area_m2
    area4 = map_workload(a4, "tiny-llama", "decode", context=16,
               models_file=str(tmp_path / "models.yaml")).area_m2
    assert area2 < area4
    bound = (area2 + area4) / 2
    ls = load_spec(write_spec(spec_text(
        "n_macros: [2, 4], rows_per_adc: [4, 3]", phases="[decode]",
        extra=f"  constraints: {{area_m2: {{max: {bound!r}}}}}")))
    run_sweep(ls, tmp_path / "s.sqlite", opts)
    store = Store.open(tmp_path / "s.sqlite")
    rows = {(r["n_macros"], r["rows_per_adc"]): r for r in store.rows()}
    store.close()
    assert rows[2, 4]["status"] == "done"
    assert rows[4, 4]["status"] == "infeasible"
    assert rows[4, 4]["reason"].startswith("constraint area_m2 = ")
    assert rows[4, 4]["area_m2"] == area4  # results of a constraint violation are kept
    for n in (2, 4):
        r = rows[n, 3]
        assert r["status"] == "infeasible" and r["energy_j"] is None
        assert "rows_per_adc" in r["reason"] and "must divide rows" in r["reason"]


def test_resume_computes_only_what_is_missing(write_spec: Callable[..., Path],
                                              spec_text: Callable[..., str], tmp_path: Path,
                                              opts: RunOptions) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [1, 2, 4]")))
    store = tmp_path / "s.sqlite"
    first = run_sweep(ls, store, opts)
    assert first.todo == 6 and first.written == 6
    con = sqlite3.connect(store)  # crash safety: a write-ahead log, a grcim application id
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x6772636D
    con.close()
    again = run_sweep(ls, store, opts)
    assert again.todo == 0 and again.already == 6 and again.written == 0
    con = sqlite3.connect(store)
    with con:
        con.execute("DELETE FROM points WHERE n_macros = 2")
        kept = {r[0]: r[1] for r in con.execute("SELECT key, finished_at FROM points")}
    con.close()
    third = run_sweep(ls, store, opts)
    assert third.todo == 2 and third.written == 2
    con = sqlite3.connect(store)
    after = {r[0]: r[1] for r in con.execute("SELECT key, finished_at FROM points")}
    con.close()
    assert len(after) == 6 and all(after[k] == kept[k] for k in kept)  # untouched rows


def test_retry_failed(write_spec: Callable[..., Path], spec_text: Callable[..., str],
                      tmp_path: Path, opts: RunOptions, monkeypatch: pytest.MonkeyPatch) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [1, 2]", phases="[decode]")))
    store = tmp_path / "s.sqlite"
    real = evaluate._map_row

    def broken(ctx: Any, chip: Any, case: Any) -> Any:
        if chip.n_macros == 2:
            raise ZeroDivisionError("simulated bug")
        return real(ctx, chip, case)

    monkeypatch.setattr(evaluate, "_map_row", broken)
    run_sweep(ls, store, opts)
    rows = {r["n_macros"]: r for r in Store.open(store).rows()}
    assert rows[2]["status"] == "failed"
    assert rows[2]["reason"].startswith("ZeroDivisionError: simulated bug (at ")
    assert rows[1]["status"] == "done"
    monkeypatch.setattr(evaluate, "_map_row", real)
    assert run_sweep(ls, store, opts).todo == 0  # failures stay without --retry-failed
    retry = run_sweep(ls, store, RunOptions(workers=1, retry_failed=True,
                                            op_cache_dir=opts.op_cache_dir))
    assert retry.todo == 1 and retry.written == 1
    s = Store.open(store)
    assert s.counts()["done"] == 2 and s.counts()["failed"] == 0
    assert len(list(s.rows())) == 2
    s.close()


def test_store_from_another_spec_or_version_is_refused(
        write_spec: Callable[..., Path], spec_text: Callable[..., str], tmp_path: Path,
        opts: RunOptions) -> None:
    store = tmp_path / "s.sqlite"
    a = load_spec(write_spec(spec_text("n_macros: [1, 2]", phases="[decode]"), "a.yaml"))
    b = load_spec(write_spec(spec_text("n_macros: [1, 2, 4]", phases="[decode]"), "b.yaml"))
    run_sweep(a, store, opts)
    before = store.read_bytes()
    with pytest.raises(SpecError, match="--force-append"):
        run_sweep(b, store, opts)
    assert store.read_bytes() == before
    # --force-append adds the new spec's points; shared points are not recomputed
    out = run_sweep(b, store, RunOptions(workers=1, force_append=True,
                                         op_cache_dir=opts.op_cache_dir))
    assert out.already == 2 and out.written == 1
    con = sqlite3.connect(store)
    with con:
        con.execute("UPDATE meta SET value = '0.0.1' WHERE name = 'grcim_version'")
    con.close()
    with pytest.raises(SpecError, match="written by grcim 0.0.1"):
        run_sweep(b, store, opts)


def test_foreign_files_are_refused_and_untouched(write_spec: Callable[..., Path],
                                                 spec_text: Callable[..., str],
                                                 tmp_path: Path, opts: RunOptions) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [1]", phases="[decode]")))
    text = tmp_path / "notes.sqlite"
    text.write_text("my notes\n", encoding="utf-8")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    with con:
        con.execute("CREATE TABLE t (x)")
        con.execute("INSERT INTO t VALUES (1)")
    con.close()
    damaged = tmp_path / "damaged.sqlite"
    run_sweep(ls, damaged, opts)
    raw = bytearray(damaged.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # overwrite the schema page
    damaged.write_bytes(bytes(raw))
    for path, why in ((text, "not an SQLite database"), (other, "another program"),
                      (damaged, "intact")):
        before = path.read_bytes()
        with pytest.raises(SpecError, match=why):
            run_sweep(ls, path, opts)
        with pytest.raises(SpecError):
            Store.open(path)
        assert path.read_bytes() == before


def test_points_are_stored_once_and_keys_match(write_spec: Callable[..., Path],
                                               spec_text: Callable[..., str], tmp_path: Path,
                                               opts: RunOptions) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [1, 2], rows: [8, 16]")))
    run_sweep(ls, tmp_path / "s.sqlite", RunOptions(workers=1, batch_size=3,
                                                    op_cache_dir=opts.op_cache_dir))
    s = Store.open(tmp_path / "s.sqlite")
    keys = [r["key"] for r in s.rows()]
    s.close()
    assert sorted(keys) == sorted(p.key for p in points(ls))


def test_an_integer_sqlite_cannot_hold_is_refused_before_the_batch(tmp_path: Path) -> None:
    # sqlite3 raised OverflowError inside the transaction: a traceback, on every re-run
    s = Store.create(tmp_path / "s.sqlite", "physics")
    s.ensure_variables(["rows_per_adc"])
    row = {"key": "k", "design_key": "d", "spec_hash": "h", "grcim_version": "v",
           "status": "done", "arch": "a", "inputs_json": "{}", "rows_per_adc": 10**20}
    with pytest.raises(SpecError) as info:
        s.write([row])
    assert info.value.key == "rows_per_adc" and "\n" not in str(info.value)
    assert s.counts()["done"] == 0
    s.close()
