"""Sweep spec validation: one-line errors naming file, line, key, value and what is allowed;
the CLI refuses a bad spec with exit 1, one stderr line and no store file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from grcim.arch.variables import VARIABLE_KEYS
from grcim.errors import SpecError
from grcim.sweep import load_spec
from grcim.sweep.variables import SWEEPABLE


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    text = str(info.value)
    assert "\n" not in text
    return info.value


def test_valid_tiny_spec_loads(write_spec: Callable[..., Path],
                               spec_text: Callable[..., str]) -> None:
    ls = load_spec(write_spec(spec_text("n_macros: [2, 4], sqnr_target_db: [30, 35.5]")))
    assert ls.spec.variables == {"n_macros": [2, 4], "sqnr_target_db": [30.0, 35.5]}
    assert isinstance(ls.spec.variables["n_macros"][0], int)
    assert isinstance(ls.spec.variables["sqnr_target_db"][0], float)
    assert ls.arch_kinds == {"tiny.yaml": "chip"}


def test_unknown_variable_lists_the_valid_ones(write_spec: Callable[..., Path],
                                               spec_text: Callable[..., str]) -> None:
    path = write_spec(spec_text("n_macro: [2, 4]"))
    err = _error(path)
    assert err.file == str(path) and err.key == "sweep.variables.n_macro"
    assert err.line == 3
    assert "did you mean 'n_macros'" in str(err)
    # every sweepable variable is named, and they are all arch variables
    for key in SWEEPABLE:
        assert key in err.allowed
    assert set(SWEEPABLE) == set(VARIABLE_KEYS) - {"kind", "description"}


def test_empty_grid_is_refused(write_spec: Callable[..., Path],
                               spec_text: Callable[..., str]) -> None:
    err = _error(write_spec(spec_text("n_macros: []")))
    assert err.key == "sweep.variables.n_macros" and "non-empty" in err.allowed


@pytest.mark.parametrize(("variables", "key", "fragment"), [
    ("rows: [8, 0]", "sweep.variables.rows.1", "integer > 0, <= 65536"),
    ("rows: [8, 8.5]", "sweep.variables.rows.1", "whole number"),
    ("rows: ['8']", "sweep.variables.rows.0", "a number"),
    ("input_format: [fp8_e4m3, fp9]", "sweep.variables.input_format.1", "[fp<bits>_]e<E>m<M>"),
    ("dram_kind: [lpddr5, sdram]", "sweep.variables.dram_kind.1", '"hbm3"'),
    ("sqnr_target_db: [35, 35.0]", "sweep.variables.sqnr_target_db.1", "each value once"),
    # three spellings of one format made three identical points
    ("input_format: [fp8_e4m3, E4M3]", "sweep.variables.input_format.1", "each value once"),
    ("weight_format: [e4m3, fp8-e4m3]", "sweep.variables.weight_format.1", "each value once"),
    ("sqnr_target_db: {min: 30, max: 40}", "sweep.variables.sqnr_target_db.steps",
     "required with grid"),
    ("sqnr_target_db: {min: 40, max: 30, steps: 2}", "sweep.variables.sqnr_target_db.max",
     "max must be >= min"),
    ("sqnr_target_db: {min: 1, max: 30, steps: 2}", "sweep.variables.sqnr_target_db.min",
     ">= 6"),
    ("n_macros: {min: 1, max: 3, steps: 5}", "sweep.variables.n_macros.steps", "at most 3"),
])
def test_bad_values_name_key_and_allowed(write_spec: Callable[..., Path],
                                         spec_text: Callable[..., str], variables: str,
                                         key: str, fragment: str) -> None:
    err = _error(write_spec(spec_text(variables)))
    assert err.key == key
    assert fragment in err.allowed, err.allowed


@pytest.mark.parametrize(("extra", "key", "fragment"), [
    ("  sampling: {method: grid, n: 3}", "sweep.sampling.n", "only with method random"),
    ("  sampling: {method: lhs}", "sweep.sampling.n", "required with method lhs"),
    ("  sampling: {method: sobol, n: 3}", "sweep.sampling.method", "'grid', 'random' or"),
    ("  constraints: {area_mm2: {max: 1}}", "sweep.constraints.area_mm2", "area_m2"),
    ("  constraints: {area_m2: {}}", "sweep.constraints.area_m2", "min and/or max"),
    ("  colour: red", "sweep.colour", "unknown key"),
])
def test_bad_sections(write_spec: Callable[..., Path], spec_text: Callable[..., str],
                      extra: str, key: str, fragment: str) -> None:
    err = _error(write_spec(spec_text(extra=extra)))
    assert err.key == key
    assert fragment in err.allowed, err.allowed


def test_bad_archs_and_workloads(write_spec: Callable[..., Path]) -> None:
    err = _error(write_spec("sweep:\n  archs: [no_such_chip]\n"))
    assert err.key == "sweep.archs.0" and "edge_grmac" in err.allowed
    err = _error(write_spec("sweep:\n  archs: [grmac_unit]\n"))
    assert err.key == "sweep.archs.0" and "a chip" in err.allowed
    err = _error(write_spec("sweep:\n  archs: [edge_grmac]\n  workloads: {models: [gpt5]}\n"))
    assert err.key == "sweep.workloads.models.0" and "llama3-8b" in err.allowed
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            "  variables: {n_macros: [1, 2]}\n"))
    assert err.key == "sweep.variables.n_macros" and "macro file" in err.allowed
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            "  workloads: {models: [gpt2]}\n"))
    assert err.key == "sweep.workloads"
    err = _error(write_spec("sweep:\n  archs: []\n"))
    assert err.key == "sweep.archs"
    err = _error(write_spec("arch: {}\n"))
    assert "single top-level key 'sweep'" in err.allowed


def test_cli_refuses_bad_spec_with_one_line(write_spec: Callable[..., Path],
                                            spec_text: Callable[..., str], tmp_path: Path,
                                            grcim_env: dict[str, str]) -> None:
    spec = write_spec(spec_text("rows_per_adcs: [2]"))
    store = tmp_path / "out.sqlite"
    proc = subprocess.run([sys.executable, "-m", "grcim", "sweep", "run", str(spec),
                           "--store", str(store), "--workers", "1"], capture_output=True,
                          text=True, env=grcim_env, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "sweep.variables.rows_per_adcs" in lines[0] and "rows_per_adc" in lines[0]
    assert not store.exists()


def test_bundled_specs_load() -> None:
    from grcim.sweep.spec import list_bundled_specs

    names = list_bundled_specs()
    assert {"edge_dse", "physics_adc"} <= set(names)
    for name in names:
        ls = load_spec(name)
        assert ls.spec.archs and ls.spec_hash
    with pytest.raises(SpecError, match="edge_dse"):
        load_spec("no_such_spec")


@pytest.mark.parametrize(("bound", "fragment"), [
    ("{max: .nan}", "finite"),        # NaN compares false: the constraint was off
    ('{max: "inf"}', "not text"),
    ("{max: true}", "not text"),      # was read as 1.0
    ("{min: 2.0e-5, max: 1.0e-5}", "max must be >= min"),  # every point infeasible
    ("{max: -1}", ">= 0"),
])
def test_constraint_bounds_are_finite_ordered_numbers(write_spec: Callable[..., Path],
                                                      spec_text: Callable[..., str],
                                                      bound: str, fragment: str) -> None:
    err = _error(write_spec(spec_text(extra=f"  constraints:\n    area_m2: {bound}\n")))
    assert err.key.startswith("sweep.constraints.area_m2"), err.key
    assert fragment in err.allowed, err.allowed


@pytest.mark.parametrize("workloads", ["context: [16, 16]", "phases: [decode, decode]",
                                       "models: [tiny-llama, tiny-llama]"])
def test_a_workload_value_given_twice_is_refused(write_spec: Callable[..., Path],
                                                 workloads: str) -> None:
    # one row, reported as "stored 2 of 2 points"
    key = workloads.split(":")[0]
    err = _error(write_spec("sweep:\n  archs: [tiny.yaml]\n  workloads:\n"
                            "    models_file: models.yaml\n    models: [tiny-llama]\n"
                            f"    {workloads}\n".replace("    models: [tiny-llama]\n    models:",
                                                        "    models:")))
    assert err.key.startswith(f"sweep.workloads.{key}") and "each value once" in err.allowed


def test_two_archs_with_one_name_are_refused(write_spec: Callable[..., Path],
                                             tiny_files: Path) -> None:
    # rows and reports name archs by their stem: two different chips were merged as one
    (tiny_files / "other").mkdir()
    (tiny_files / "other" / "tiny.yaml").write_text(
        (tiny_files / "tiny.yaml").read_text(encoding="utf-8").replace("n_macros: 4",
                                                                       "n_macros: 2"),
        encoding="utf-8")
    err = _error(write_spec("sweep:\n  archs: [tiny.yaml, other/tiny.yaml]\n"
                            "  workloads: {models_file: models.yaml, models: [tiny-llama]}\n"))
    assert err.key == "sweep.archs.1" and "also named 'tiny'" in err.allowed


def test_an_edited_technology_file_makes_new_points(write_spec: Callable[..., Path],
                                                    tiny_files: Path) -> None:
    # the keys hashed the arch text only: after an edit of the technology file it names,
    # a re-run kept the old rows as done, which `grcim map` then contradicted
    from grcim.resources import bundled
    from grcim.sweep.space import points

    tech = tiny_files / "t.yaml"
    tech.write_text(bundled("grcim.physics", "tech", "22nm.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    chip = tiny_files / "tiny.yaml"
    chip.write_text(chip.read_text(encoding="utf-8").replace(
        "  variables:\n", '  variables:\n    technology: "t.yaml"\n', 1), encoding="utf-8")
    spec = write_spec("sweep:\n  archs: [tiny.yaml]\n  workloads: {models_file: models.yaml, "
                      "models: [tiny-llama], phases: [decode], context: [16]}\n")
    before = load_spec(spec)
    tech.write_text(tech.read_text(encoding="utf-8").replace("adc_walden_fom_j: 2",
                                                             "adc_walden_fom_j: 3"),
                    encoding="utf-8")
    after = load_spec(spec)
    assert before.spec_hash != after.spec_hash
    assert {p.key for p in points(before)}.isdisjoint(p.key for p in points(after))


def test_variables_no_model_of_the_sweep_reads_are_refused(write_spec: Callable[..., Path]
                                                           ) -> None:
    # each stored identical rows as distinct design points, exit 0
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [edge_grmac]\n"
                            "  variables: {n_macros: [8, 16]}\n"))
    assert err.key == "sweep.variables.n_macros" and "mode: map" in err.allowed
    err = _error(write_spec("sweep:\n  archs: [edge_grmac]\n"
                            "  variables: {alignment: [global, vector_max]}\n"))
    assert err.key == "sweep.variables.alignment" and "'conventional'" in err.allowed
    err = _error(write_spec("sweep:\n  archs: [edge_conventional]\n"
                            "  variables: {gain_reference: [fixed, vector_max]}\n"))
    assert err.key == "sweep.variables.gain_reference" and "'grmac'" in err.allowed
    both = load_spec(write_spec("sweep:\n  archs: [edge_conventional, edge_grmac]\n"
                                "  variables: {alignment: [global, vector_max]}\n"))
    assert both.spec.variables["alignment"] == ["global", "vector_max"]


def _tech_copy(folder: Path, name: str = "mytech.yaml") -> Path:
    from grcim.resources import bundled

    path = folder / name
    path.write_text(bundled("grcim.physics", "tech", "28nm.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def test_a_swept_technology_file_is_keyed_by_its_content(write_spec: Callable[..., Path],
                                                         tiny_files: Path) -> None:
    # a technology file swept as a variable entered the key as a bare path: after an edit
    # a re-run stored 0 of 0 points and kept the energy priced with the old file
    from grcim.sweep.space import points

    tech = _tech_copy(tiny_files)
    spec = write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                      f"  variables: {{technology: [{tech}]}}\n")
    before = load_spec(spec)
    tech.write_text(tech.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    after = load_spec(spec)
    assert before.spec_hash != after.spec_hash
    assert {p.key for p in points(before)}.isdisjoint(p.key for p in points(after))


def test_a_relative_technology_path_is_relative_to_the_spec(write_spec: Callable[..., Path],
                                                            tiny_files: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # it resolved against the bundled arch file (inside site-packages): every point
    # infeasible with "No such file", exit 0
    tech = _tech_copy(tiny_files)
    monkeypatch.chdir(tiny_files.parent)
    ls = load_spec(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                              "  variables: {technology: [28nm, mytech.yaml]}\n"))
    assert ls.spec.variables["technology"] == ["28nm", str(tech.resolve())]
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            "  variables: {technology: [28nm, nothere.yaml]}\n"))
    assert err.key == "sweep.variables.technology.1" and err.value == "nothere.yaml"
    assert "relative to the spec file" in err.allowed


@pytest.mark.parametrize("bad", [100000000000000000000, 0, -3, 64, "aut"])
def test_adc_bits_outside_the_models_range_fail_the_spec(write_spec: Callable[..., Path],
                                                         bad: object) -> None:
    # only the type was checked: 10**20 crashed every run in the SQLite insert (traceback,
    # batch rolled back), 0 / -3 / 64 became infeasible rows
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            f"  variables: {{adc_bits: [8, {bad}]}}\n"))
    assert err.key == "sweep.variables.adc_bits.1" and "1..20" in err.allowed
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            "  variables: {adc_bits: {min: 4, max: 64, steps: 3}}\n"))
    assert err.key == "sweep.variables.adc_bits.max" and "1..20" in err.allowed
    ls = load_spec(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                              "  variables: {adc_bits: [1, 20, auto]}\n"))
    assert ls.spec.variables["adc_bits"] == [1, 20, "auto"]


def _edge_with_technology(folder: Path, where: str, tech: str = "t22.yaml") -> Path:
    """The bundled edge chip saved in ``folder`` with ``technology: tech`` among the
    attributes of all models (``where="all"``) or of its MAC node (``where="node"``)."""
    from grcim.resources import bundled

    text = bundled("grcim.arch", "chips", "edge_grmac.yaml").read_text(encoding="utf-8")
    if where == "all":
        anchor = "  extra_attributes_for_all_component_models:\n"
        text = text.replace(anchor, f'{anchor}    technology: "{tech}"\n', 1)
    else:
        anchor = '      include_terms: "mac,array,gain_stage,digital"\n'
        text = text.replace(anchor, f'{anchor}      technology: "{tech}"\n', 1)
    assert f'technology: "{tech}"' in text
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "techattr.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _keys(spec: Path) -> tuple[str, set[str]]:
    from grcim.sweep.space import points

    ls = load_spec(spec)
    return ls.spec_hash, {p.key for p in points(ls)}


@pytest.mark.parametrize("where", ["all", "node"])
def test_a_technology_file_in_attributes_keys_the_points(where: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    # only arch.variables.technology was hashed: with the file named in the attributes,
    # a re-run after an edit stored "0 of 0 points" and kept the energy of the old file
    # (2.637e-9 J where map and a fresh store give 3.180e-9 J)
    monkeypatch.chdir(tmp_path)
    tech = _tech_copy(tmp_path, "t22.yaml")
    _edge_with_technology(tmp_path, where)
    spec = tmp_path / "spec.yaml"
    spec.write_text("sweep:\n  archs: [techattr.yaml]\n  workloads: {models: [llama3-8b], "
                    "phases: [decode]}\n", encoding="utf-8")
    before = _keys(spec)
    assert _keys(spec) == before  # same files, same keys
    tech.write_text(tech.read_text(encoding="utf-8").replace("vdd_v: 0.9", "vdd_v: 1.5"),
                    encoding="utf-8")
    assert "vdd_v: 1.5" in tech.read_text(encoding="utf-8")
    after = _keys(spec)
    assert before[0] != after[0] and before[1].isdisjoint(after[1])


def test_an_attribute_technology_path_is_keyed_beside_the_arch_never_in_the_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a relative path in an arch is relative to the arch file (docs/arch.md), which is the
    # file the models read from any folder: a file of that name in the current folder is
    # neither read nor keyed
    archs, cwd = tmp_path / "archs", tmp_path / "run"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    _edge_with_technology(archs, "all")
    spec = tmp_path / "spec.yaml"
    spec.write_text("sweep:\n  archs: [archs/techattr.yaml]\n  workloads: {models: "
                    "[llama3-8b], phases: [decode]}\n", encoding="utf-8")
    in_cwd = _tech_copy(cwd, "t22.yaml")
    first = _keys(spec)
    in_cwd.write_text(in_cwd.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert _keys(spec) == first  # no file beside the arch: keyed as missing either way
    beside = _tech_copy(archs, "t22.yaml")
    second = _keys(spec)
    assert first[1].isdisjoint(second[1])
    in_cwd.write_text(in_cwd.read_text(encoding="utf-8") + "# edited again\n",
                      encoding="utf-8")
    assert _keys(spec) == second
    beside.write_text(beside.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert _keys(spec)[1].isdisjoint(second[1])


def test_a_missing_attribute_technology_file_is_keyed_as_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the models report a missing file (infeasible rows); once it exists, new points
    monkeypatch.chdir(tmp_path)
    _edge_with_technology(tmp_path, "node")
    spec = tmp_path / "spec.yaml"
    spec.write_text("sweep:\n  archs: [techattr.yaml]\n  workloads: {models: [llama3-8b], "
                    "phases: [decode]}\n", encoding="utf-8")
    missing = _keys(spec)
    _tech_copy(tmp_path, "t22.yaml")
    assert _keys(spec)[1].isdisjoint(missing[1])


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _limit_memory() -> None:  # a child that reads /dev/zero whole fails instead of the host
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "directory"])
def test_a_swept_technology_file_must_be_a_regular_file(kind: str,
                                                        write_spec: Callable[..., Path],
                                                        tiny_files: Path,
                                                        grcim_env: dict[str, str]) -> None:
    # /dev/zero was read whole (all memory, then a MemoryError traceback), a FIFO hung:
    # the rule of every file grcim reads (table, paper: regular files, capped)
    bad = {"/dev/zero": Path("/dev/zero"), "fifo": _fifo(tiny_files / "f.yaml"),
           "directory": tiny_files}[kind]
    spec = write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                      f"  variables: {{technology: [28nm, {bad}]}}\n")
    store = tiny_files / "out.sqlite"
    proc = subprocess.run([sys.executable, "-m", "grcim", "sweep", "run", str(spec),
                           "--store", str(store), "--workers", "1"], capture_output=True,
                          text=True, env=grcim_env, timeout=60, preexec_fn=_limit_memory)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "sweep.variables.technology.1" in lines[0] and str(bad) in lines[0]
    assert "a regular file" in lines[0] or "directory" in lines[0]
    assert not store.exists()


def test_a_too_large_technology_file_is_refused(write_spec: Callable[..., Path],
                                                tiny_files: Path) -> None:
    from grcim.yamlio import MAX_BYTES

    big = tiny_files / "big.yaml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            f"  variables: {{technology: [{big}]}}\n"))
    assert err.key == "sweep.variables.technology.0" and f"at most {MAX_BYTES}" in err.allowed


@pytest.mark.parametrize("where", ["variable", "all", "node"])
def test_an_arch_technology_file_must_be_a_regular_file(where: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.chdir(tmp_path)
    _fifo(tmp_path / "fifo.yaml")
    if where == "variable":
        from grcim.resources import bundled

        text = bundled("grcim.arch", "chips", "edge_grmac.yaml").read_text(encoding="utf-8")
        text = text.replace("  variables:\n", '  variables:\n    technology: "fifo.yaml"\n',
                            1)
        assert 'technology: "fifo.yaml"' in text
        (tmp_path / "techattr.yaml").write_text(text, encoding="utf-8")
    else:
        _edge_with_technology(tmp_path, where, "fifo.yaml")
    spec = tmp_path / "spec.yaml"
    spec.write_text("sweep:\n  archs: [techattr.yaml]\n  workloads: {models: [llama3-8b], "
                    "phases: [decode]}\n", encoding="utf-8")
    err = _error(spec)
    assert err.key == "sweep.archs.0" and "FIFO" in err.allowed and "fifo.yaml" in err.allowed
