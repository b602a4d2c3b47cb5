"""Digital normalization logic from gate-level operation counts (J per operation).

Counts: a ``w``-bit add/subtract/compare = ``w`` full adders; a barrel shifter of a ``b``-bit
word over ``s`` positions = ``b * ceil(log2(s + 1))`` 2:1 mux bits; leading-one detection of a
``b``-bit mantissa ~ ``b`` full-adder equivalents (priority encoder); a register = one flop
per bit. Energies per gate come from the technology file (Horowitz, ISSCC 2014, scaled).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.physics.technology import Technology

__all__ = ["adder_energy_j", "shifter_energy_j", "lod_energy_j", "register_energy_j",
           "exponent_width_bits"]

F64 = NDArray[np.float64]


def adder_energy_j(width_bits: ArrayLike, tech: Technology) -> F64:
    """A ``width_bits`` add, subtract or compare (J)."""
    return np.asarray(width_bits, dtype=np.float64) * tech.e_full_adder_j


def shifter_energy_j(word_bits: ArrayLike, max_shift: ArrayLike, tech: Technology) -> F64:
    """A barrel shift of a ``word_bits`` word by up to ``max_shift`` positions (J)."""
    stages = np.ceil(np.log2(np.asarray(max_shift, dtype=np.float64) + 1.0))
    return np.asarray(word_bits, dtype=np.float64) * stages * tech.e_mux_bit_j


def lod_energy_j(word_bits: ArrayLike, tech: Technology) -> F64:
    """Leading-one detection (subnormal normalization) of a ``word_bits`` mantissa (J)."""
    return np.asarray(word_bits, dtype=np.float64) * tech.e_full_adder_j


def register_energy_j(bits: ArrayLike, tech: Technology) -> F64:
    """Writing a ``bits``-wide register (J)."""
    return np.asarray(bits, dtype=np.float64) * tech.e_flop_bit_j


def exponent_width_bits(exponent_span: ArrayLike) -> F64:
    """Bits of an exponent datapath covering ``exponent_span`` distinct exponents."""
    return np.ceil(np.log2(np.maximum(np.asarray(exponent_span, dtype=np.float64), 2.0)))
