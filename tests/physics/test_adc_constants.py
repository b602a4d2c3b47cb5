"""The technology files' ADC figures of merit are the documented statistics of the Murmann
survey rows shipped with hwcomponents-adc (physics/energy/adc_survey.py), recomputed here
from the CSV with the standard library (not with the module under test)."""

from __future__ import annotations

import csv
import io
import math
from importlib.resources import files

import pytest

from grcim.physics.energy.adc_survey import NODE_BANDS_M
from grcim.physics.technology import BUNDLED_NODES, load_technology


def _percentile(values: list[float], q: float) -> float:
    # linear interpolation between order statistics (numpy's default method), by hand
    v = sorted(values)
    pos = (len(v) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _rows() -> list[dict[str, float]]:
    text = (files("hwcomponents_adc") / "adc_data" / "adc_list.csv").read_text("utf-8")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        out.append({"fs": float(r["frequency (Hz)"]), "node": float(r["tech node (nm)"]),
                    "e": float(r["energy (pJ/op)"]) * 1e-12, "sndr": float(r["SNDR_plot [dB]"]),
                    "enob": float(r["number of bits"])})
    return out


@pytest.mark.parametrize("node", BUNDLED_NODES)
def test_technology_foms_are_the_survey_percentiles(node: str) -> None:
    lo, hi = NODE_BANDS_M[node]
    rows = [r for r in _rows() if r["fs"] <= 1e9 and lo * 1e9 <= r["node"] <= hi * 1e9]
    walden = _percentile([r["e"] / 2 ** r["enob"] for r in rows], 10.0)
    # FOM_S = SNDR + 10 log10(BW / P), BW = f_s / 2, P = E f_s
    schreier = _percentile([r["sndr"] - 10 * math.log10(2 * r["e"]) for r in rows], 90.0)
    tech = load_technology(node)
    # the files round to three significant digits / one decimal
    assert tech.adc_walden_fom_j == pytest.approx(walden, rel=5e-3)
    assert tech.adc_schreier_fom_db == pytest.approx(schreier, abs=0.05)
