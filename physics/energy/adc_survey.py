"""ADC figures of merit of the technology files, derived from the Murmann ADC survey rows.

The ``two_regime`` ADC law (:mod:`grcim.physics.energy.adc`) needs a Walden FOM (energy per
conversion step of the technology-limited regime) and a Schreier FOM (thermal-noise-limited
regime) per technology node. They are not tuned: each bundled technology file carries the
statistics this module computes from the survey rows that ship with ``hwcomponents-adc``
(``hwcomponents_adc/adc_data/adc_list.csv``: sampling rate, node, energy per conversion,
SNDR, ENOB of published ISSCC/VLSI converters; Murmann, "ADC Performance Survey 1997-2023"),
and tests/plugins/test_adc_constants.py recomputes them.

Selection rule (a compact column ADC of a CIM macro is a good modern SAR, not the survey's
single record): converters sampling at most ``MAX_RATE_HZ`` (CIM column ADCs run at
10-200 MS/s; faster designs pay for speed, not resolution) in a node band around the file's
node; ``FOM_W`` is their ``WALDEN_PERCENTILE``-th percentile (10 % of designs are better) and
``FOM_S`` their ``SCHREIER_PERCENTILE``-th percentile (10 % are better). Energies per
conversion: ``E = P / f_s`` as the survey reports it, ``FOM_W = E / 2**ENOB``,
``FOM_S = SNDR + 10 log10(f_s / 2 / P) = SNDR - 10 log10(2 E)``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SurveyRow", "survey_rows", "survey_foms", "MAX_RATE_HZ", "WALDEN_PERCENTILE",
           "SCHREIER_PERCENTILE", "NODE_BANDS_M"]

#: Fastest converters counted, Hz.
MAX_RATE_HZ = 1.0e9
#: Percentiles taken (Walden: lower is better; Schreier: higher is better).
WALDEN_PERCENTILE = 10.0
SCHREIER_PERCENTILE = 90.0
#: Node bands (m, inclusive) used for each bundled technology: nodes up to 65 nm share one
#: band (the Walden FOM of the survey shows no trend there: 10th percentiles 2.2-4.0 fJ per
#: sub-band on few rows each); 130 nm draws on the 100-200 nm designs.
NODE_BANDS_M: dict[str, tuple[float, float]] = {
    "7nm": (0.0, 65e-9), "22nm": (0.0, 65e-9), "28nm": (0.0, 65e-9), "65nm": (0.0, 65e-9),
    "130nm": (100e-9, 200e-9),
}


@dataclass(frozen=True)
class SurveyRow:
    """One survey converter (SI units)."""

    rate_hz: float
    node_m: float
    energy_j: float
    sndr_db: float
    enob_bits: float


@functools.cache
def survey_rows() -> tuple[SurveyRow, ...]:
    """Rows of hwcomponents-adc's copy of the survey (read from the installed package)."""
    from importlib.resources import files

    text = (files("hwcomponents_adc") / "adc_data" / "adc_list.csv").read_text("utf-8")
    rows = []
    for rec in csv.DictReader(io.StringIO(text)):
        rows.append(SurveyRow(
            rate_hz=float(rec["frequency (Hz)"]), node_m=float(rec["tech node (nm)"]) * 1e-9,
            energy_j=float(rec["energy (pJ/op)"]) * 1e-12,
            sndr_db=float(rec["SNDR_plot [dB]"]), enob_bits=float(rec["number of bits"])))
    return tuple(rows)


def survey_foms(node: str) -> tuple[float, float, int]:
    """``(FOM_W in J per step, FOM_S in dB, rows used)`` for a bundled node's band."""
    lo, hi = NODE_BANDS_M[node]
    sel = [r for r in survey_rows() if r.rate_hz <= MAX_RATE_HZ and lo <= r.node_m <= hi]
    walden = np.array([r.energy_j / 2.0**r.enob_bits for r in sel])
    schreier = np.array([r.sndr_db - 10.0 * math.log10(2.0 * r.energy_j) for r in sel])
    return (float(np.percentile(walden, WALDEN_PERCENTILE)),
            float(np.percentile(schreier, SCHREIER_PERCENTILE)), len(sel))
