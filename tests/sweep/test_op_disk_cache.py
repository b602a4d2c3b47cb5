"""The on-disk operating-point cache: hits skip the Monte Carlo and return identical
numbers, damaged entries are recomputed, concurrent writers leave one whole entry, and
the operating-point function uses it once a directory is set."""

from __future__ import annotations

import dataclasses
import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grcim.physics import op_disk_cache
from grcim.physics import operating_point as opm
from grcim.physics.op_disk_cache import load_or_compute, set_cache_dir


@dataclasses.dataclass(frozen=True)
class Pair:
    a: float
    b: int


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    set_cache_dir(tmp_path)
    yield tmp_path
    set_cache_dir(None)


def test_hit_miss_and_damage(cache: Path) -> None:
    calls: list[int] = []

    def compute() -> Pair:
        calls.append(1)
        return Pair(0.1 + 0.2, 7)

    s = {"x": 1, "y": "fp8"}
    assert load_or_compute(s, compute, Pair) == Pair(0.1 + 0.2, 7)
    assert load_or_compute(s, compute, Pair) == Pair(0.1 + 0.2, 7)  # exact float back
    assert len(calls) == 1
    load_or_compute({"x": 2, "y": "fp8"}, compute, Pair)
    assert len(calls) == 2
    (entry,) = [p for p in cache.iterdir() if json.loads(p.read_text())["settings"] == s]
    entry.write_text("{not json", encoding="utf-8")
    assert load_or_compute(s, compute, Pair) == Pair(0.1 + 0.2, 7)
    assert len(calls) == 3
    assert json.loads(entry.read_text())["value"] == {"a": 0.1 + 0.2, "b": 7}


def test_off_without_a_directory(tmp_path: Path) -> None:
    set_cache_dir(None)
    calls: list[int] = []
    for _ in range(2):
        load_or_compute({"x": 1}, lambda: calls.append(1) or Pair(1.0, 1), Pair)
    assert len(calls) == 2 and not any(tmp_path.iterdir())


_WRITER = """
import sys
from pathlib import Path
from grcim.physics import op_disk_cache as c
from grcim.physics.op_disk_cache import set_cache_dir
import dataclasses

@dataclasses.dataclass(frozen=True)
class Pair:
    a: float
    b: int

d = Path(sys.argv[1])
set_cache_dir(d)
for _ in range(200):
    c._write(c._entry(d, {"k": 1}), {"k": 1}, Pair(2.5, 1))
"""


def test_concurrent_writers_leave_one_whole_entry(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)])
             for _ in range(3)]
    for p in procs:
        assert p.wait(120) == 0
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and not files[0].name.endswith(".tmp")  # no leftover temp files
    assert json.loads(files[0].read_text())["value"] == {"a": 2.5, "b": 1}


def test_operating_point_uses_the_disk_cache(cache: Path) -> None:
    # a small ensemble (400 vectors): what is checked is identity of the numbers, not them.
    # The cached function takes the ensemble's settings one by one or as one record,
    # depending on the physics version.
    if list(inspect.signature(opm._cached.__wrapped__).parameters) == ["ensemble"]:
        from grcim.physics.settings import Ensemble  # type: ignore[import-not-found]

        args: tuple[Any, ...] = (Ensemble(n_rows=16, normalization="unit", n_samples=400,
                                          seed=5),)
        direct = opm.derive_operating_point(*args)
    else:
        args = ("gaussian", "fp8_e4m3", "fp8_e4m3", 16, 35.0, "unit", "fixed", 32, 400, 5)
        direct = opm.derive_operating_point(*args[:8], n_samples=400, seed=5)
    first = opm._cached.__wrapped__(*args)
    assert [p.suffix for p in cache.iterdir()] == [".json"]
    second = opm._cached.__wrapped__(*args)  # read back from the file
    assert first == direct and second == direct
    assert dataclasses.asdict(second) == dataclasses.asdict(direct)


def test_default_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRCIM_OP_CACHE_DIR", str(tmp_path / "env"))
    assert op_disk_cache.default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv("GRCIM_OP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert op_disk_cache.default_cache_dir() == tmp_path / "xdg" / "grcim" / "operating-points"


def test_tuple_settings_hit_after_the_json_round_trip(cache: Path) -> None:
    calls: list[int] = []
    for _ in range(2):
        load_or_compute({"shape": (64, 8), "f": None}, lambda: calls.append(1) or Pair(1.0, 2),
                        Pair)
    assert len(calls) == 1


_ENSEMBLE = {"distribution": "gaussian", "input_format": "fp8_e4m3",
             "weight_format": "fp8_e4m3", "n_rows": 16, "sqnr_target_db": 35.0,
             "noise_standard": "sqnr", "thermal_margin_db": 10.0, "normalization": "unit",
             "gain_reference": "fixed", "weight_block": 32, "alignment": "global",
             "n_samples": 400, "seed": 5}


@pytest.fixture(scope="module")
def direct() -> opm.OperatingPoint:
    from grcim.physics.settings import Ensemble

    return opm.derive_operating_point(Ensemble(**_ENSEMBLE))


def _tamper(entry: Path, change: Any) -> None:
    data = json.loads(entry.read_text(encoding="utf-8"))
    if isinstance(change, str):  # raw JSON text replacing the value of a number field
        field, raw = change.split("=", 1)
        text = json.dumps(data)
        start = text.index(f'"{field}": ') + len(field) + 4
        end = min(i for i in (text.find(",", start), text.find("}", start)) if i >= 0)
        entry.write_text(text[:start] + raw + text[end:], encoding="utf-8")
        return
    change(data["value"])
    entry.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("change", [
    lambda v: v.update(gr_adc_bits=1e308),  # stored 1.96e+297 J, exit 0
    lambda v: v.update(gr_adc_bits="abc"),  # an infeasible row with a raw Python message
    lambda v: v.update(gr_adc_bits="6.5"),
    lambda v: v.update(gr_adc_bits=-1.0),
    lambda v: v.update(conv_adc_bits=65.0),
    lambda v: v.update(share_db=1e6),
    lambda v: v.update(thermal_snr_db=-60.0),
    lambda v: v.update(gr_utilization=-0.1),
    lambda v: v.update(gr_gain_octaves=1e9),
    lambda v: v.update(n_rows=17),  # not the entry of its key's ensemble
    lambda v: v.update(sqnr_target_db=40.0),
    lambda v: v.update(exponent_span=True),
    lambda v: v.update(gr_reference_exponent=1.5),
    lambda v: v.update(normalization="bogus"),
    lambda v: v.pop("gr_input_bits"),
    lambda v: v.update(extra=1.0),
    "gr_adc_bits=NaN", "gr_adc_bits=Infinity", "gr_adc_bits=1e999", "gr_adc_bits=-1e999",
])
def test_a_tampered_entry_is_recomputed_and_overwritten(cache: Path, change: Any,
                                                        direct: opm.OperatingPoint) -> None:
    # the entry was trusted as it was: cls(**value) took any JSON
    calls: list[int] = []

    def compute() -> opm.OperatingPoint:
        calls.append(1)
        return direct

    s = dict(_ENSEMBLE)
    assert load_or_compute(s, compute, opm.OperatingPoint) == direct
    (entry,) = list(cache.iterdir())
    _tamper(entry, change)
    got = load_or_compute(s, compute, opm.OperatingPoint)
    assert dataclasses.asdict(got) == dataclasses.asdict(direct) and len(calls) == 2
    assert json.loads(entry.read_text(encoding="utf-8"))["value"] == dataclasses.asdict(direct)
    assert load_or_compute(s, compute, opm.OperatingPoint) == direct and len(calls) == 2


def test_sound_entries_pass_the_check(direct: opm.OperatingPoint) -> None:
    value = json.loads(json.dumps(dataclasses.asdict(direct)))
    assert op_disk_cache.check_value(opm.OperatingPoint, value, echo=_ENSEMBLE)
    assert op_disk_cache.check_value(float, None, "x_bits")
    assert op_disk_cache.check_value(float, 6.5, "x_bits")
    assert not op_disk_cache.check_value(float, 65.0, "x_bits")
    assert not op_disk_cache.check_value(float, "6.5", "x_bits")
    assert not op_disk_cache.check_value(float, True, "x_bits")


_FIFO_READER = """
import dataclasses, os, sys
from pathlib import Path
from grcim.physics import op_disk_cache as c

@dataclasses.dataclass(frozen=True)
class Pair:
    a: float
    b: int

d = Path(sys.argv[1])
c.set_cache_dir(d)
entry = c._entry(d, {"k": 1})
os.mkfifo(entry) if sys.argv[2] == "fifo" else os.symlink("/dev/zero", entry)
print(c.load_or_compute({"k": 1}, lambda: Pair(2.5, 1), Pair))
print(entry.is_file() and not entry.is_symlink() or not entry.exists())
"""


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_in_place_of_an_entry_is_a_miss(tmp_path: Path, kind: str) -> None:
    # a FIFO there made `sweep run` and `map` hang (a plain read_text)
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    proc = subprocess.run([sys.executable, "-c", _FIFO_READER, str(tmp_path), kind],
                          capture_output=True, text=True, timeout=60, preexec_fn=limit)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["Pair(a=2.5, b=1)", "True"]
