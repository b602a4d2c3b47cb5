"""Technology parameters (one record per node), loaded from YAML with sources in comments."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grcim.errors import CMDLINE, SpecError, did_you_mean
from grcim.resources import bundled, bundled_or_file
from grcim.yamlio import LineDict, load_yaml_file, load_yaml_text

__all__ = ["Technology", "load_technology", "BUNDLED_NODES", "DEFAULT_NODE", "BOLTZMANN_J_PER_K",
           "ADC_RATE_RANGE_HZ"]

BOLTZMANN_J_PER_K = 1.380649e-23
BUNDLED_NODES: tuple[str, ...] = ("28nm", "22nm", "7nm", "65nm", "130nm")
DEFAULT_NODE = "28nm"

#: Conversion rates an ADC may run at, Hz (``grcim.physics.energy.adc.RATE_RANGE_HZ``).
ADC_RATE_RANGE_HZ = (1.0, 1e12)
#: Energies of one gate or ADC operation: positive and at most 1 nJ (the bundled files hold
#: 1e-19 to 3e-13 J; 1e-9 J is far above any published value, a typo caught at load).
Energy = Annotated[float, Field(gt=0.0, le=1e-9, allow_inf_nan=False)]


class Technology(BaseModel):
    """Technology constants in SI units; each file documents the source of every value."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              use_attribute_docstrings=True)

    name: str
    node_m: Annotated[float, Field(gt=1e-9, lt=1e-6)]
    """Feature size, m."""
    vdd_v: Annotated[float, Field(gt=0.3, lt=2.0)]
    """Digital supply voltage, V."""
    analog_swing_v: Annotated[float, Field(gt=0.05, lt=2.0)]
    """Signal swing on the analog MAC capacitors, V."""
    temperature_k: Annotated[float, Field(gt=1.0, lt=500.0)]
    """Absolute temperature for kT/C noise, K."""
    c_unit_min_f: Annotated[float, Field(gt=1e-18, lt=1e-12)]
    """Smallest matched unit capacitor, F."""
    activity: Annotated[float, Field(gt=0.0, le=1.0)]
    """Average fraction of a capacitor's full charge drawn per operation."""
    e_full_adder_j: Energy
    """Energy of one full-adder operation, J."""
    e_mux_bit_j: Energy
    """Energy of one 2:1 multiplexer bit, J."""
    e_flop_bit_j: Energy
    """Energy of writing one flip-flop bit, J."""
    adc_schreier_fom_db: Annotated[float, Field(gt=120.0, lt=200.0)]
    """Schreier figure of merit of the ADC, dB."""
    adc_walden_fom_j: Energy
    """Walden figure of merit, J per conversion step."""
    adc_envelope_floor_j: Energy
    """Energy floor of the ADC survey envelope, J."""
    adc_envelope_k_j: Energy
    """Coefficient of the 4**ENOB term of the survey envelope, J."""
    c_wire_per_m: Annotated[float, Field(gt=1e-12, lt=1e-8)]
    """Capacitance of a minimum-pitch on-chip wire per length, F/m (row and column lines)."""
    c_gate_per_m: Annotated[float, Field(gt=1e-11, lt=1e-8)]
    """Gate capacitance per width of a minimum-length transistor, F/m (cell switches on the row
    lines)."""
    c_junction_per_m: Annotated[float, Field(gt=1e-11, lt=1e-8)]
    """Drain junction capacitance per transistor width at zero bias, F/m."""
    w_switch_m: Annotated[float, Field(gt=1e-9, lt=1e-5)]
    """Width of a CIM cell's access / switch transistor, m."""
    c_cell_max_f: Annotated[float, Field(gt=1e-18, lt=1e-9)]
    """Largest capacitor one CIM cell may carry, F (thermal sizing beyond it is infeasible)."""
    adc_rate_hz: Annotated[float, Field(ge=ADC_RATE_RANGE_HZ[0], le=ADC_RATE_RANGE_HZ[1],
                                        allow_inf_nan=False)]
    """Conversion rate of one column ADC, Hz."""

    @property
    def kt_j(self) -> float:
        """Thermal energy kT, J."""
        return BOLTZMANN_J_PER_K * self.temperature_k


_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
"""A plain decimal number. PyYAML (YAML 1.1) reads ``9e-1`` (no dot) and ``1E3`` as text,
which YAML 1.2 and the arch files (whose numbers are expressions) read as numbers."""


def _numeric(value: Any) -> Any:
    """``value``, with a string spelling a decimal number read as that float (one too large,
    ``1e999``, becomes inf, which the error then calls not finite; other text stays text)."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return float(value)
    return value


def _unknown_key(body: Any, source: str) -> SpecError | None:
    """An error for the first key of ``body`` that Technology does not have (checked before
    the values, so a misspelt key is not reported as its correct spelling missing)."""
    if not isinstance(body, dict):
        return None
    fields = list(Technology.model_fields)
    for key in body:
        if key not in Technology.model_fields:
            hint = did_you_mean(key, fields)
            line = body.line_of(key) if isinstance(body, LineDict) else None
            return SpecError(source, f"technology.{key}", key, f"unknown key; {hint}allowed "
                             f"keys: {', '.join(fields)}", line)
    return None


def _allowed(field: str) -> str:
    """What ``field`` accepts, from its type, bounds and docstring (``a finite number > 0.3,
    < 2 (Digital supply voltage, V.)``)."""
    info = Technology.model_fields[field]
    if info.annotation is not float:
        return "text"
    bounds = [f"{sign} {getattr(meta, attr):g}" for meta in info.metadata
              for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
              if getattr(meta, attr, None) is not None]
    what = f" ({info.description.strip()})" if info.description else ""
    return f"a finite number {', '.join(bounds)}{what}".replace("  ", " ")


def _error(exc: ValidationError, body: Any, source: str) -> SpecError:
    """The first problem of ``exc`` as one line: the key, its value, what it accepts."""
    err = exc.errors()[0]
    path = [str(p) for p in err["loc"]]
    line = body.line_of(err["loc"][0]) if isinstance(body, LineDict) and err["loc"] else None
    key = ".".join(["technology", *path])
    field = path[0] if path else ""
    if field not in Technology.model_fields:
        return SpecError(source, key, err.get("input"), err["msg"], line)
    allowed = _allowed(field)
    if err["type"] == "missing":
        return SpecError(source, key, "<missing>", f"missing required key: {allowed}", line)
    number = err.get("input")
    # shown as written ('1e999', not the inf it was read as)
    value = body[field] if isinstance(body, dict) and field in body else number
    if isinstance(number, float) and not math.isfinite(number):
        # a bound check would say 'less than 2' of NaN: name the real problem
        return SpecError(source, key, value, f"not a finite number; allowed: {allowed}", line)
    return SpecError(source, key, value, allowed, line)


def _from_data(data: object, source: str) -> Technology:
    if not isinstance(data, dict) or "technology" not in data:
        found = sorted(map(str, data))[:5] if isinstance(data, dict) else type(data).__name__
        raise SpecError(source, "technology", found,
                        "a top-level mapping with a 'technology' key")
    body = data["technology"]
    unknown = _unknown_key(body, source)
    if unknown is not None:
        raise unknown
    if isinstance(body, dict):
        # the line numbers stay with ``body``; the validated copy has its numbers read
        floats = {k for k, f in Technology.model_fields.items() if f.annotation is float}
        values = {k: _numeric(v) if k in floats else v for k, v in body.items()}
    else:
        values = body
    try:
        return Technology.model_validate(values)
    except ValidationError as exc:
        raise _error(exc, body, source) from None


def load_technology(name_or_path: str | os.PathLike[str] = DEFAULT_NODE) -> Technology:
    """Load a bundled node (``"28nm"``, ``"22nm"``, ``"7nm"``, ``"65nm"``, ``"130nm"``) or a
    technology YAML file."""
    nodes = {node: bundled("grcim.physics.tech", f"{node}.yaml") for node in BUNDLED_NODES}
    found = bundled_or_file(name_or_path, nodes, file=CMDLINE, key="tech",
                            allowed=f"a technology YAML file or one of {', '.join(BUNDLED_NODES)}")
    key = str(name_or_path)
    if isinstance(found, Path):
        return _from_data(load_yaml_file(found), key)
    return _from_data(load_yaml_text(found.read_text(encoding="utf-8"), key), key)
