"""Number formats of CIM operands and their rounding: FP8/FP6/FP4, FP16, BF16, INT, OCP MX.

A :class:`NumberFormat` is a frozen record of a format's bit layout and range. ``quantize``
rounds float64 arrays into a format, ``decompose`` splits numbers into sign, mantissa and
exponent (the view the GR-MAC pipeline takes), ``exponent_range_bits`` sizes exponent logic.

Rounding of the named FP formats is done by ``ml_dtypes`` (and numpy for fp16/fp32); this
module adds what they lack: saturation to the largest finite value, correct rounding from
float64 (see below), OCP MX block scaling, and a generic E/M quantizer for parameter sweeps.

Why the float32 round-to-odd step: ``ml_dtypes`` converts float64 to its 8/6/4-bit types and
to bfloat16 through float32, i.e. it rounds twice. ``1 + 2**-4 + 2**-40`` then becomes 1.0 in
E4M3 instead of 1.125 (the float32 step turns it into an exact tie). Rounding to float32 *to
odd* first and then to nearest-even in the target is exact whenever the intermediate carries
at least two more bits than the target (Boldo & Melquiond, IEEE Trans. Computers 57(4), 2008),
which float32 does for every format here, subnormals included.

References
----------
OCP 8-bit Floating Point Specification (OFP8), rev. 1.0, 2023 (E4M3, E5M2).
OCP Microscaling Formats (MX) Specification v1.0, 2023 (MXFP8/6/4, MXINT8, E8M0 scales).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import ml_dtypes
import numpy as np
from numpy.typing import ArrayLike, NDArray

from grcim.errors import ModelDomainError

__all__ = [
    "NumberFormat",
    "FORMATS",
    "get_format",
    "make_fp_format",
    "make_int_format",
    "quantize",
    "mx_scale_exponents",
    "decompose",
    "exponent_range_bits",
]

F64 = NDArray[np.float64]

#: Octaves spanned by the E8M0 shared scale of OCP MX (exponents -127..127).
MX_SCALE_OCTAVES = 254
#: Bits of the E8M0 shared scale stored once per MX block.
MX_SCALE_BITS = 8


@dataclass(frozen=True)
class NumberFormat:
    """Bit layout and range of one number format.

    For ``kind == "mx"`` the range fields describe the *element* grid in units of the block's
    shared power-of-two scale (they equal ``element``'s fields); the scale adds
    :data:`MX_SCALE_OCTAVES` octaves on top (see :meth:`block_dynamic_range_bits`).

    Attributes
    ----------
    name : str
        Canonical lower-case key (``"fp8_e4m3"``).
    kind : {"int", "fp", "mx"}
        Integer (symmetric, sign-magnitude range), floating point, or OCP MX block format.
    exp_bits : int
        Exponent field width in bits (0 for int).
    man_bits : int
        Explicit mantissa (fraction) bits; for int, the magnitude bits (``bits - 1``).
    bits : int
        Storage bits per element, excluding the shared MX scale.
    max_value : float
        Largest finite magnitude (dimensionless; for int, in units of the LSB times
        ``min_normal``).
    min_normal : float
        Smallest normal magnitude; for int the LSB (1.0 for plain integers).
    min_subnormal : float
        Smallest non-zero magnitude (``== min_normal`` when there are no subnormals).
    emin, emax : int
        Unbiased exponent range of normal numbers (0, 0 for int).
    block_size : int or None
        Elements sharing one scale (32 for MX), None otherwise.
    element : NumberFormat or None
        Element format of an MX format, None otherwise.
    """

    name: str
    kind: Literal["int", "fp", "mx"]
    exp_bits: int
    man_bits: int
    bits: int
    max_value: float
    min_normal: float
    min_subnormal: float
    emin: int
    emax: int
    block_size: int | None = None
    element: NumberFormat | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("int", "fp", "mx"):
            raise ModelDomainError("kind", self.kind, "one of: fp, int, mx")
        is_mx = self.kind == "mx"
        if is_mx != (self.block_size is not None and self.element is not None):
            raise ModelDomainError(
                "block_size", self.block_size, "an int with an element format iff kind is mx"
            )
        if not 0.0 < self.min_subnormal <= self.min_normal <= self.max_value:
            raise ModelDomainError(
                "min_subnormal", self.min_subnormal, "0 < min_subnormal <= min_normal <= max"
            )

    @property
    def precision_bits(self) -> int:
        """Significand bits: ``man_bits + 1`` (hidden bit) for fp/mx, ``bits - 1`` for int."""
        if self.kind == "int" or (self.element is not None and self.element.kind == "int"):
            return self.bits - 1
        return self.man_bits + 1

    @property
    def has_subnormals(self) -> bool:
        """True when non-zero magnitudes below ``min_normal`` exist."""
        return self.min_subnormal < self.min_normal

    @property
    def effective_bits(self) -> float:
        """Storage bits per element including the MX scale amortised over its block."""
        if self.block_size is None:
            return float(self.bits)
        return self.bits + MX_SCALE_BITS / self.block_size

    def dynamic_range_bits(self, subnormals: bool = True) -> float:
        """Octaves between the largest and the smallest non-zero magnitude.

        ``log2(max_value / min_subnormal)``, or ``log2(max_value / min_normal)`` with
        ``subnormals=False``. For MX formats this is the range *within one block* (the element
        range); :meth:`block_dynamic_range_bits` adds the scale.
        """
        low = self.min_subnormal if subnormals else self.min_normal
        return math.log2(self.max_value / low)

    def block_dynamic_range_bits(self, subnormals: bool = True) -> float:
        """Range across blocks: element range plus 254 octaves of E8M0 scale for MX formats.

        Equal to :meth:`dynamic_range_bits` for formats without a shared scale.
        """
        extra = MX_SCALE_OCTAVES if self.kind == "mx" else 0
        return self.dynamic_range_bits(subnormals) + extra


def _check_int(item: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
        low <= int(value) <= high
    ):
        raise ModelDomainError(item, value, f"an integer in {low}..{high}")
    return int(value)


def make_fp_format(exp_bits: int, man_bits: int, subnormals: bool = True) -> NumberFormat:
    """Generic IEEE-like FP format for sweeps: bias ``2**(E-1)-1``, every exponent code finite.

    Like OCP's E2M1/E2M3/E3M2 there is no inf/NaN encoding, so the top exponent code holds
    normal numbers: ``emax = 2**E - 1 - bias``, ``max = (2 - 2**-M) * 2**emax``. (This makes
    ``make_fp_format(4, 3)`` reach 480 where OCP E4M3 stops at 448, and E5M2 reach 114688
    where the IEEE-style OCP E5M2 stops at 57344.) Without subnormals the representable set is
    zero plus the normals and rounding is to the nearest member of that set.

    Parameters
    ----------
    exp_bits : int
        Exponent bits E, 1..8.
    man_bits : int
        Mantissa (fraction) bits M, 0..10.
    subnormals : bool
        Whether exponent code 0 holds subnormals (else it is flush-to-zero).
    """
    e = _check_int("exp_bits", exp_bits, 1, 8)
    m = _check_int("man_bits", man_bits, 0, 10)
    bias = 2 ** (e - 1) - 1
    emin, emax = 1 - bias, 2**e - 1 - bias
    min_normal = 2.0**emin
    has_sub = bool(subnormals) and m > 0
    return NumberFormat(
        name=f"generic_e{e}m{m}" + ("" if subnormals else "_ftz"),
        kind="fp", exp_bits=e, man_bits=m, bits=1 + e + m,
        max_value=(2.0 - 2.0**-m) * 2.0**emax, min_normal=min_normal,
        min_subnormal=2.0 ** (emin - m) if has_sub else min_normal, emin=emin, emax=emax,
    )


def make_int_format(bits: int) -> NumberFormat:
    """Symmetric signed integer of ``bits`` bits (2..16): values -(2**(b-1)-1)..2**(b-1)-1.

    The most negative two's-complement code is unused so that the range is symmetric, as in
    symmetric per-tensor INT quantization.
    """
    b = _check_int("bits", bits, 2, 16)
    return NumberFormat(name=f"int{b}", kind="int", exp_bits=0, man_bits=b - 1, bits=b,
                        max_value=float(2 ** (b - 1) - 1), min_normal=1.0, min_subnormal=1.0,
                        emin=0, emax=0)


def _from_finfo(name: str, dtype: type) -> NumberFormat:
    info = ml_dtypes.finfo(dtype)
    return NumberFormat(
        name=name, kind="fp", exp_bits=int(info.nexp), man_bits=int(info.nmant),
        bits=int(info.bits), max_value=float(info.max),
        min_normal=float(info.smallest_normal), min_subnormal=float(info.smallest_subnormal),
        emin=int(info.minexp), emax=int(info.maxexp) - 1,
    )


def _mx(name: str, element: NumberFormat) -> NumberFormat:
    el = element
    return NumberFormat(name=name, kind="mx", exp_bits=el.exp_bits, man_bits=el.man_bits,
                        bits=el.bits, max_value=el.max_value, min_normal=el.min_normal,
                        min_subnormal=el.min_subnormal, emin=el.emin, emax=el.emax,
                        block_size=32, element=el)


# Element dtype used for rounding each named FP format.
_DTYPES: dict[str, type] = {
    "fp8_e4m3": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
    "bf16": ml_dtypes.bfloat16,
    "fp16": np.float16,
    "fp32": np.float32,
}
# numpy converts float64 to these directly and correctly; the others need round-to-odd.
_DIRECT = {"fp16", "fp32"}

# MXINT8 elements are 8-bit two's complement with an implicit 2**-6 scale (Q1.6): emax 0,
# max 127/64 (the spec allows skipping the -2.0 code; we keep the range symmetric).
_MXINT8_ELEMENT = NumberFormat(
    name="fixed8_q1_6", kind="int", exp_bits=0, man_bits=7, bits=8, max_value=127 / 64,
    min_normal=2.0**-6, min_subnormal=2.0**-6, emin=0, emax=0,
)

FORMATS: dict[str, NumberFormat] = {n: _from_finfo(n, d) for n, d in _DTYPES.items()}
FORMATS |= {"int4": make_int_format(4), "int8": make_int_format(8)}
FORMATS |= {
    "mxfp8_e4m3": _mx("mxfp8_e4m3", FORMATS["fp8_e4m3"]),
    "mxfp8_e5m2": _mx("mxfp8_e5m2", FORMATS["fp8_e5m2"]),
    "mxfp6_e2m3": _mx("mxfp6_e2m3", FORMATS["fp6_e2m3"]),
    "mxfp6_e3m2": _mx("mxfp6_e3m2", FORMATS["fp6_e3m2"]),
    "mxfp4": _mx("mxfp4", FORMATS["fp4_e2m1"]),
    "mxint8": _mx("mxint8", _MXINT8_ELEMENT),
}
"""Named formats by canonical name."""

_ALIASES: dict[str, str] = {n: n for n in FORMATS} | {
    "e4m3": "fp8_e4m3", "e4m3fn": "fp8_e4m3", "fp8_e4m3fn": "fp8_e4m3",
    "float8_e4m3fn": "fp8_e4m3",
    "e5m2": "fp8_e5m2", "float8_e5m2": "fp8_e5m2",
    "e2m3": "fp6_e2m3", "float6_e2m3fn": "fp6_e2m3",
    "e3m2": "fp6_e3m2", "float6_e3m2fn": "fp6_e3m2",
    "fp4": "fp4_e2m1", "e2m1": "fp4_e2m1", "float4_e2m1fn": "fp4_e2m1",
    "float16": "fp16", "half": "fp16", "bfloat16": "bf16", "float32": "fp32",
    "mxfp4_e2m1": "mxfp4",
}


def get_format(name: str) -> NumberFormat:
    """Named format by canonical name or alias (case-insensitive, ``-`` same as ``_``).

    Raises
    ------
    ModelDomainError
        Unknown name; the message lists the canonical names.
    """
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    if key not in _ALIASES:
        raise ModelDomainError("format", name, "one of: " + ", ".join(sorted(FORMATS)))
    return FORMATS[_ALIASES[key]]


def _as_format(fmt: NumberFormat | str) -> NumberFormat:
    return fmt if isinstance(fmt, NumberFormat) else get_format(fmt)


def _round_fp_magnitude(a: F64, fmt: NumberFormat) -> F64:
    """Round magnitudes ``a >= 0`` to nearest-even on ``fmt``'s grid, exponent unbounded above.

    The quantum of a value in binade ``[2**e, 2**(e+1))`` is ``2**(e - M)``; subnormals share
    the quantum of the lowest normal binade. ``ldexp`` scalings are exact, so ``rint`` (ties to
    even) is the only rounding step.
    """
    _, e = np.frexp(a)
    exp = e.astype(np.int64) - 1
    if fmt.has_subnormals:
        exp = np.maximum(exp, fmt.emin)
    shift = fmt.man_bits - exp
    q = np.ldexp(np.rint(np.ldexp(a, shift)), -shift)
    if not fmt.has_subnormals:
        # Only 0 and min_normal are candidates below min_normal; a tie goes to 0 (even).
        below = np.where(a > 0.5 * fmt.min_normal, fmt.min_normal, 0.0)
        q = np.where(a < fmt.min_normal, below, q)
    return q


def _to_float32_round_to_odd(x: F64) -> NDArray[np.float32]:
    """float64 -> float32 rounding to odd: inexact results get an odd last mantissa bit."""
    y = x.astype(np.float32)
    fix = (y.astype(np.float64) != x) & ((y.view(np.uint32) & 1) == 0)
    if np.any(fix):
        toward = np.where(x > y, np.float32(np.inf), np.float32(-np.inf)).astype(np.float32)
        y = np.where(fix, np.nextafter(y, toward), y)
    return y


def _quantize_scalar_format(x: F64, fmt: NumberFormat, saturate: bool) -> F64:
    """Element-wise rounding into an int or fp format (no shared scale)."""
    if fmt.kind == "int":
        top = 2.0 ** (fmt.bits - 1) - 1
        n = np.rint(x / fmt.min_normal)  # min_normal is a power of two: exact division
        q = np.clip(n, -top, top) * fmt.min_normal
        overflow = np.abs(n) > top
    elif fmt.name in _DTYPES and FORMATS.get(fmt.name) == fmt:
        clipped = np.clip(x, -fmt.max_value, fmt.max_value)
        pre = clipped if fmt.name in _DIRECT else _to_float32_round_to_odd(clipped)
        q = pre.astype(_DTYPES[fmt.name]).astype(np.float64)
        overflow = None if saturate else _round_fp_magnitude(np.abs(x), fmt) > fmt.max_value
    else:
        mag = _round_fp_magnitude(np.abs(x), fmt)
        overflow = mag > fmt.max_value
        q = np.copysign(np.minimum(mag, fmt.max_value), x)
    if saturate or overflow is None:
        return q
    return np.where(overflow, np.copysign(np.inf, x), q)


def _blocked(x: F64, block_size: int) -> F64:
    """View the last axis as ``(n_blocks, block_size)``, zero-padding a ragged final block."""
    n = x.shape[-1]
    pad = -n % block_size
    if pad:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, pad)])
    return x.reshape(x.shape[:-1] + (x.shape[-1] // block_size, block_size))


def mx_scale_exponents(x: ArrayLike, fmt: NumberFormat | str) -> NDArray[np.int64]:
    """Shared E8M0 scale exponent of each MX block along the last axis.

    ``floor(log2(amax)) - element.emax`` clamped to [-127, 127] (OCP MX v1.0, section 6.3);
    an all-zero block gets -127, a block holding inf or NaN gets 127.

    Returns
    -------
    ndarray of int64, shape ``x.shape[:-1] + (ceil(x.shape[-1] / block_size),)``
    """
    f = _as_format(fmt)
    if f.kind != "mx" or f.element is None or f.block_size is None:
        raise ModelDomainError("format", f.name, "an MX format (mxfp8_e4m3, mxfp4, mxint8, ...)")
    amax = np.max(np.abs(_blocked(np.atleast_1d(np.asarray(x, np.float64)), f.block_size)), -1)
    _, e = np.frexp(amax)  # amax = m * 2**e with m in [0.5, 1): floor(log2 amax) = e - 1
    shared = e.astype(np.int64) - 1 - f.element.emax
    shared = np.where(amax > 0, shared, -127)
    shared = np.where(np.isfinite(amax), shared, 127)
    return np.clip(shared, -127, 127)


def quantize(x: ArrayLike, fmt: NumberFormat | str, *, saturate: bool = True) -> F64:
    """Round ``x`` to the nearest value of ``fmt`` (ties to even); same shape, float64.

    - fp: IEEE round-to-nearest-even incl. subnormals. With ``saturate`` (default) magnitudes
      beyond ``max_value`` become ``±max_value``; otherwise values that round above
      ``max_value`` become ``±inf`` (for every format, whether or not it encodes inf).
    - int: ``rint`` then clip to ``±(2**(bits-1)-1)``, in units of 1 (scale beforehand).
    - mx: blocks of ``block_size`` consecutive elements along the *last* axis share the scale
      of :func:`mx_scale_exponents`; a ragged final block is scaled on its own. Elements are
      always clamped to the element range, as the OCP MX conversion prescribes, so
      ``saturate`` has no effect for MX.

    NaN stays NaN; ``±inf`` saturates like any large value.
    """
    f = _as_format(fmt)
    arr = np.asarray(x, dtype=np.float64)
    if f.kind != "mx" or f.element is None or f.block_size is None:
        return np.asarray(_quantize_scalar_format(arr, f, saturate), dtype=np.float64)
    flat = np.atleast_1d(arr)
    n = flat.shape[-1]
    scale = mx_scale_exponents(flat, f)[..., None]
    blocks = _blocked(flat, f.block_size)
    elements = _quantize_scalar_format(np.ldexp(blocks, -scale), f.element, saturate=True)
    out = np.ldexp(elements, scale).reshape(flat.shape[:-1] + (blocks.shape[-2] * f.block_size,))
    out = out[..., :n]
    return out.reshape(arr.shape)


def decompose(x: ArrayLike) -> tuple[F64, F64, NDArray[np.int64]]:
    """Split finite ``x`` into ``sign``, ``mantissa`` and ``exponent``.

    ``x == sign * np.ldexp(mantissa, exponent)`` exactly, with ``sign`` in {-1.0, +1.0}
    (the sign bit, so ``-0.0`` keeps its sign), ``mantissa`` in [1, 2) for non-zero ``x`` and
    ``mantissa == 0, exponent == 0`` for zeros. float64 subnormals are normalised too
    (``2**-1074`` gives exponent -1074).

    Raises
    ------
    ModelDomainError
        If ``x`` holds inf or NaN.
    """
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ModelDomainError("x", "non-finite values", "finite numbers only")
    m, e = np.frexp(np.abs(arr))  # |x| = m * 2**e, m in [0.5, 1)
    sign = np.where(np.signbit(arr), -1.0, 1.0)
    zero = arr == 0
    exponent = np.where(zero, 0, e.astype(np.int64) - 1)
    return sign, 2.0 * m, exponent


def exponent_range_bits(fmt: NumberFormat | str) -> int:
    """Bits to hold every exponent a non-zero value of ``fmt`` has once normalised.

    Normalised subnormals extend the range down to ``emin - man_bits``, so E4M3 needs
    ``ceil(log2(8 - (-9) + 1)) = 5`` bits, one more than its exponent field. Zero is flagged
    separately and not counted. Integers (and MXINT8) have no exponent: 0. MX formats report
    their element's exponents; the 8-bit block scale is added per block, not per element.
    """
    f = _as_format(fmt)
    el = f.element if f.element is not None else f
    if el.kind == "int":
        return 0
    low = el.emin - (el.man_bits if el.has_subnormals else 0)
    return (el.emax - low).bit_length()  # ceil(log2(count)) with count = emax - low + 1
