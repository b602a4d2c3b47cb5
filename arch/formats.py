"""Names of number formats in arch files, and what they tell about bit widths.

Grammar (lower case):

- ``int<N>``: symmetric two's-complement integers, 2 <= N <= 16;
- ``fp<N>_e<E>m<M>``: sign + E exponent bits (1..8) + M explicit mantissa bits (0..10),
  N = 1 + E + M (OCP FP8 ``fp8_e4m3``, ``fp8_e5m2``; FP6 ``fp6_e3m2``, ``fp6_e2m3``; FP4
  ``fp4_e2m1``; any other layout such as ``fp8_e2m5``), optionally suffixed ``_fn``,
  ``_ieee`` or ``_finite`` (which codes are not numbers) and ``_ftz`` (no subnormals);
- ``mx`` prefix for an OCP Microscaling block format over the same element type
  (``mxfp8_e4m3``, ``mxfp4_e2m1``, ``mxint8``): blocks of 32 elements share an E8M0 scale;
- ``bf16``, ``fp16``, ``fp32`` as aliases of ``fp16_e8m7``, ``fp16_e5m10``, ``fp32_e8m23``.

This module only reads names; numerics of the formats live in ``grcim.plugins``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FormatInfo", "parse_format", "FORMAT_GRAMMAR"]

FORMAT_GRAMMAR = (
    "int<N> (2..16), fp<N>_e<E>m<M> with N = 1+E+M, E 1..8, M 0..10 (e.g. fp8_e4m3, "
    "fp8_e2m5) and an optional _fn|_ieee|_finite and _ftz suffix, an 'mx' prefix for OCP MX "
    "block formats (mxfp8_e4m3, mxint8), or bf16, fp16, fp32"
)

_ALIASES = {"bf16": "fp16_e8m7", "fp16": "fp16_e5m10", "fp32": "fp32_e8m23"}
_INT = re.compile(r"()int(\d+)")
_FP = re.compile(r"fp(\d+)_e(\d+)m(\d+)(?:_?(?:fn|ieee|finite))?(?:_ftz)?")


@dataclass(frozen=True)
class FormatInfo:
    """Bit layout of a format name.

    Attributes
    ----------
    name : str
        The name as written.
    kind : str
        ``"int"`` or ``"fp"``.
    bits : int
        Bits per element (without any shared block scale), bits.
    exponent_bits : int
        Exponent field width, bits (0 for integers).
    mantissa_bits : int
        Explicit mantissa bits (fp) or magnitude bits (int, without sign), bits.
    signed : bool
        Whether the element carries a sign.
    block_scaled : bool
        True for OCP MX formats (32-element blocks with a shared E8M0 scale).
    """

    name: str
    kind: str
    bits: int
    exponent_bits: int
    mantissa_bits: int
    signed: bool
    block_scaled: bool


def parse_format(name: str) -> FormatInfo | None:
    """Bit layout of ``name``, or None when it does not follow :data:`FORMAT_GRAMMAR`."""
    if not isinstance(name, str):
        return None
    text = name.strip().lower()
    block = text.startswith("mx")
    core = _ALIASES.get(text[2:] if block else text, text[2:] if block else text)
    if m := _INT.fullmatch(core):
        bits = int(m.group(2))
        if not 2 <= bits <= 16:
            return None
        signed = m.group(1) == ""
        return FormatInfo(name, "int", bits, 0, bits - 1 if signed else bits, signed, block)
    if m := _FP.fullmatch(core):
        bits, e, mant = (int(g) for g in m.groups())
        wide = core == "fp32_e8m23"  # fp32, the one format past the generic ranges
        if bits != 1 + e + mant or not 1 <= e <= 8 or not (0 <= mant <= 10 or wide):
            return None
        return FormatInfo(name, "fp", bits, e, mant, True, block)
    return None
