"""Design-space expansion: grid, random and Latin-hypercube sampling, workload cases, keys,
and arch variable overrides (compared with the same arch written out by hand)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from grcim.arch import load_arch, load_arch_text
from grcim.arch.loader import bundled_path
from grcim.errors import SpecError
from grcim.sweep import load_spec, points
from grcim.sweep.archload import arch_with
from grcim.sweep.space import cases, designs


def test_grid_is_the_full_product(write_spec: Callable[..., Path],
                                  spec_text: Callable[..., str]) -> None:
    ls = load_spec(write_spec(spec_text(
        "n_macros: [2, 4, 8], rows_per_adc: [2, 4], sqnr_target_db: {min: 30, max: 40, "
        "steps: 3}")))
    got = [dict(d.overrides) for d in designs(ls)]
    expected = [{"n_macros": a, "rows_per_adc": b, "sqnr_target_db": c} for a, b, c in
                itertools.product([2, 4, 8], [2, 4], [30.0, 35.0, 40.0])]
    assert got == expected
    # 18 designs x (prefill tokens 8 + decode context 16) = 36 rows, unique keys
    pts = points(ls)
    assert len(pts) == 36 and len({p.key for p in pts}) == 36
    assert len({p.design_key for p in pts}) == 18
    # keys depend on the inputs only: the same spec gives the same keys
    assert [p.key for p in points(load_spec(ls.source))] == [p.key for p in pts]


def test_workload_cases_product(write_spec: Callable[..., Path]) -> None:
    ls = load_spec(write_spec("""\
        sweep:
          archs: [tiny.yaml]
          workloads:
            models: [tiny-llama]
            models_file: models.yaml
            phases: [prefill, decode]
            batch: [1, 2]
            tokens: [4, 8]
            context: [16]
        """))
    got = [(c.phase, c.batch, c.tokens, c.context) for c in cases(ls)]  # type: ignore[union-attr]
    # model x phase x batch x (tokens for prefill | context for decode), outermost first
    assert got == [("prefill", 1, 4, None), ("prefill", 1, 8, None), ("prefill", 2, 4, None),
                   ("prefill", 2, 8, None), ("decode", 1, None, 16), ("decode", 2, None, 16)]


def test_random_sampling_draws_distinct_grid_points(write_spec: Callable[..., Path],
                                                    spec_text: Callable[..., str]) -> None:
    extra = "  sampling: {method: random, n: 7, seed: 3}"
    ls = load_spec(write_spec(spec_text("n_macros: [1, 2, 4, 8], rows_per_adc: [1, 2, 4]",
                                        extra=extra)))
    got = [dict(d.overrides) for d in designs(ls)]
    grid = [{"n_macros": a, "rows_per_adc": b} for a, b in
            itertools.product([1, 2, 4, 8], [1, 2, 4])]
    assert len(got) == 7 and all(g in grid for g in got)
    assert len({tuple(sorted(g.items())) for g in got}) == 7
    assert got == [dict(d.overrides) for d in designs(ls)]  # same seed, same points
    other = load_spec(write_spec(spec_text("n_macros: [1, 2, 4, 8], rows_per_adc: [1, 2, 4]",
                                           extra=extra.replace("seed: 3", "seed: 4"))))
    assert [dict(d.overrides) for d in designs(other)] != got
    too_many = load_spec(write_spec(spec_text("n_macros: [1, 2]", extra=extra)))
    with pytest.raises(SpecError, match="at most the 2 combinations"):
        designs(too_many)


def test_latin_hypercube_is_stratified(write_spec: Callable[..., Path],
                                       spec_text: Callable[..., str]) -> None:
    # Latin hypercube property: with n = 12 points and a dimension of 4 levels, each level
    # holds exactly 12 / 4 = 3 points; a continuous range puts exactly one point in each
    # of the 12 equal slices of [min, max].
    extra = "  sampling: {method: lhs, n: 12, seed: 1}"
    ls = load_spec(write_spec(spec_text(
        "n_macros: [1, 2, 4, 8], sqnr_target_db: {min: 20, max: 44}", extra=extra)))
    got = [dict(d.overrides) for d in designs(ls)]
    assert len(got) == 12
    assert Counter(g["n_macros"] for g in got) == {1: 3, 2: 3, 4: 3, 8: 3}
    slices = sorted(int((g["sqnr_target_db"] - 20.0) // 2.0) for g in got)
    assert slices == list(range(12))


def test_continuous_range_only_when_sampling(write_spec: Callable[..., Path],
                                             spec_text: Callable[..., str]) -> None:
    extra = "  sampling: {method: random, n: 5, seed: 0}"
    ls = load_spec(write_spec(spec_text("rows: {min: 8, max: 64, log: true}", extra=extra)))
    got = [dict(d.overrides)["rows"] for d in designs(ls)]
    assert all(isinstance(v, int) and 8 <= v <= 64 for v in got)


def test_random_sampling_of_an_integer_range_gives_n_distinct_integers(
        write_spec: Callable[..., Path], spec_text: Callable[..., str]) -> None:
    # drawing reals and rounding returned 51 of n = 100 points with no word, and gave the
    # range's end points half the weight
    variables = "n_macros: {min: 4, max: 32}, sqnr_target_db: [30, 35]"  # 29 x 2 = 58
    ls = load_spec(write_spec(spec_text(variables, extra="  sampling: {method: random, "
                                                         "n: 50, seed: 0}")))
    got = [dict(d.overrides) for d in designs(ls)]
    assert len(got) == 50 and len({tuple(sorted(g.items())) for g in got}) == 50
    assert all(isinstance(g["n_macros"], int) and 4 <= g["n_macros"] <= 32 for g in got)
    every = load_spec(write_spec(spec_text(variables, extra="  sampling: {method: random, "
                                                           "n: 58, seed: 0}")))
    assert {g["n_macros"] for g in (dict(d.overrides) for d in designs(every))} == set(
        range(4, 33))
    too_many = load_spec(write_spec(spec_text(variables, extra="  sampling: {method: "
                                                              "random, n: 100, seed: 0}")))
    with pytest.raises(SpecError, match="at most the 58 combinations"):
        designs(too_many)


def test_arch_overrides_equal_the_edited_file(chip_text: Callable[..., str]) -> None:
    base = chip_text()
    a = arch_with("tiny", "<tiny>", base, (("n_macros", 8), ("rows_per_adc", 2)))
    b = load_arch_text(chip_text(n_macros=8, rows_per_adc=2), "<tiny>", "tiny")
    assert a == b
    # the node tree follows: RowGroup fanout = rows // rows_per_adc = 8 // 2 = 4
    assert a.node("RowGroup").spatial[0].fanout == 4
    assert arch_with("tiny", "<tiny>", base) == load_arch_text(base, "<tiny>", "tiny")


def test_text_overrides_and_bundled_archs() -> None:
    handle = bundled_path("edge_grmac")
    text = handle.read_text(encoding="utf-8")
    a = arch_with("edge_grmac", str(handle), text, (("input_format", "fp8_e5m2"),
                                                     ("dram_kind", "hbm3")))
    assert a.macro.input_format == "fp8_e5m2" and a.chip.dram.kind.value == "hbm3"
    assert a.macro.weight_format == load_arch("edge_grmac").macro.weight_format
    assert a.variables["input_format"] == "fp8_e5m2"
    # node attributes written as the bare variable name follow the new value
    for node in a.nodes:
        attrs = getattr(node, "extra_attributes_for_component_model", {}) or {}
        assert attrs.get("input_format", "fp8_e5m2") == "fp8_e5m2"


def test_infeasible_combination_names_the_key(chip_text: Callable[..., str]) -> None:
    with pytest.raises(SpecError) as info:
        arch_with("tiny", "<tiny>", chip_text(), (("rows_per_adc", 3),))
    assert "rows_per_adc" in info.value.key and "must divide rows" in info.value.allowed


def test_a_float_range_gives_each_value_once(write_spec: Callable[..., Path]) -> None:
    # only integer ranges dropped repeated values: 30..30 in 3 steps stored 3 identical rows
    ls = load_spec(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                              "  variables: {sqnr_target_db: {min: 30, max: 30, steps: 3}}\n"))
    assert [d.overrides for d in designs(ls)] == [(("sqnr_target_db", 30.0),)]
    assert len(points(ls)) == 1


def test_design_points_times_workload_cases_are_bounded(
        write_spec: Callable[..., Path], spec_text: Callable[..., str]) -> None:
    # a sweep builds every point before its first row: 10^7 combinations reached 3.3 GB
    # with nothing stored after a minute; the bound is now on designs and on points
    from grcim.sweep.schema import MAX_DESIGNS, MAX_POINTS

    assert MAX_DESIGNS <= 1_000_000 and MAX_POINTS <= 1_000_000
    # 1000 x 600 = 600,000 designs (under the design bound) x 2 cases = 1.2 M points
    ls = load_spec(write_spec(spec_text(
        "n_macros: {min: 1, max: 1000, steps: 1000}, "
        "sqnr_target_db: {min: 30, max: 40, steps: 600}")))
    with pytest.raises(SpecError, match=r"600000 design points x 2 workload cases"):
        points(ls)
    # 2,000,000 combinations: the design bound, before any point is built
    ls = load_spec(write_spec(spec_text(
        "n_macros: {min: 1, max: 2000, steps: 2000}, "
        "sqnr_target_db: {min: 30, max: 40, steps: 1000}")))
    with pytest.raises(SpecError, match=r"at most 1000000 design points"):
        points(ls)
