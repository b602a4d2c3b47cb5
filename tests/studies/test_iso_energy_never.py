"""``never``: the GR-MAC costs more at D = 0 than the conventional design at D_ref. The gain
is D_ref - D' with E_conv(D') = E_gr(0), or None when no such D' exists, also when the
conventional curve stops (infeasible, NaN) below E_gr(0): its last feasible point is not
a crossing. Energies by hand on a 1-octave grid."""

from __future__ import annotations

import numpy as np
import pytest

from grcim.physics.energy.iso_energy import iso_energy_gain

D = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
NAN = float("nan")


def test_conventional_turns_infeasible_below_the_grmac_energy_gives_no_gain() -> None:
    # feasible conventional energies 1, 2, 3 (then infeasible); the GR-MAC costs 5 at D = 0:
    # no D' with E_conv(D') = 5 (the old code reported -2, the last feasible D)
    res = iso_energy_gain(D, np.array([1.0, 2.0, 3.0, NAN, NAN]), 5.0 + D)
    assert (res.status, res.gain_bits, res.reference_energy_j) == ("never", None, 1.0)


def test_grmac_infeasible_everywhere_gives_no_gain() -> None:
    res = iso_energy_gain(D, np.array([1.0, 2.0, 3.0, NAN, NAN]), np.full(5, NAN))
    assert (res.status, res.gain_bits) == ("never", None)
    res = iso_energy_gain(D, 1.0 + D, np.full(5, NAN))
    assert (res.status, res.gain_bits) == ("never", None)


def test_a_crossing_before_the_conventional_curve_stops_still_counts() -> None:
    # E_conv = 1, 2, 3, 4 then infeasible; E_gr(0) = 3.5 lies between D = 2 and 3:
    # D' = 2.5 by linear interpolation, gain = 0 - 2.5
    res = iso_energy_gain(D, np.array([1.0, 2.0, 3.0, 4.0, NAN]), 3.5 + D)
    assert res.status == "never"
    assert res.gain_bits == pytest.approx(-2.5, abs=1e-12)
    # E_gr(0) equal to the last feasible conventional energy: they meet there, D' = 3
    res = iso_energy_gain(D, np.array([1.0, 2.0, 3.0, 4.0, NAN]), 4.0 + D)
    assert res.gain_bits == pytest.approx(-3.0, abs=1e-12)
    # from a reference of 1 octave (E_conv = 2): D' = 2.5, gain 1 - 2.5
    res = iso_energy_gain(D, np.array([1.0, 2.0, 3.0, 4.0, NAN]), 3.5 + D, reference_bits=1.0)
    assert res.gain_bits == pytest.approx(-1.5, abs=1e-12)
