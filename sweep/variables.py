"""Which arch variables a sweep may vary, and how one swept value is checked.

Every key of ``arch.variables`` (:data:`grcim.arch.variables.VARIABLE_KEYS`) except
``kind`` and ``description`` (they change what a file *is*, not a design parameter) can be
swept. A value is checked against the typed field it lands in (type and bounds, or the
format grammar) when the spec is loaded, so a typo fails at once with the allowed range;
checks across keys (``rows_per_adc`` must divide ``rows``, ...) depend on the other values
of a design point and mark that point infeasible instead.
"""

from __future__ import annotations

import math
from enum import Enum
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, TypeAdapter, ValidationError

from grcim.arch import Arch
from grcim.arch.chip import ChipSpec
from grcim.arch.formats import FORMAT_GRAMMAR, canonical_format
from grcim.arch.spec import describe_field
from grcim.arch.variables import GROUP_MODELS, TEXT_KEYS, VARIABLE_KEYS

__all__ = ["SWEEPABLE", "CHIP_ONLY", "field_of", "is_integer", "is_text", "check_value",
           "allowed_text"]

_NOT_SWEEPABLE = ("kind", "description")
SWEEPABLE: tuple[str, ...] = tuple(k for k in VARIABLE_KEYS if k not in _NOT_SWEEPABLE)
"""Arch variables a sweep may set, in the order ``docs/arch.md`` lists them."""
CHIP_ONLY: frozenset[str] = frozenset(
    k for k, v in VARIABLE_KEYS.items() if v.group not in ("common", "macro"))
"""Variables that exist only in chip files (``kind: "chip"``)."""
_FORMAT_KEYS = ("input_format", "weight_format")


def field_of(key: str) -> tuple[type[BaseModel], str]:
    """The pydantic model and field a variable lands in."""
    where = VARIABLE_KEYS[key]
    if where.group == "common":
        return Arch, {"tech_node": "tech_node_m"}.get(where.field, where.field)
    if where.group == "chip":
        return ChipSpec, where.field
    return GROUP_MODELS[where.group], where.field


def _annotation(key: str) -> Any:
    model, name = field_of(key)
    return model.model_fields[name].annotation


def is_text(key: str) -> bool:
    """Whether the variable takes text (quoted in arch files)."""
    return key in TEXT_KEYS


def is_integer(key: str) -> bool:
    """Whether the variable takes integers (``adc_bits`` also takes "auto")."""
    ann = _annotation(key)
    return ann is int or int in get_args(ann)


def allowed_text(key: str) -> str:
    """What ``key`` accepts, in words."""
    if key in _FORMAT_KEYS:
        return f"a number format ({FORMAT_GRAMMAR})"
    model, name = field_of(key)
    # null is not a sweep value (check_value refuses it): a NULL variable column means "this
    # spec did not sweep it" in the store, so the field's "or null" would promise a value
    # the spec then refuses
    return describe_field(model, name).replace(" or null", "")


@cache
def _adapter(key: str) -> TypeAdapter[Any]:
    model, name = field_of(key)
    info = model.model_fields[name]
    ann: Any = info.annotation  # any type expression (pydantic says type[Any] | None)
    # the model's own field validators too: a bound there (adc_bits 1..20) is not in the
    # annotation, and without it 0, -3 or 10**20 passed the spec and 10**20 then crashed
    # the SQLite insert of every run
    checks: list[Any] = []
    for dec in model.__pydantic_decorators__.field_validators.values():
        if name in dec.info.fields and dec.info.mode in ("before", "after"):
            wrap = BeforeValidator if dec.info.mode == "before" else AfterValidator
            checks.append(wrap(dec.func))
    if not info.metadata and not checks:
        return TypeAdapter(ann)
    return TypeAdapter(Annotated[ann, *info.metadata, *checks])


def _problem(key: str, exc: ValidationError) -> str:
    """What is allowed: the field's own words when one of its validators refused the value
    (``must be 1..20 bits or 'auto'``), else its type and bounds."""
    for err in exc.errors():
        if err["type"] == "value_error":
            return str(err["msg"]).removeprefix("Value error, ")
    return allowed_text(key)


def check_value(key: str, value: Any) -> tuple[Any, str | None]:
    """Canonical ``value`` for variable ``key`` and None, or (value, what is allowed).

    Text variables take YAML text; numeric ones YAML numbers (an integer variable accepts
    a float only when it is whole). Numbers are never parsed from text in a sweep spec.
    """
    if value is None:  # see allowed_text: a NULL column would read as "not swept"
        return value, (f"{allowed_text(key)}; null is not a sweep value (leave {key} out of "
                       "the variables to keep each arch's own)")
    if is_text(key) or (key == "adc_bits" and isinstance(value, str)):
        if not isinstance(value, str):
            return value, f"text: {allowed_text(key)}"
        if key in _FORMAT_KEYS:  # one spelling per format: aliases are one point
            name = canonical_format(value)
            return (name, None) if name is not None else (value, allowed_text(key))
        try:
            out = _adapter(key).validate_python(value)
        except ValidationError as exc:
            return value, _problem(key, exc)
        return (out.value if isinstance(out, Enum) else out), None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, f"a number: {allowed_text(key)}"
    if not math.isfinite(value):
        return value, f"a finite number: {allowed_text(key)}"
    if is_integer(key):
        if value != int(value):
            return value, f"a whole number: {allowed_text(key)}"
        value = int(value)
    else:
        value = float(value)
    try:
        _adapter(key).validate_python(value)
    except ValidationError as exc:
        return value, _problem(key, exc)
    return value, None
