"""A required-bits entry at the floor of the bits search (physics.sqnr.BITS_RANGE[0]) meets
the target there already: it is an upper limit, not a crossing, and claims.json and the
summary say so (at --sqnr-target 6 every GR-MAC entry sat at 1.0 and the 0.30-bit
reduction and zero spreads were reported as if measured). ADC-bits rows by hand."""

from __future__ import annotations

from typing import Any

import grcim.studies.paper as paper
from grcim.physics.sqnr import BITS_RANGE
from grcim.report.paper import summary_rows
from grcim.studies.paper import PaperResult, PaperSettings

FLOOR = BITS_RANGE[0]


def _claims(grmac: list[float], conventional: list[float]) -> dict[str, Any]:
    s = PaperSettings(formats=("fp8_e4m3",))
    res = PaperResult(adc_bits=[
        {"format": "fp8_e4m3", "distribution": f"d{i}", "saturated_fraction": 0.0,
         "grmac_adc_bits": g, "conventional_adc_bits": c}
        for i, (g, c) in enumerate(zip(grmac, conventional, strict=True))])
    return paper._claims(s, res, {})


def test_bounds_at_the_floor_are_flagged() -> None:
    c = _claims([FLOOR, FLOOR], [1.3, 2.0])
    assert c["adc_bits_search_floor"] == FLOOR
    assert c["adc_bits_grmac_upper_bound_at_search_floor"] is True
    assert c["adc_bits_conventional_lower_bound_at_search_floor"] is False
    rows = dict(summary_rows(PaperResult(claims=c)))
    assert "search floor" in rows["GR-MAC ADC upper bound"]
    assert rows["ADC bound reduction"].startswith("at least 0.30 bits")
    assert "search floor" not in rows["conventional ADC lower bound"]


def test_bounds_above_the_floor_are_not_flagged() -> None:
    # one GR-MAC entry at the floor, the upper bound (their maximum) above it
    c = _claims([FLOOR, 5.5], [6.9, 7.2])
    assert c["adc_bits_grmac_upper_bound"] == 5.5
    assert c["adc_bits_grmac_upper_bound_at_search_floor"] is False
    assert c["adc_bits_conventional_lower_bound_at_search_floor"] is False
    assert all("search floor" not in v for _, v in summary_rows(PaperResult(claims=c)))
