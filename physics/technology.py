"""Technology parameters (one record per node), loaded from YAML with sources in comments."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grcim.errors import CMDLINE, SpecError
from grcim.resources import bundled, bundled_or_file
from grcim.yamlio import LineDict, load_yaml_file, load_yaml_text

__all__ = ["Technology", "load_technology", "BUNDLED_NODES", "DEFAULT_NODE", "BOLTZMANN_J_PER_K"]

BOLTZMANN_J_PER_K = 1.380649e-23
BUNDLED_NODES: tuple[str, ...] = ("28nm", "22nm", "7nm", "65nm", "130nm")
DEFAULT_NODE = "28nm"

Pos = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class Technology(BaseModel):
    """Technology constants in SI units; each file documents the source of every value."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

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
    e_full_adder_j: Pos
    """Energy of one full-adder operation, J."""
    e_mux_bit_j: Pos
    """Energy of one 2:1 multiplexer bit, J."""
    e_flop_bit_j: Pos
    """Energy of writing one flip-flop bit, J."""
    adc_schreier_fom_db: Annotated[float, Field(gt=120.0, lt=200.0)]
    """Schreier figure of merit of the ADC, dB."""
    adc_walden_fom_j: Pos
    """Walden figure of merit, J per conversion step."""
    adc_envelope_floor_j: Pos
    """Energy floor of the ADC survey envelope, J."""
    adc_envelope_k_j: Pos
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
    adc_rate_hz: Pos
    """Conversion rate of one column ADC, Hz."""

    @property
    def kt_j(self) -> float:
        """Thermal energy kT, J."""
        return BOLTZMANN_J_PER_K * self.temperature_k


def _from_data(data: object, source: str) -> Technology:
    if not isinstance(data, dict) or "technology" not in data:
        found = sorted(map(str, data))[:5] if isinstance(data, dict) else type(data).__name__
        raise SpecError(source, "technology", found,
                        "a top-level mapping with a 'technology' key")
    body = data["technology"]
    try:
        return Technology.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = [str(p) for p in err["loc"]]
        line = body.line_of(err["loc"][0]) if isinstance(body, LineDict) and err["loc"] else None
        value = "<missing>" if err["type"] == "missing" else err.get("input")
        raise SpecError(source, ".".join(["technology", *path]), value, err["msg"], line) from None


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
