"""Published integer macros priced by grcim (grcim.studies.calibration, docs/calibration.md).

References: the papers' headline efficiencies (Sinangil et al., JSSC 2021: 351 TOPS/W;
Wang et al., VLSI 2022: 32.2 TOPS/W; Jia et al., JSSC 2020: 192 1b-TOPS/W at 1.2 V). The
configurations quote the papers; no constant was fitted. The ratio is printed (run with -s).

What the issue asks and what holds: the 7 nm macro lands within 2x. The 22 nm C-2C and the
65 nm charge-domain macros land 6-7x optimistic: grcim prices capacitors, wires, the cells'
transistor loads on the row and column lines, converters and digital logic but not line
precharge, timing, references and control (docs/calibration.md); those two are asserted to
be optimistic and within an order of magnitude, so a change that moves them is seen.
"""

from __future__ import annotations

import pytest

from grcim.studies.calibration import JIA, MACROS, SINANGIL, WANG, compare


@pytest.mark.parametrize("macro", MACROS, ids=[m.name for m in MACROS])
def test_every_setting_has_a_reason(macro) -> None:
    assert set(macro.attributes) == set(macro.reasons), macro.name


@pytest.mark.parametrize("macro", MACROS, ids=[m.name for m in MACROS])
def test_ratio_is_efficiency_over_published(macro) -> None:
    c = compare(macro)
    # 2 operations per MAC, 1b-TOPS/W multiply by the input and weight widths
    tops = 2.0 / c.energy_per_mac_j / 1e12
    if macro.one_bit_normalized:
        tops *= macro.attributes["input_bits"] * macro.attributes["weight_bits"]
    assert c.model_tops_per_w == pytest.approx(tops, rel=1e-12)
    assert c.ratio == pytest.approx(tops / macro.published_tops_per_w, rel=1e-12)
    assert 0.0 < c.adc_energy_share < 1.0
    print(f"{macro.name}: grcim {c.model_tops_per_w:.1f} TOPS/W, published "
          f"{macro.published_tops_per_w:.1f}, ratio {c.ratio:.2f}")


def test_sinangil_within_2x() -> None:
    assert 0.5 <= compare(SINANGIL).ratio <= 2.0


@pytest.mark.parametrize("macro", [WANG, JIA], ids=["wang", "jia"])
def test_known_gap_is_optimistic_and_bounded(macro) -> None:
    ratio = compare(macro).ratio
    assert 1.0 < ratio < 10.0
