"""int_cim_mac's automatic ADC meets the ADC share it is sized for (docs/models.md §4, §5.1).

The invariant: at the resolution the model prices, the slice Monte Carlo's SQNR is at least
the standard's ADC share; where only exact conversions meet it, the resolution is the
lossless one, ``log2(2 N (2**d_x - 1)(2**c_w - 1) + 1)`` with the digits one conversion sums
(a C-2C ladder's conversion sums the whole weight's 7 magnitude bits).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grcim.physics.operating_point import operating_point
from grcim.physics.slicing_point import integer_sliced_sqnr_db
from grcim.physics.technology import load_technology
from grcim.plugins.models.ensemble import ensemble_of, macro_adc_bits

INT8 = {"input_bits": 8, "weight_bits": 8, "dac_bits": 1, "n_input_slices": 8,
        "tech_node": 22e-9}


def _share_and_bits(attrs: dict) -> tuple[float, float, float]:
    """(share dB, priced bits, Monte Carlo SQNR at those bits) of the automatic ADC."""
    ens = ensemble_of(attrs, "int")
    bits = float(macro_adc_bits(attrs, "int", np.zeros(1), load_technology("22nm"))[0])
    cells = (1, 1) if attrs.get("cell_topology") == "c2c" else (1, 8)
    sqnr = integer_sliced_sqnr_db(ens.distribution, 8, 8, ens.n_rows, 1, 8, *cells, bits,
                                  ens.seed)
    return operating_point(ens).share_db, bits, sqnr


@pytest.mark.parametrize("n_rows", [8, 64])
def test_int8_bit_sliced_auto_adc_is_the_lossless_limit(n_rows: int) -> None:
    share, bits, sqnr = _share_and_bits({**INT8, "cell_bits": 1, "n_weight_slices": 8,
                                         "n_rows": n_rows})
    assert bits == pytest.approx(math.log2(2 * n_rows + 1), abs=1e-12)
    assert sqnr >= share


def test_c2c_auto_adc_is_not_capped_at_one_cell() -> None:
    # one conversion per weight and input step: the sum spans -64*127..64*127; the share
    # needs more than one cell's log2(129) bits (once capped there, and short of the share)
    share, bits, sqnr = _share_and_bits({**INT8, "cell_topology": "c2c", "n_rows": 64})
    assert math.log2(129) < bits < math.log2(2 * 64 * 127 + 1)
    assert sqnr >= share
