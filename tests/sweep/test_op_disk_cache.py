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
