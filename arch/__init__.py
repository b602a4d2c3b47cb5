"""grcim.arch: typed, validated CIM macro and chip architectures, and the bundled YAML.

Rules of this subpackage: it imports only the grcim core (``grcim.errors``, ``yamlio``,
``expressions``, ``resources``) and pydantic, never ``grcim.plugins``, ``grcim.workloads`` or
``grcim.mapper``. Every object parsed from a file is a frozen pydantic model with
``extra="forbid"``; every value is SI (m, Hz, s, J, W, m²) or carries its unit in its name
(``_bytes``, ``_bits``, ``_db``). Bundled files: ``macros/*.yaml`` and ``chips/*.yaml``,
each an AccelForge arch file (see ``docs/arch.md``).

Modules: ``formats`` (format names), ``cim`` (macro), ``chip`` (SRAM, DRAM, vector unit),
``nodes`` (AccelForge node tree), ``roles`` (which node is the DRAM, the vector unit, ...;
shared by the node check ``consistency`` and the mapper), ``variables`` (the
``arch.variables`` key table), ``fields`` and ``quoting`` (reading values), ``spec``
(:class:`Arch`), ``loader``.
"""

from __future__ import annotations

from grcim.arch.chip import (
    ChipSpec,
    DramKind,
    DramSpec,
    DynamicMatmulUnit,
    KvCachePlacement,
    SramSpec,
    VectorUnitSpec,
)
from grcim.arch.cim import COMPUTE_CLASS, AdcLaw, MacroSpec, Normalization, Pipeline
from grcim.arch.formats import FormatInfo, parse_format
from grcim.arch.loader import (
    DEFAULT_ARCH,
    is_arch_document,
    list_bundled,
    load_arch,
    load_arch_text,
)
from grcim.arch.spec import Arch

__all__ = [
    # loading
    "DEFAULT_ARCH",
    "list_bundled",
    "load_arch",
    "load_arch_text",
    "is_arch_document",
    # objects
    "Arch",
    "MacroSpec",
    "ChipSpec",
    "SramSpec",
    "DramSpec",
    "VectorUnitSpec",
    # vocabularies
    "Pipeline",
    "Normalization",
    "AdcLaw",
    "DramKind",
    "KvCachePlacement",
    "DynamicMatmulUnit",
    "COMPUTE_CLASS",
    "FormatInfo",
    "parse_format",
]
