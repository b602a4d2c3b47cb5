"""A report over a store extended with ``--force-append`` never puts rows of different
workloads on one front: two models files that both define ``tiny-llama`` (different
shapes), or ``replicate`` on and off, make groups of their own, named apart; two arch files
of one stem are labelled by their text's hash. Each group's front equals the front of a
store of that spec alone."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from grcim.sweep import RunOptions, Store, load_spec, run_sweep
from grcim.sweep.report import build_report


@pytest.fixture
def opts(op_cache: Path) -> RunOptions:
    return RunOptions(workers=1, op_cache_dir=str(op_cache))


def _report(path: Path) -> dict[str, Any]:
    store = Store.open(path)
    try:
        return build_report(store)
    finally:
        store.close()


def _front(files: dict[str, Any]) -> dict[str, list[str]]:
    """group -> keys of its front rows (pareto.csv)."""
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(files["pareto.csv"])):
        out.setdefault(row["group"], []).append(row["key"])
    return out


def _append(specs: list[Any], path: Path, opts: RunOptions) -> None:
    for ls in specs:
        run_sweep(ls, path, RunOptions(**{**opts.__dict__, "force_append": True}))


def test_two_models_files_naming_one_model_are_two_groups(
        write_spec: Callable[..., Path], spec_text: Callable[..., str], tiny_files: Path,
        tmp_path: Path, opts: RunOptions) -> None:
    models = yaml.safe_load((tiny_files / "models.yaml").read_text(encoding="utf-8"))
    models["models"]["tiny-llama"]["d_ff"] *= 4  # same name, another shape
    (tiny_files / "wide.yaml").write_text(yaml.safe_dump(models), encoding="utf-8")
    body = spec_text("n_macros: [1, 2, 4]", phases="[decode]")
    a = load_spec(write_spec(body, name="a.yaml"))
    b = load_spec(write_spec(body.replace("models.yaml", "wide.yaml"), name="b.yaml"))
    _append([a, b], tmp_path / "mix.sqlite", opts)
    run_sweep(a, tmp_path / "a.sqlite", opts)
    run_sweep(b, tmp_path / "b.sqlite", opts)
    mixed = _front(_report(tmp_path / "mix.sqlite"))
    alone = [next(iter(_front(_report(tmp_path / f"{s}.sqlite")).values())) for s in "ab"]
    assert len(mixed) == 2  # was one group holding six rows of two different models
    names = sorted(mixed)
    assert any("models models.yaml" in n for n in names)
    assert any("models wide.yaml" in n for n in names)
    assert sorted(map(sorted, mixed.values())) == sorted(map(sorted, alone))
    report = _report(tmp_path / "mix.sqlite")["report.md"]
    assert report.count("of 3 done design points are non-dominated") == 2


def test_replicate_on_and_off_are_two_groups(
        write_spec: Callable[..., Path], spec_text: Callable[..., str], tmp_path: Path,
        opts: RunOptions) -> None:
    body = spec_text("n_macros: [1, 2]", phases="[decode]")
    a = load_spec(write_spec(body, name="a.yaml"))
    b = load_spec(write_spec(body + "  replicate: false\n", name="b.yaml"))
    _append([a, b], tmp_path / "mix.sqlite", opts)
    groups = _front(_report(tmp_path / "mix.sqlite"))
    assert sorted(n.rsplit(", ", 1)[1] for n in groups) == ["replicate off", "replicate on"]


def test_two_arch_files_of_one_stem_are_labelled_apart(
        write_spec: Callable[..., Path], chip_text: Callable[..., str], tiny_files: Path,
        tmp_path: Path, opts: RunOptions) -> None:
    for folder, n in (("x", 1), ("y", 4)):
        (tiny_files / folder).mkdir()
        (tiny_files / folder / "tiny.yaml").write_text(chip_text(n_macros=n),
                                                        encoding="utf-8")
    specs = [load_spec(write_spec(f"""\
        sweep:
          archs: [{folder}/tiny.yaml]
          workloads: {{models: [tiny-llama], models_file: models.yaml, phases: [decode],
                      context: [16]}}
        """, name=f"{folder}.yaml")) for folder in "xy"]
    _append(specs, tmp_path / "mix.sqlite", opts)
    files = _report(tmp_path / "mix.sqlite")
    archs = {r["arch"] for r in csv.DictReader(io.StringIO(files["best.csv"]))}
    assert len(archs) == 2 and all(a.startswith("tiny (sha256 ") for a in archs)
