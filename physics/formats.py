"""Number formats of CIM operands and their rounding: any ExMy FP format, INT, OCP MX.

A :class:`NumberFormat` is a frozen record of a format's bit layout and range. ``quantize``
rounds float64 arrays into a format, ``decompose`` splits numbers into sign, mantissa and
exponent (the view the GR-MAC pipeline takes), ``exponent_range_bits`` sizes exponent logic.

One generic routine rounds every FP format, named or not (``fp8_e4m3``, ``fp8_e2m5``,
``e3m4``, ``bf16``): round to nearest even on the format's grid directly from float64 (the
significand cut on the bit pattern; one exact addition for subnormals), subnormals included,
then saturation or overflow to inf. It is bit-exact against ``ml_dtypes`` wherever ml_dtypes
has the format (tests/physics/test_formats.py), and unlike ml_dtypes' float64 -> float32 ->
target path it rounds once (ml_dtypes turns ``1 + 2**-4 + 2**-40`` into 1.0 in E4M3 instead
of 1.125).

Name grammar (:func:`get_format`): ``[fp<bits>_]e<E>m<M>[_fn|_ieee|_finite][_ftz]`` with E in
1..8 and M in 0..10 (``bits`` must equal 1 + E + M); a bare ``e<E>m<M>`` means the named
format of that layout (E4M3 is OCP's ``fn``, E5M2 is IEEE-like) or, for any other layout,
the all-finite convention of OCP's FP6/FP4. ``int<b>`` (b in 2..16): symmetric integers.
``mx<element>`` (``mxfp8_e4m3``, ``mxfp6_e2m5``, ``mxint<b>``): OCP MX blocks of 32 elements
sharing one E8M0 scale.

References
----------
OCP 8-bit Floating Point Specification (OFP8), rev. 1.0, 2023 (E4M3, E5M2).
OCP Microscaling Formats (MX) Specification v1.0, 2023 (MXFP8/6/4, MXINT8, E8M0 scales).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

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
    "quantize_operands",
    "calibrated_int_scale",
    "mx_scale_exponents",
    "MX_NAN_SCALE",
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
    special : {"finite", "fn", "ieee"}
        Which codes are not finite numbers (fp only): ``finite`` every code is a number (OCP
        FP6/FP4, MX elements); ``fn`` only the all-ones code is NaN (OCP E4M3); ``ieee`` the
        all-ones exponent holds inf/NaN (IEEE 754, OCP E5M2, FP16, BF16).
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
    special: str = "finite"

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


#: Special-value conventions of FP formats (see ``NumberFormat.special``).
SPECIALS: tuple[str, ...] = ("finite", "fn", "ieee")
#: Largest generic exponent / mantissa widths a user may name (``fp8_e2m5``, ``e3m4``).
GENERIC_EXP_BITS = (1, 8)
GENERIC_MAN_BITS = (0, 10)


def make_fp_format(exp_bits: int, man_bits: int, subnormals: bool = True,
                   special: str = "finite", name: str | None = None,
                   _max_man_bits: int = GENERIC_MAN_BITS[1]) -> NumberFormat:
    """Generic FP format ``E`` exponent bits, ``M`` mantissa bits, bias ``2**(E-1)-1``.

    ``special`` says which codes are not finite numbers:

    - ``finite``: every code is a number, like OCP's E2M1/E2M3/E3M2 and the MX elements:
      ``emax = 2**E - 1 - bias``, ``max = (2 - 2**-M) * 2**emax`` (so ``make_fp_format(4, 3)``
      reaches 480);
    - ``fn``: only the all-ones code is NaN (OCP E4M3): same ``emax``,
      ``max = (2 - 2**(1 - M)) * 2**emax`` (E4M3: 448); needs ``M >= 1``;
    - ``ieee``: the all-ones exponent holds inf/NaN (IEEE 754, OCP E5M2, FP16, BF16):
      ``emax = 2**E - 2 - bias``, ``max = (2 - 2**-M) * 2**emax`` (E5M2: 57344); ``E >= 2``.

    Without subnormals the representable set is zero plus the normals (flush to zero).
    Rounding (:func:`quantize`) is one correct round-to-nearest-even from float64 for every
    format built here, named ones included.

    Parameters
    ----------
    exp_bits : int
        Exponent bits E, 1..8.
    man_bits : int
        Mantissa (fraction) bits M, 0..10 (23 for the internal fp32).
    subnormals : bool
        Whether exponent code 0 holds subnormals (else it is flush-to-zero).
    special : {"finite", "fn", "ieee"}
        Special-value convention (above).
    name : str or None
        Canonical name; default ``fp{1+E+M}_e{E}m{M}`` plus the convention and ``_ftz``
        suffixes when they differ from the default (see :func:`get_format`).
    """
    e = _check_int("exp_bits", exp_bits, *GENERIC_EXP_BITS)
    m = _check_int("man_bits", man_bits, GENERIC_MAN_BITS[0], _max_man_bits)
    if special not in SPECIALS:
        raise ModelDomainError("special", special, "one of: " + ", ".join(SPECIALS))
    if special == "fn" and m < 1:
        raise ModelDomainError("man_bits", m, "at least 1 with the 'fn' convention (the "
                               "all-ones code is NaN, a 0-bit mantissa would leave no top value)")
    if special == "ieee" and e < 2:
        raise ModelDomainError("exp_bits", e, "at least 2 with the 'ieee' convention (the "
                               "top exponent code is reserved for inf/NaN)")
    bias = 2 ** (e - 1) - 1
    emin = 1 - bias
    emax = 2**e - (2 if special == "ieee" else 1) - bias
    top_man = 2.0 - 2.0 ** (1 - m) if special == "fn" else 2.0 - 2.0**-m
    min_normal = 2.0**emin
    has_sub = bool(subnormals) and m > 0
    if name is None:
        name = f"fp{1 + e + m}_e{e}m{m}"
        if special != _default_special(e, m):
            name += f"_{special}"
        if not subnormals:
            name += "_ftz"
    return NumberFormat(
        name=name, kind="fp", exp_bits=e, man_bits=m, bits=1 + e + m,
        max_value=top_man * 2.0**emax, min_normal=min_normal,
        min_subnormal=2.0 ** (emin - m) if has_sub else min_normal, emin=emin, emax=emax,
        special=special,
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


def _mx(name: str, element: NumberFormat) -> NumberFormat:
    el = element
    return NumberFormat(name=name, kind="mx", exp_bits=el.exp_bits, man_bits=el.man_bits,
                        bits=el.bits, max_value=el.max_value, min_normal=el.min_normal,
                        min_subnormal=el.min_subnormal, emin=el.emin, emax=el.emax,
                        block_size=32, element=el)


# Named FP formats: (exponent bits, mantissa bits, special-value convention). Sources: OCP
# OFP8 rev 1.0 (E4M3 "fn", E5M2 IEEE-like), OCP MX v1.0 (FP6 E2M3/E3M2, FP4 E2M1: every code
# finite), IEEE 754 (binary16, binary32), bfloat16 (IEEE-like, 8-bit exponent).
_NAMED_FP: dict[str, tuple[int, int, str]] = {
    "fp8_e4m3": (4, 3, "fn"),
    "fp8_e5m2": (5, 2, "ieee"),
    "fp6_e2m3": (2, 3, "finite"),
    "fp6_e3m2": (3, 2, "finite"),
    "fp4_e2m1": (2, 1, "finite"),
    "bf16": (8, 7, "ieee"),
    "fp16": (5, 10, "ieee"),
    "fp32": (8, 23, "ieee"),
}


def _default_special(exp_bits: int, man_bits: int) -> str:
    """Convention a bare ``e{E}m{M}`` name means: the named format's, else ``finite``."""
    for e, m, special in _NAMED_FP.values():
        if (e, m) == (exp_bits, man_bits):
            return special
    return "finite"


# MXINT8 elements are 8-bit two's complement with an implicit 2**-6 scale (Q1.6): emax 0,
# max 127/64 (the spec allows skipping the -2.0 code; we keep the range symmetric).
_MXINT8_ELEMENT = NumberFormat(
    name="fixed8_q1_6", kind="int", exp_bits=0, man_bits=7, bits=8, max_value=127 / 64,
    min_normal=2.0**-6, min_subnormal=2.0**-6, emin=0, emax=0,
)

FORMATS: dict[str, NumberFormat] = {
    n: make_fp_format(e, m, special=sp, name=n, _max_man_bits=23)
    for n, (e, m, sp) in _NAMED_FP.items()}
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


_GENERIC_FP = re.compile(
    r"^(?:fp(?P<bits>\d+)_)?e(?P<e>\d+)m(?P<m>\d+)(?:_?(?P<sp>fn|ieee|finite))?(?P<ftz>_ftz)?$")
_GENERIC_INT = re.compile(r"^int(?P<bits>\d+)$")
GRAMMAR = ("a named format (" + ", ".join(sorted(FORMATS)) + "), [fp<bits>_]e<E>m<M>"
           "[_fn|_ieee|_finite][_ftz] with E 1..8 and M 0..10, int<2..16>, or mx<element> "
           "(mxfp8_e2m5, mxint4, ...)")


def _parse_generic(key: str) -> NumberFormat | None:
    """Format of a generic name (module docstring grammar), None if it is not one."""
    if key.startswith("mx") and len(key) > 2:
        sub = key[2:].lstrip("_")
        element = _parse_generic(sub) or _named(sub)
        if element is None or element.kind == "mx":
            return None
        if element.kind == "int":  # MXINT<b>: Q1.(b-2) fixed point, emax 0 (OCP MX v1.0)
            b = element.bits
            element = NumberFormat(
                name=f"fixed{b}_q1_{b - 2}", kind="int", exp_bits=0, man_bits=b - 1, bits=b,
                max_value=(2 ** (b - 1) - 1) / 2.0 ** (b - 2), min_normal=2.0 ** -(b - 2),
                min_subnormal=2.0 ** -(b - 2), emin=0, emax=0)
        return _mx("mx" + (f"int{element.bits}" if element.kind == "int" else element.name),
                   element)
    m_int = _GENERIC_INT.match(key)
    if m_int:
        return make_int_format(int(m_int["bits"]))
    m_fp = _GENERIC_FP.match(key)
    if not m_fp:
        return None
    e, m = int(m_fp["e"]), int(m_fp["m"])
    if m_fp["bits"] is not None and int(m_fp["bits"]) != 1 + e + m:
        raise ModelDomainError("format", key, f"fp{1 + e + m}_e{e}m{m}: the width must be "
                               "1 + E + M bits")
    special = m_fp["sp"] or _default_special(e, m)
    fmt = make_fp_format(e, m, subnormals=m_fp["ftz"] is None, special=special)
    named = _named(fmt.name)
    return named if named is not None and named == fmt else fmt


def _named(key: str) -> NumberFormat | None:
    return FORMATS[_ALIASES[key]] if key in _ALIASES else None


def get_format(name: str) -> NumberFormat:
    """Format by name: a named format or alias, or a generic name (module docstring grammar),
    case-insensitive, ``-`` same as ``_``.

    Raises
    ------
    ModelDomainError
        Unknown name, or widths outside the generic ranges; the message gives the grammar.
    """
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    if key is None:
        raise ModelDomainError("format", name, GRAMMAR)
    found = _named(key)
    if found is not None:
        return found
    try:
        found = _parse_generic(key)
    except ModelDomainError as exc:
        raise ModelDomainError("format", name, f"{exc.allowed}; formats are {GRAMMAR}") from None
    if found is None:
        raise ModelDomainError("format", name, GRAMMAR)
    return found


def _as_format(fmt: NumberFormat | str) -> NumberFormat:
    return fmt if isinstance(fmt, NumberFormat) else get_format(fmt)


def _round_fp_magnitude(a: F64, fmt: NumberFormat) -> F64:
    """Round magnitudes ``a >= 0`` to nearest-even on ``fmt``'s grid, exponent unbounded above.

    The quantum of a value in binade ``[2**e, 2**(e+1))`` is ``2**(e - M)``; subnormals share
    the quantum of the lowest normal binade. Above the subnormals this is float64's own
    significand cut to ``M`` bits, done on the bit pattern (the classic add-half-minus-one-
    plus-lsb, then mask): a carry out of the significand steps the exponent up, as rounding
    to the next binade must, and it runs several times faster than ``frexp``/``ldexp``
    around ``rint`` (the Monte Carlo rounds millions of operands per ensemble). Subnormals of
    ``fmt`` have the fixed quantum ``q = 2**(emin - M)``: adding and subtracting
    ``2**52 q`` rounds to it in one correctly rounded float64 addition (ties to even, as
    ``rint``). Both agree bit for bit with that ``rint`` form (tests/physics/test_formats.py).
    """
    m = fmt.man_bits
    sh = 52 - m  # float64 significand bits below fmt's quantum (M <= 23, fp32)
    bits = np.asarray(a, dtype=np.float64).view(np.uint64)  # same itemsize: any layout
    if m == 0:
        # one significand bit: rint's ties go to 2, the even integer, i.e. always up
        r = bits + np.uint64(1 << 51)
    else:
        r = bits >> np.uint64(sh)
        r &= np.uint64(1)  # lsb kept: ties go to even
        r += bits
        r += np.uint64((1 << (sh - 1)) - 1)
    r &= ~np.uint64((1 << sh) - 1)
    q: F64 = r.view(np.float64)
    if fmt.has_subnormals:
        small = a < fmt.min_normal
        if small.any():
            c = 2.0 ** (fmt.emin - m + 52)
            q[small] = (a[small] + c) - c
    else:
        # Only 0 and min_normal are candidates below min_normal; a tie goes to 0 (even).
        below = np.where(a > 0.5 * fmt.min_normal, fmt.min_normal, 0.0)
        q = np.where(a < fmt.min_normal, below, q)
    if a.size and np.isnan(np.max(a)):  # a NaN's payload would carry into other codes
        nan = np.isnan(a)
        q[nan] = a[nan]
    return q


def _quantize_scalar_format(x: F64, fmt: NumberFormat, saturate: bool) -> F64:
    """Element-wise rounding into an int or fp format (no shared scale)."""
    if fmt.kind == "int":
        top = 2.0 ** (fmt.bits - 1) - 1
        n = np.rint(x / fmt.min_normal)  # min_normal is a power of two: exact division
        q = np.clip(n, -top, top) * fmt.min_normal
        if saturate:
            return q
        overflow = np.abs(n) > top
    else:
        mag = _round_fp_magnitude(np.abs(x), fmt)
        q = np.copysign(np.minimum(mag, fmt.max_value), x)
        if saturate:
            return q
        overflow = mag > fmt.max_value
    return np.where(overflow, np.copysign(np.inf, x), q)


#: Elements one pass of the element-wise rounding handles: its temporaries then stay in the
#: CPU cache (Monte Carlo ensembles of millions of operands round about twice as fast).
CHUNK_ELEMENTS = 1 << 15


def _quantize_elementwise(x: F64, fmt: NumberFormat, saturate: bool) -> F64:
    """:func:`_quantize_scalar_format` in cache-sized chunks (element-wise: same bits)."""
    if x.size <= CHUNK_ELEMENTS:
        return np.asarray(_quantize_scalar_format(x, fmt, saturate), dtype=np.float64)
    flat = x.reshape(-1)
    out = np.empty(flat.shape, dtype=np.float64)
    for i in range(0, flat.size, CHUNK_ELEMENTS):
        out[i:i + CHUNK_ELEMENTS] = _quantize_scalar_format(flat[i:i + CHUNK_ELEMENTS], fmt,
                                                            saturate)
    return out.reshape(x.shape)


def _blocked(x: F64, block_size: int) -> F64:
    """View the last axis as ``(n_blocks, block_size)``, zero-padding a ragged final block."""
    n = x.shape[-1]
    pad = -n % block_size
    if pad:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, pad)])
    return x.reshape(x.shape[:-1] + (x.shape[-1] // block_size, block_size))


#: :func:`mx_scale_exponents` of a block holding inf or NaN: the E8M0 code 0xFF (255 = 128 +
#: bias 127), which encodes NaN, not a power of two.
MX_NAN_SCALE = 128


def mx_scale_exponents(x: ArrayLike, fmt: NumberFormat | str) -> NDArray[np.int64]:
    """Shared E8M0 scale exponent of each MX block along the last axis.

    ``floor(log2(amax)) - element.emax`` clamped to [-127, 127] (OCP MX v1.0, section 6.3);
    an all-zero block gets -127. A block holding inf or NaN gets ``MX_NAN_SCALE`` (128: the
    E8M0 code 0xFF, NaN), and a NaN scale makes every element of its block NaN (section
    5.3): :func:`quantize` returns such a block all NaN.

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
    shared = np.clip(shared, -127, 127)
    return np.where(np.isfinite(amax), shared, MX_NAN_SCALE)


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

    fp, int: NaN stays NaN; ``±inf`` saturates like any large value. mx: a block holding
    inf or NaN has a NaN scale (:data:`MX_NAN_SCALE`) and becomes all NaN, its finite
    elements too (OCP MX v1.0: a NaN scale makes the whole block NaN).
    """
    f = _as_format(fmt)
    arr = np.asarray(x, dtype=np.float64)
    if f.kind != "mx" or f.element is None or f.block_size is None:
        return _quantize_elementwise(arr, f, saturate)
    flat = np.atleast_1d(arr)
    n = flat.shape[-1]
    scale = mx_scale_exponents(flat, f)[..., None]
    blocks = _blocked(flat, f.block_size)
    nan_scale = scale == MX_NAN_SCALE
    scale = np.where(nan_scale, 0, scale)
    elements = _quantize_scalar_format(np.ldexp(blocks, -scale), f.element, saturate=True)
    elements = np.where(nan_scale, np.nan, elements)
    out = np.ldexp(elements, scale).reshape(flat.shape[:-1] + (blocks.shape[-2] * f.block_size,))
    out = out[..., :n]
    return out.reshape(arr.shape)


#: Values used to choose an integer operand's scale (a fixed prefix: deterministic, fast).
CALIBRATION_SAMPLES = 200_000


def calibrated_int_scale(x: ArrayLike, fmt: NumberFormat | str) -> float:
    """Per-tensor scale ``s`` (LSB size) of symmetric integer quantization of ``x``.

    An integer format of ``b`` bits holds codes ``-(2**(b-1) - 1) .. 2**(b-1) - 1``; a real
    tensor is mapped onto them as ``q = s * clip(round(x / s))``. The scale puts the largest
    code at the MSE-optimal clipping level ``c`` (``s = c / (2**(b-1) - 1)``), the
    calibration post-training integer quantizers use (Banner et al., "Post training 4-bit
    quantization of convolutional networks for rapid-deployment", NeurIPS 2019): every code
    is used, so int8 has 255 levels whatever the operands' rms, and int4's clipping trades
    granular against overload error. Found by a 24-point log grid over ``[rms, max|x|]``
    refined by bounded Brent, on the first :data:`CALIBRATION_SAMPLES` values.
    """
    from scipy import optimize

    f = _as_format(fmt)
    if f.kind != "int":
        raise ModelDomainError("format", f.name, "an integer format (int4, int8, int<b>)")
    v = np.asarray(x, dtype=np.float64).ravel()[:CALIBRATION_SAMPLES]
    v = v[np.isfinite(v)]
    peak = float(np.max(np.abs(v))) if v.size else 0.0
    if peak == 0.0:
        return 1.0
    top = f.max_value
    rms = min(float(np.sqrt(np.mean(v**2))), peak)

    def mse(log_c: float) -> float:
        step = float(np.exp(log_c)) / top
        return float(np.mean((np.clip(np.rint(v / step), -top, top) * step - v) ** 2))

    grid = np.linspace(np.log(rms), np.log(peak), 24) if peak > rms else np.array([np.log(peak)])
    errs = [mse(g) for g in grid]
    i = int(np.argmin(errs))
    if grid.size > 1:
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        res = optimize.minimize_scalar(mse, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-4})
        if res.fun < errs[i]:
            return float(np.exp(res.x)) / top
    return float(np.exp(grid[i])) / top


def quantize_operands(x: ArrayLike, fmt: NumberFormat | str) -> F64:
    """Round a tensor of real operands into ``fmt`` as a workload would store it.

    FP and MX formats round the values as they are (their exponents carry the scale);
    integer formats first take the calibrated per-tensor scale of
    :func:`calibrated_int_scale` and return ``s * code`` (real units, full code range).
    """
    f = _as_format(fmt)
    arr = np.asarray(x, dtype=np.float64)
    if f.kind != "int":
        return quantize(arr, f)
    s = calibrated_int_scale(arr, f)
    return quantize(arr / s, f) * s


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
