"""The slicing and integer Monte Carlo results are cached on disk like the operating points
(grcim.physics.mc_disk_cache): a second process (another sweep worker, a second run) reads
them instead of recomputing, a changed input or another code version misses, a damaged
entry is recomputed, and a hit gives the computed value to the last bit."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grcim.physics import integer_point as ipm
from grcim.physics import mc_disk_cache as mc
from grcim.physics import slicing_point as spm
from grcim.physics.energy.macro import MacroStructure
from grcim.physics.op_disk_cache import set_cache_dir
from grcim.physics.operating_point import OperatingPoint, derive_operating_point
from grcim.physics.settings import Ensemble

ENS = Ensemble(n_rows=16, n_samples=400, seed=5)  # small: the numbers are not the point
SLICED = MacroStructure(cell_topology="bit_sliced", cell_bits=4, n_cols=64)
INT_SLICED = MacroStructure(cell_topology="bit_sliced", dac_bits=4, cell_bits=4, n_cols=64)


def _forget() -> None:
    """Empty the in-memory caches (what a new process starts with)."""
    spm.structure_slice_bits.cache_clear()  # type: ignore[attr-defined]
    spm.integer_sliced_sqnr_db.cache_clear()  # type: ignore[attr-defined]
    ipm.integer_point.cache_clear()
    ipm.integer_point.__wrapped__.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    _forget()
    set_cache_dir(tmp_path)
    yield tmp_path
    set_cache_dir(None)
    _forget()


@pytest.fixture(scope="module")
def op() -> OperatingPoint:
    return derive_operating_point(ENS)


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".json")


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


_WORKER = """
import json, sys
from grcim.physics import integer_point as ipm
from grcim.physics import slicing_point as spm
from grcim.physics.energy.macro import MacroStructure
from grcim.physics.op_disk_cache import set_cache_dir
from grcim.physics.operating_point import derive_operating_point
from grcim.physics.settings import Ensemble

set_cache_dir(sys.argv[1])
ens = Ensemble(n_rows=16, n_samples=400, seed=5)
op = derive_operating_point(ens)
if sys.argv[2] == "forbid":  # any recomputation of the slicing or integer Monte Carlo fails
    def forbidden(*args, **kwargs):
        raise AssertionError("recomputed instead of read from the cache")
    for name in ("sliced_adc_bits", "grmac_slice_bits", "conventional_slices",
                 "integer_slices", "sliced_sqnr_db"):
        setattr(spm, name, forbidden)
    ipm.integer_operands = forbidden
sliced = MacroStructure(cell_topology="bit_sliced", cell_bits=4, n_cols=64)
int_sliced = MacroStructure(cell_topology="bit_sliced", dac_bits=4, cell_bits=4, n_cols=64)
out = [spm.structure_slice_bits(ens, op, sliced, "conventional"),
       spm.structure_slice_bits(ens, op, sliced, "grmac"),
       spm.structure_slice_bits(ens, op, int_sliced, "int", (8, 8)),
       list(ipm.integer_point("gaussian", 8, 8, 16).adc_sqnr_db),
       spm.integer_sliced_sqnr_db("gaussian", 8, 8, 16, 4, 2, 4, 2, 6.0)]
print(json.dumps(out))
"""


def test_a_second_process_reads_the_results_from_disk(tmp_path: Path, op: OperatingPoint
                                                      ) -> None:
    # every sweep worker and every run recomputed the slicing Monte Carlo (8-19 s a point
    # of the edge_dse example): only the operating point was on disk
    def run(mode: str) -> list[Any]:
        proc = subprocess.run([sys.executable, "-c", _WORKER, str(tmp_path), mode],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        return list(json.loads(proc.stdout))

    first = run("compute")
    files = _entries(tmp_path)
    # three slicing results, one integer point and an integer macro's sliced SQNR (the
    # integer points of a sweep redid their slice sums in every process)
    assert len(files) == 5
    assert run("forbid") == first and _entries(tmp_path) == files
    # the numbers are the computation's, to the last bit
    direct = [spm.structure_slice_bits.__wrapped__(ENS, op, SLICED, "conventional"),
              spm.structure_slice_bits.__wrapped__(ENS, op, SLICED, "grmac"),
              spm.structure_slice_bits.__wrapped__(ENS, op, INT_SLICED, "int", (8, 8)),
              list(ipm.integer_point.__wrapped__.__wrapped__("gaussian", 8, 8, 16)
                   .adc_sqnr_db),
              spm.integer_sliced_sqnr_db.__wrapped__("gaussian", 8, 8, 16, 4, 2, 4, 2, 6.0)]
    assert first == direct


def test_hits_in_memory_and_on_disk_and_changed_inputs_miss(
        cache: Path, op: OperatingPoint, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, spm, "sliced_adc_bits")
    first = spm.structure_slice_bits(ENS, op, SLICED, "conventional")
    assert len(calls) == 1 and len(_entries(cache)) == 1
    assert spm.structure_slice_bits(ENS, op, SLICED, "conventional") == first  # memory
    _forget()
    assert spm.structure_slice_bits(ENS, op, SLICED, "conventional") == first  # disk
    assert len(calls) == 1
    # every input is part of the key: the structure, the operating point, the ensemble
    spm.structure_slice_bits(ENS, op, replace(SLICED, cell_bits=2), "conventional")
    spm.structure_slice_bits(ENS, replace(op, share_db=op.share_db + 3.0), SLICED,
                             "conventional")
    spm.structure_slice_bits(replace(ENS, seed=6), op, SLICED, "conventional")
    assert len(calls) == 4 and len(_entries(cache)) == 4
    ints = _counting(monkeypatch, ipm, "integer_operands")
    a = ipm.integer_point("gaussian", 8, 8, 16)
    _forget()
    assert ipm.integer_point("gaussian", 8, 8, 16, 3000, 0) == a  # defaults spelled out
    assert len(ints) == 1
    assert ipm.integer_point("gaussian", 8, 8, 16, seed=1) != a and len(ints) == 2
    assert ipm.integer_point("gaussian", 8, 6, 16).weight_bits == 6 and len(ints) == 3
    assert len(_entries(cache)) == 7


def test_damaged_or_other_version_entries_are_recomputed(
        cache: Path, op: OperatingPoint, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting(monkeypatch, spm, "grmac_slice_bits")
    first = spm.structure_slice_bits(ENS, op, SLICED, "grmac")
    (entry,) = _entries(cache)
    entry.write_text("{not json", encoding="utf-8")
    _forget()
    assert spm.structure_slice_bits(ENS, op, SLICED, "grmac") == first and len(calls) == 2
    data = json.loads(entry.read_text(encoding="utf-8"))  # rewritten whole
    data["code"] = "another grcim"
    entry.write_text(json.dumps(data), encoding="utf-8")
    _forget()
    assert spm.structure_slice_bits(ENS, op, SLICED, "grmac") == first and len(calls) == 3


def test_off_without_a_directory(tmp_path: Path, op: OperatingPoint,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _forget()
    set_cache_dir(None)
    calls = _counting(monkeypatch, spm, "grmac_slice_bits")
    for _ in range(2):
        _forget()
        spm.structure_slice_bits(ENS, op, SLICED, "grmac")
    assert len(calls) == 2 and not any(tmp_path.iterdir())


def test_keys_are_exact_json() -> None:
    assert mc._plain(np.int64(3)) == 3 and mc._plain(np.float64(0.1)) == 0.1
    assert mc._plain((1, 2.5)) == [1, 2.5]
    assert mc._plain(np.array([1.0, 2.0])) != mc._plain(np.array([1, 2]))  # dtype counts
    st = mc._plain(replace(SLICED, n_cols=np.array([64, 128])))
    assert st["record"] == "MacroStructure" and st["n_cols"]["array"] == [64, 128]
    with pytest.raises(TypeError):
        mc._plain(object())


def test_an_argument_without_json_form_is_not_cached(cache: Path) -> None:
    calls: list[int] = []

    @mc.disk_cached(float)
    def f(x: Any) -> float:
        calls.append(1)
        return 1.0

    token = object()
    assert f(token) == 1.0 and f(token) == 1.0
    assert len(calls) == 2 and not _entries(cache)
    assert f(2) == 1.0 and f(2) == 1.0 and len(calls) == 3 and len(_entries(cache)) == 1


@pytest.mark.parametrize("value", [1e308, -1.0, 65.0, "7.0", [7.0], {"a": 1}, "NaN",
                                   "Infinity"])
def test_a_tampered_slicing_entry_is_recomputed(cache: Path, op: OperatingPoint,
                                                monkeypatch: pytest.MonkeyPatch,
                                                value: Any) -> None:
    # read_entry's value was taken as it was: 1e308 bits priced the ADC at 1e297 J
    calls = _counting(monkeypatch, spm, "grmac_slice_bits")
    first = spm.structure_slice_bits(ENS, op, SLICED, "grmac")
    (entry,) = _entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    text = json.dumps({**data, "value": value})
    if value in ("NaN", "Infinity"):  # the JSON constants Python's json reads as floats
        text = text.replace(f'"{value}"', value)
    entry.write_text(text, encoding="utf-8")
    _forget()
    assert spm.structure_slice_bits(ENS, op, SLICED, "grmac") == first and len(calls) == 2
    assert json.loads(entry.read_text(encoding="utf-8"))["value"] == first  # overwritten


@pytest.mark.parametrize("field, value", [("adc_sqnr_db", [1e308] * 3), ("input_bits", 6),
                                          ("utilization", -1.0), ("weight_sqnr_db", "40"),
                                          ("adc_grid_bits", None)])
def test_a_tampered_integer_entry_is_recomputed(cache: Path, field: str, value: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ints = _counting(monkeypatch, ipm, "integer_operands")
    point = ipm.integer_point.__wrapped__  # the disk-cached function (the lru_cache around
    first = point("gaussian", 8, 8, 16)   # it keeps the cache_clear of this one)
    (entry,) = _entries(cache)
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["value"][field] = value
    entry.write_text(json.dumps(data), encoding="utf-8")
    _forget()
    assert point("gaussian", 8, 8, 16) == first and len(ints) == 2
    assert json.loads(entry.read_text(encoding="utf-8"))["value"][field] != value


def test_an_error_free_sqnr_is_read_back_too(cache: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # a conversion at the lossless resolution has no error: SQNR +inf, which JSON cannot
    # hold; it was written as Infinity, refused on reading and recomputed in every process
    calls = _counting(monkeypatch, spm, "integer_slices")
    args = ("gaussian", 8, 8, 16, 2, 4, 1, 8, 14.0)  # 14 bits: each column sum exact
    assert spm.integer_sliced_sqnr_db(*args) == float("inf") and len(calls) == 1
    _forget()
    assert spm.integer_sliced_sqnr_db(*args) == float("inf") and len(calls) == 1
    (entry,) = _entries(cache)
    assert "Infinity" not in entry.read_text(encoding="utf-8")


def test_one_entry_serves_every_column_count(cache: Path) -> None:
    # the slice sums do not depend on the columns, the DAC kind or a declared cell: a table
    # over n_cols once wrote one entry (of the same value) per count
    from grcim.plugins.tables import build_table

    build_table("gr_mac", {}, {"n_cols": [128, 256, 512]})
    build_table("gr_mac", {"dac_kind": "pulse"}, {"n_cols": [64, 1024]})
    slice_entries = [p for p in _entries(cache)
                     if "structure_slice_bits" in p.read_text(encoding="utf-8")]
    assert len(slice_entries) == 1
