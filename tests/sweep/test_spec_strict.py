"""The sweep spec is strict YAML (docs/sweep.md: "numbers are numbers, text is text"): text,
booleans and decimals are never turned into integers or flags; null is no sweep value;
a misspelled bundled technology and a missing arch or models file fail the spec with one
line naming the spec file and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grcim.errors import SpecError
from grcim.sweep import load_spec


def _error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert "\n" not in str(info.value)
    return info.value


_WORKLOADS = "  workloads: {{models: [tiny-llama], models_file: models.yaml, {}}}\n"


@pytest.mark.parametrize(("section", "key", "value", "fragment"), [
    # each was coerced before: true -> 1, "2" -> 2, 2.0 -> 2, "no" -> false, "yes" -> true
    (_WORKLOADS.format("batch: [true]"), "sweep.workloads.batch.0", True, "an integer"),
    (_WORKLOADS.format('batch: ["2"]'), "sweep.workloads.batch.0", "2", "an integer"),
    (_WORKLOADS.format("batch: [2.0]"), "sweep.workloads.batch.0", 2.0, "an integer"),
    (_WORKLOADS.format('phases: [decode], context: ["8"]'), "sweep.workloads.context.0",
     "8", "an integer"),
    ('  replicate: "no"\n', "sweep.replicate", "no", "true or false"),
    ("  replicate: 0\n", "sweep.replicate", 0, "true or false"),
    ('  sampling: {method: random, n: "2"}\n', "sweep.sampling.n", "2", "an integer"),
    ('  sampling: {method: random, n: 2, seed: "3"}\n', "sweep.sampling.seed", "3",
     "an integer"),
    ("  name: 5\n", "sweep.name", 5, "text"),
])
def test_text_booleans_and_decimals_are_not_coerced(
        write_spec: Callable[..., Path], section: str, key: str, value: object,
        fragment: str) -> None:
    err = _error(write_spec("sweep:\n  archs: [tiny.yaml]\n  variables: {n_macros: [2, 4]}\n"
                            + section))
    assert err.key == key
    assert err.value == value and type(err.value) is type(value)
    assert fragment in err.allowed, err.allowed


@pytest.mark.parametrize(("rng", "key", "fragment"), [
    ('{min: "30", max: 31, steps: 2}', "min", "a number"),
    ("{min: 30, max: 31, steps: 2.0}", "steps", "an integer"),
    ('{min: 30, max: 31, steps: 2, log: "yes"}', "log", "true or false"),
    ("{min: 30, max: 31, steps: 2, log: 1}", "log", "true or false"),
])
def test_range_keys_are_strict(write_spec: Callable[..., Path], rng: str, key: str,
                               fragment: str, spec_text: Callable[..., str]) -> None:
    err = _error(write_spec(spec_text(f"sqnr_target_db: {rng}")))
    assert err.key == f"sweep.variables.sqnr_target_db.{key}"
    assert fragment in err.allowed, err.allowed


def test_a_boolean_range_end_is_no_number(write_spec: Callable[..., Path],
                                          spec_text: Callable[..., str]) -> None:
    err = _error(write_spec(spec_text("n_macros: {min: true, max: 8, steps: 2}")))
    assert err.key == "sweep.variables.n_macros.min" and err.value is True


def test_two_values_that_were_one_after_coercion_are_two_errors_no_more(
        write_spec: Callable[..., Path]) -> None:
    # batch [true, 1] was refused as "each value once": true is no integer at all
    err = _error(write_spec("sweep:\n  archs: [tiny.yaml]\n" + _WORKLOADS.format(
        "batch: [true, 1]")))
    assert err.key == "sweep.workloads.batch.0" and "an integer" in err.allowed


def test_whole_numbers_still_load(write_spec: Callable[..., Path],
                                  spec_text: Callable[..., str]) -> None:
    ls = load_spec(write_spec(spec_text(
        "n_macros: [2], sqnr_target_db: {min: 30, max: 31, steps: 2, log: true}",
        phases="[decode]", extra="  replicate: false\n  constraints: {area_m2: {max: 1}}\n")))
    r = ls.spec.variables["sqnr_target_db"]
    assert (r.min, r.max, r.steps, r.log) == (30.0, 31.0, 2, True)  # type: ignore[union-attr]
    assert ls.spec.replicate is False and ls.spec.constraints["area_m2"].max == 1.0


@pytest.mark.parametrize("variables", ["tech_node: [null]", "normalization: [null]",
                                       "rows_per_adc: [2, null]"])
def test_null_is_refused_and_the_allowed_text_does_not_offer_it(
        write_spec: Callable[..., Path], variables: str) -> None:
    # the allowed text said "number or null" / '"unit", "row", "int" or null' while
    # refusing null
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            f"  variables: {{{variables}}}\n"))
    assert err.value is None
    assert "null is not a sweep value" in err.allowed
    assert " or null" not in err.allowed, err.allowed


def test_a_misspelled_bundled_technology_fails_the_spec(
        write_spec: Callable[..., Path]) -> None:
    # it passed the spec and made every point infeasible with exit 0
    err = _error(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                            "  variables: {technology: [22nm, 28mn]}\n"))
    assert err.key == "sweep.variables.technology.1" and err.value == "28mn"
    for node in ("28nm", "22nm", "7nm", "65nm", "130nm"):
        assert node in err.allowed
    assert err.line == 4


def test_missing_arch_and_models_files_name_the_spec_and_key(
        write_spec: Callable[..., Path]) -> None:
    path = write_spec("sweep:\n  archs: [tiny.yaml, missing.yaml]\n")
    err = _error(path)
    assert (err.file, err.key, err.value, err.line) == (str(path), "sweep.archs.1",
                                                       "missing.yaml", 2)
    assert "does not exist" in err.allowed
    path = write_spec("sweep:\n  archs: [tiny.yaml]\n"
                      "  workloads: {models: [x], models_file: nope.yaml}\n")
    err = _error(path)
    assert (err.file, err.key, err.value) == (str(path), "sweep.workloads.models_file",
                                              "nope.yaml")
    assert "does not exist" in err.allowed
