"""Checks and defaults of the component attributes the grcim models accept.

Every check raises :class:`~grcim.errors.ModelDomainError` naming the *attribute* (as the
user wrote it), the bad value and what is allowed: hwcomponents logs that line as the reason
a model declined, and ``grcim table`` prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from grcim.errors import ModelDomainError
from grcim.physics.distributions import DISTRIBUTIONS
from grcim.physics.energy.adc import ADC_LAWS, ENOB_RANGE, check_law
from grcim.physics.formats import get_format
from grcim.physics.settings import (
    GAIN_RANGE_RULES,
    NORMALIZATIONS,
    PIPELINES,
)

__all__ = [
    "DEFAULT_CYCLE_PERIOD_S", "ADC_LAW_ALIASES",
    "GAIN_RANGE_RULES", "PIPELINES", "as_number", "as_int", "as_choice", "as_format",
    "as_adc_law", "as_distribution", "as_normalization", "as_array",
    "as_int_points", "as_terms", "as_enob", "as_optional_int",
]

F64 = NDArray[np.float64]

#: Clock period of the digital periphery when ``cycle_period`` is not given, s (1 GHz).
DEFAULT_CYCLE_PERIOD_S = 1e-9
#: Extra spellings of ADC laws: "survey" is the best-case envelope of the Murmann survey.
ADC_LAW_ALIASES: dict[str, str] = {"survey": "envelope"}



def as_number(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a float in ``[low, high]`` (numeric strings accepted; not booleans)."""
    if isinstance(value, bool | np.bool_):
        raise ModelDomainError(name, value, f"a number from {low:g} to {high:g}")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):  # an integer too large for a float too
        raise ModelDomainError(name, value, f"a number from {low:g} to {high:g}") from None
    if not low <= x <= high:
        raise ModelDomainError(name, value, f"a number from {low:g} to {high:g}")
    return x


def as_int(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an integer in ``[low, high]`` (integral floats and strings accepted; not
    booleans)."""
    if isinstance(value, bool | np.bool_):
        raise ModelDomainError(name, value, f"an integer from {low} to {high}")
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):  # an integer too large for a float too
        x = float("nan")
    if not (np.isfinite(x) and x == int(x) and low <= x <= high):
        raise ModelDomainError(name, value, f"an integer from {low} to {high}")
    return int(x)


def as_optional_int(name: str, value: Any, low: int, high: int) -> int | None:
    """``None`` (also for ``"auto"``) or an integer in ``[low, high]``."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
        return None
    return as_int(name, value, low, high)


def as_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """``value`` (case-insensitive) if it is one of ``allowed``."""
    options = tuple(allowed)
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in options:
        raise ModelDomainError(name, value, f"one of {', '.join(options)}")
    return key


def as_format(name: str, value: Any) -> str:
    """Canonical name of a number format (``grcim.physics.formats``), checked."""
    try:
        return get_format(value).name
    except ModelDomainError as exc:
        raise ModelDomainError(name, value, exc.allowed) from None


def as_adc_law(value: Any) -> str:
    """An ADC law of ``grcim.physics.energy.adc`` (or an alias), usable here."""
    key = value.strip().lower() if isinstance(value, str) else value
    key = ADC_LAW_ALIASES.get(key, key)
    if key not in ADC_LAWS:
        names = ", ".join((*ADC_LAWS, *ADC_LAW_ALIASES))
        raise ModelDomainError("adc_law", value, f"one of {names}")
    try:
        return check_law(key)
    except ModelDomainError as exc:
        raise ModelDomainError("adc_law", value, exc.allowed) from None


def as_distribution(value: Any) -> str:
    """An input distribution of ``grcim.physics.distributions``."""
    return as_choice("distribution", value, DISTRIBUTIONS)


def as_normalization(value: Any) -> str:
    """A GR-MAC normalization normalization (``unit``, ``row``, ``int``)."""
    return as_choice("normalization", value, NORMALIZATIONS)


def _check_points(points: list[Any], check: Callable[[Any], float], low: float,
                  high: float, integral: bool = False) -> F64:
    """``check`` of every point, shape ``(len(points),)``.

    Plain numbers in range (a table's sweep) are checked at once; otherwise each distinct
    value is checked once, in order of first appearance (a table repeats a few values over
    many points), so an error names the first bad point's value as a point-by-point check
    would.
    """
    try:
        numbers = np.array(points)  # integers, floats: one numeric array
    except (TypeError, ValueError, OverflowError):  # ragged, huge, or no numbers
        numbers = np.empty(0, dtype=object)
    # a boolean is no number (True would price 1 row): refused by the point-by-point check
    if (numbers.shape == (len(points),) and numbers.dtype.kind in "iuf"
            and not any(isinstance(v, bool | np.bool_) for v in points)):
        out = np.asarray(numbers, dtype=np.float64)  # what float() gives each (the check)
        ok = (out >= low) & (out <= high)
        if np.all(ok & (out == np.floor(out)) if integral else ok):
            return out
    try:
        distinct = dict.fromkeys(points)
    except TypeError:  # an unhashable value: checked point by point
        return np.array([check(v) for v in points], dtype=np.float64)
    checked = {v: check(v) for v in distinct}
    return np.fromiter(map(checked.__getitem__, points), dtype=np.float64, count=len(points))


def as_array(name: str, values: Any, low: float, high: float) -> F64:
    """1-D float array of ``values`` (scalar or sequence), each in ``[low, high]``."""
    raw = np.atleast_1d(np.asarray(values, dtype=object)).ravel()
    return _check_points(raw.tolist(), lambda v: as_number(name, v, low, high), low, high)


def as_int_points(name: str, values: Any, low: int, high: int, default: int) -> int | F64:
    """A model's vectorized integer attribute: one value (scalar), or one value per point
    (sequence), each checked as :func:`as_int` checks one (``None`` meaning ``default``).
    The integer when every point has the same (the single-query path), else a float array
    of shape ``(len(values),)``."""
    if isinstance(values, np.ndarray) and values.ndim == 0:
        values = values.item()
    if not isinstance(values, (list, tuple, np.ndarray)):
        return as_int(name, default if values is None else values, low, high)
    ints = _check_points(list(values),
                         lambda v: as_int(name, default if v is None else v, low, high),
                         low, high, integral=True)
    if ints.size and np.all(ints == ints[0]):
        return int(ints[0])
    return ints


def as_enob(name: str, values: F64) -> F64:
    """Check ADC effective bits against the range the ADC laws cover."""
    lo, hi = ENOB_RANGE
    bad = (values < lo) | (values > hi) | ~np.isfinite(values)
    if np.any(bad):
        raise ModelDomainError(name, float(values[bad][0]), f"between {lo:g} and {hi:g} bits")
    return values


def as_terms(value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Energy terms to include: ``"all"`` or a comma-separated subset of ``allowed``."""
    if isinstance(value, str):
        parts = [p.strip().lower() for p in value.split(",") if p.strip()]
    elif isinstance(value, (list, tuple)):
        parts = [str(p).strip().lower() for p in value]
    else:
        parts = []
    if parts == ["all"]:
        return allowed
    if not parts or any(p not in allowed for p in parts):
        raise ModelDomainError("include_terms", value,
                               f"'all' or a comma-separated subset of {', '.join(allowed)}")
    return tuple(t for t in allowed if t in parts)
