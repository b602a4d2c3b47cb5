"""hwcomponents discovers plug-ins by the top-level name prefix ``hwcomponents_``.

This package only re-exports grcim's models (``grcim.plugins.models``); nothing in grcim
imports it. Discovery needs a regular (non-editable) install of grcim.
"""

from grcim.plugins.models import (
    CIMADC,
    CIMDAC,
    ConventionalFPMAC,
    ExponentNormalizer,
    GainRangingMAC,
    GainRangingStage,
    IntCIMMAC,
)

__all__ = ["GainRangingMAC", "ConventionalFPMAC", "IntCIMMAC", "GainRangingStage",
           "ExponentNormalizer", "CIMADC", "CIMDAC"]
