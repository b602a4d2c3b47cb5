"""Constraint verdicts follow the spec that ran last: a store extended with
``--force-append`` by a spec that adds, drops or loosens a bound has the same statuses,
counts, reasons and report files as a fresh store of that spec (the results are reused, not
recomputed); the most frequent reasons count a bound once, whatever the violating values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grcim.arch import load_arch_text
from grcim.mapper import map_workload
from grcim.sweep import RunOptions, Store, load_spec, run_sweep
from grcim.sweep.report import build_report


@pytest.fixture
def opts(op_cache: Path) -> RunOptions:
    return RunOptions(workers=1, op_cache_dir=str(op_cache))


@pytest.fixture
def areas(chip_text: Callable[..., str], tiny_files: Path) -> dict[int, float]:
    """Chip area of each n_macros, from a direct mapping (MAC cells of 1 µm² each make it
    grow with n_macros)."""
    out = {}
    for n in (1, 2, 4):
        arch = load_arch_text(chip_text(n_macros=n), "<t>", "tiny")
        out[n] = map_workload(arch, "tiny-llama", "decode", context=16,
                              models_file=str(tiny_files / "models.yaml")).area_m2
    assert out[1] < out[2] < out[4]
    return out


def _spec(write_spec: Callable[..., Path], spec_text: Callable[..., str], name: str,
          bound: float | None) -> Any:
    extra = "" if bound is None else f"  constraints: {{area_m2: {{max: {bound!r}}}}}\n"
    return load_spec(write_spec(spec_text("n_macros: [1, 2, 4]", phases="[decode]",
                                          extra=extra), name=name))


def _state(path: Path) -> tuple[dict[str, tuple[str, str | None]], dict[str, int],
                                dict[str, Any]]:
    store = Store.open(path)
    try:
        rows = {r["key"]: (r["status"], r["reason"]) for r in store.rows()}
        counts = store.counts()
        report = build_report(store)
    finally:
        store.close()
    files = {k: v for k, v in report.items() if k.endswith(".csv")}
    return rows, counts, files


@pytest.mark.parametrize(("first", "then"), [
    (None, "mid"),     # a bound added: rows above it become infeasible
    ("mid", None),     # the bound dropped: they are done again
    ("mid", "loose"),  # the bound loosened above every area
    ("loose", "low"),  # tightened below every area but the smallest
])
def test_force_append_verdicts_equal_a_fresh_store(
        first: str | None, then: str | None, write_spec: Callable[..., Path],
        spec_text: Callable[..., str], areas: dict[int, float], tmp_path: Path,
        opts: RunOptions) -> None:
    bound = {None: None, "mid": (areas[2] + areas[4]) / 2, "loose": 2 * areas[4],
             "low": (areas[1] + areas[2]) / 2}
    a = _spec(write_spec, spec_text, "a.yaml", bound[first])
    b = _spec(write_spec, spec_text, "b.yaml", bound[then])
    run_sweep(a, tmp_path / "appended.sqlite", opts)
    again = run_sweep(b, tmp_path / "appended.sqlite",
                      RunOptions(**{**opts.__dict__, "force_append": True}))
    assert again.todo == 0 and again.written == 0  # nothing recomputed
    run_sweep(b, tmp_path / "fresh.sqlite", opts)
    appended, fresh = _state(tmp_path / "appended.sqlite"), _state(tmp_path / "fresh.sqlite")
    assert appended == fresh
    # and the verdicts are the bound's, worked out from the areas
    limit = bound[then]
    done = sum(1 for n in areas if limit is None or areas[n] <= limit)
    assert fresh[1]["done"] == done and fresh[1]["infeasible"] == 3 - done
    changed = sum(1 for n in areas if (bound[first] is None or areas[n] <= bound[first])
                  != (limit is None or areas[n] <= limit))
    assert again.rejudged == changed


def test_the_spec_named_current_is_the_one_that_ran_last(
        write_spec: Callable[..., Path], spec_text: Callable[..., str],
        areas: dict[int, float], tmp_path: Path, opts: RunOptions) -> None:
    a = _spec(write_spec, spec_text, "a.yaml", None)
    b = _spec(write_spec, spec_text, "b.yaml", (areas[2] + areas[4]) / 2)
    appending = RunOptions(**{**opts.__dict__, "force_append": True})
    for ls in (a, b, a):
        run_sweep(ls, tmp_path / "s.sqlite", appending)
    store = Store.open(tmp_path / "s.sqlite")
    try:
        assert store.specs()[-1]["spec_hash"] == a.spec_hash  # was b: first recorded last
        assert store.counts()["infeasible"] == 0
    finally:
        store.close()


def test_reasons_are_counted_per_bound_not_per_value(
        write_spec: Callable[..., Path], spec_text: Callable[..., str],
        areas: dict[int, float], tmp_path: Path, opts: RunOptions) -> None:
    b = _spec(write_spec, spec_text, "b.yaml", (areas[1] + areas[2]) / 2)
    run_sweep(b, tmp_path / "s.sqlite", opts)
    store = Store.open(tmp_path / "s.sqlite")
    try:
        reasons = store.failures(5)
        stored = {r["reason"] for r in store.rows("status = 'infeasible'")}
    finally:
        store.close()
    assert len(stored) == 2  # each row keeps its own value
    limit = f"{(areas[1] + areas[2]) / 2:.6g}"
    assert reasons == [(f"constraint area_m2 > max {limit}", 2)]
