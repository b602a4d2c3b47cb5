"""The restricted expression evaluator: arithmetic works, everything else is refused."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grcim.errors import SpecError
from grcim.expressions import MAX_CHARS, check_set_expression, evaluate

NAMES = {"rows": 256, "cols": 128, "rows_per_adc": 64, "clock_hz": 1.0e9}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("64*8", 512),
        ("rows * 2", 512),
        ("log2(cols)", 7.0),
        ("rows // rows_per_adc", 4),
        ("rows / rows_per_adc", 4.0),
        ("7 % 4", 3),
        ("2**10", 1024),
        ("-rows + 1", -255),
        ("1 / clock_hz", 1e-9),
        ("4 * 2**20", 4194304),
        ("min(rows, cols, 300)", 128),
        ("max(rows, cols)", 256),
        ("ceil(10 / 4)", 3),
        ("floor(10 / 4)", 2),
        ("sqrt(16)", 4.0),
        ("abs(-3)", 3),
        ("log10(1000)", 3.0),
        ("round(2.6)", 3),
        ("rows if rows > cols else cols", 256),
        ("1 < 2 <= 2", True),
        ("22e-9", 22e-9),
        ("inf", math.inf),
        ("(1 + 2) * (3 + 4)", 21),
    ],
)
def test_arithmetic_matches_hand_values(text: str, expected: float) -> None:
    assert evaluate(text, NAMES) == pytest.approx(expected)


def test_numbers_pass_through_unchanged() -> None:
    assert evaluate(3) == 3 and evaluate(2.5) == 2.5


def test_exact_integers_are_kept() -> None:
    value = evaluate("2**62 + 1")
    assert isinstance(value, int) and value == 4611686018427387905


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "rows.real",
        "(1).__add__(2)",
        "lambda: 1",
        "[x for x in (1, 2)]",
        "{x for x in (1, 2)}",
        "sum(x for x in (1, 2))",
        "open('/etc/passwd')",
        "eval('1')",
        "exec('x=1')",
        "globals()",
        "'abc'",
        "f'{rows}'",
        "[1, 2][0]",
        "{'a': 1}",
        "(x := 3)",
        "min(*[1, 2])",
        "round(2.5, ndigits=1)",
        "rows << 2",
        "~rows",
        "rows @ cols",
        "1 if 1 in (1,) else 2",
        "unknown_name + 1",
        "log2",
        "1j",
        "...",
        "",
        "   ",
        "1 +",
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(SpecError) as info:
        evaluate(text, NAMES, file="f.yaml", key="arch.variables.x", line=7)
    err = info.value
    assert (err.file, err.key, err.line) == ("f.yaml", "arch.variables.x", 7)
    assert "allowed" in err.allowed


@pytest.mark.parametrize("text", ["10**10**10", "2**100000", "9**9**9", "(2**1000)**2",
                                  "2.0**100000", "10.0**400"])
def test_huge_powers_refused(text: str) -> None:
    # "too large" is raised from the operand sizes, before the power is computed.
    with pytest.raises(SpecError, match="too large|overflow"):
        evaluate(text)


def test_overlong_text_refused() -> None:
    text = "+".join(["1"] * (MAX_CHARS // 2 + 1))
    assert len(text) > MAX_CHARS
    with pytest.raises(SpecError, match="too long"):
        evaluate(text)


def test_deep_nesting_refused() -> None:
    with pytest.raises(SpecError, match="nested too deeply|too long"):
        evaluate("-" * 40 + "1")


def test_division_by_zero_and_nan() -> None:
    with pytest.raises(SpecError, match="division by zero"):
        evaluate("rows / 0", NAMES)
    with pytest.raises(SpecError, match="NaN"):
        evaluate("inf - inf")
    with pytest.raises(SpecError, match="failed"):
        evaluate("sqrt(-1)")


@pytest.mark.parametrize("text", ["round(16, -10**30)", "round(16, -10**8)", "round(16, 401)",
                                  "round(2.5, -10**30)"])
def test_round_digits_are_bounded(text: str) -> None:
    # R8: round(16, -10**30) hung `grcim validate` (it computes 10**(10**30) first). Run in a
    # subprocess with a timeout so that a regression fails instead of hanging the suite.
    code = ("from grcim.expressions import evaluate\nfrom grcim.errors import SpecError\n"
            f"try:\n    evaluate({text!r})\nexcept SpecError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30, check=False)
    assert proc.returncode == 0 and "round() digits must be an integer from -400 to 400" \
        in proc.stdout, (proc.stdout, proc.stderr)


def test_round_within_bounds_is_exact() -> None:
    assert evaluate("round(123456, -3)") == 123000  # by hand
    assert evaluate("round(2**1099, -400)") == 0  # 2**1099 < 10**331 < 0.5 * 10**400


@pytest.mark.parametrize("text", ["log(10, 1)", "log(1, 1)"])
def test_log_base_one_is_a_spec_error(text: str) -> None:
    # R9: log(10, 1) divided by log(1) = 0 and escaped as a ZeroDivisionError traceback
    with pytest.raises(SpecError, match="division by zero"):
        evaluate(text)


def test_text_variables_are_not_numbers() -> None:
    with pytest.raises(SpecError, match="not a number"):
        evaluate("pipeline + 1", {"pipeline": "grmac"})  # type: ignore[dict-item]


def test_non_string_non_number_refused() -> None:
    with pytest.raises(SpecError):
        evaluate([1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["input", "~Intermediates", "input | output", "All - weight",
                                  "(input & output) | weight"])
def test_set_expressions_accepted(text: str) -> None:
    check_set_expression(text)


@pytest.mark.parametrize("text", ["MainMemory.tensors", "__import__('os')", "input + 1",
                                  "f(input)", "1", "_x", "input[0]"])
def test_set_expressions_refused(text: str) -> None:
    with pytest.raises(SpecError):
        check_set_expression(text)


ATOMS = ["rows", "cols", "0", "1", "2", "-1", "1e308", "inf", "10**10", "2**1099", "(", ")",
         "-10**30", "-400", "log(",
         "+", "-", "*", "/", "//", "%", "**", "<", "==", " if ", " else ", " and ", " not ",
         "min(", "max(", "log2(", "sqrt(", "ceil(", "round(", ",", ".", "__class__", "[",
         "]", "lambda", ":", "'", "x", "__import__("]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(ATOMS), max_size=25).map("".join)))
def test_random_text_gives_a_number_or_spec_error(text: str) -> None:
    try:
        value = evaluate(text, NAMES)
    except SpecError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(value, bool | int | float)
