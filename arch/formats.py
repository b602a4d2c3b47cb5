"""Names of number formats in arch files, and what they tell about bit widths.

An arch file accepts exactly the format names the physics rounds and prices
(:func:`grcim.physics.formats.get_format`, whose grammar :data:`FORMAT_GRAMMAR` is): one
grammar for arch files, sweep variables and ``grcim table --set``. In short: the named
formats (``fp8_e4m3``, ``fp8_e5m2``, ``fp6_e2m3``, ``fp6_e3m2``, ``fp4_e2m1``, ``bf16``,
``fp16``, ``fp32``, ``int4``, ``int8``, ``mxfp8_e4m3``, ``mxfp4``, ``mxint8``, ...) and their
aliases (``e4m3``, ``fp4``, ``half``, ...); ``[fp<N>_]e<E>m<M>`` with E 1..8, M 0..10 and
N = 1 + E + M, optionally suffixed ``_fn``, ``_ieee`` or ``_finite`` (which codes are not
numbers) and ``_ftz`` (no subnormals); ``int<N>`` with N 2..16 (symmetric signed integers;
there are no unsigned formats); and an ``mx`` prefix for an OCP Microscaling block format
over such an element (blocks of 32 elements share an E8M0 scale).

This module reads only the bit layout of a name (:class:`FormatInfo`); the numerics of the
formats live in :mod:`grcim.physics.formats`.
"""

from __future__ import annotations

from dataclasses import dataclass

from grcim.errors import ModelDomainError
from grcim.physics.formats import GRAMMAR, NumberFormat, get_format

__all__ = ["FormatInfo", "parse_format", "canonical_format", "format_problem", "FORMAT_GRAMMAR"]

FORMAT_GRAMMAR = GRAMMAR
"""What a format name may be: the physics' grammar, so the two cannot disagree."""


@dataclass(frozen=True)
class FormatInfo:
    """Bit layout of a format name.

    Attributes
    ----------
    name : str
        The name as written.
    kind : str
        ``"int"`` or ``"fp"`` (of the element, for an MX block format).
    bits : int
        Bits per element (without any shared block scale), bits.
    exponent_bits : int
        Exponent field width, bits (0 for integers).
    mantissa_bits : int
        Explicit mantissa bits (fp) or magnitude bits (int, without sign), bits.
    signed : bool
        Whether the element carries a sign (every format the physics knows does).
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


def _lookup(name: object) -> NumberFormat | str:
    """The physics' format of ``name``, or why it has none (its one-line reason)."""
    if not isinstance(name, str):
        return f"a format name ({FORMAT_GRAMMAR})"
    try:
        return get_format(name)
    except ModelDomainError as exc:
        return exc.allowed


def format_problem(name: object) -> str | None:
    """Why ``name`` is not a format (the physics' message, grammar included), or None."""
    found = _lookup(name)
    return found if isinstance(found, str) else None


def canonical_format(name: str) -> str | None:
    """The physics' own name of the format ``name`` spells (``E4M3``, ``fp8-e4m3`` and
    ``fp8_e4m3`` are one format), or None when it is not a format."""
    fmt = _lookup(name)
    return None if isinstance(fmt, str) else fmt.name


def parse_format(name: str) -> FormatInfo | None:
    """Bit layout of ``name``, or None when it does not follow :data:`FORMAT_GRAMMAR`."""
    fmt = _lookup(name)
    if isinstance(fmt, str):
        return None
    block = fmt.kind == "mx"
    element = fmt.element if block and fmt.element is not None else fmt
    kind = "int" if element.kind == "int" else "fp"
    return FormatInfo(name, kind, element.bits, element.exp_bits, element.man_bits, True, block)
