"""hwcomponents component models of grcim (one class per file; no model code here).

Each model is a thin adapter over the science core (``grcim.physics.energy``,
``grcim.physics.operating_point``): SI units, one ``@action`` method per action, a decline
(``ModelDomainError`` raised in ``__init__``, logged by hwcomponents) for attributes it
cannot serve. Shared pieces: ``attributes`` (checks), ``technode`` (tech_node mapping),
``ensemble`` (operating points), ``batch`` (vectorized evaluation, also used by
``grcim.plugins.tables``). ``hwcomponents_grcim`` re-exports the classes so hwcomponents
discovers them after a regular install; grcim's own code passes ``MODELS`` explicitly.
May import ``grcim.physics`` and hwcomponents; nothing in the
physics imports this package.
"""

from grcim.plugins.models.cim_adc import CIMADC
from grcim.plugins.models.cim_dac import CIMDAC
from grcim.plugins.models.conventional_fp_mac import ConventionalFPMAC
from grcim.plugins.models.exponent_normalizer import ExponentNormalizer
from grcim.plugins.models.gain_ranging_stage import GainRangingStage
from grcim.plugins.models.gr_mac import GainRangingMAC
from grcim.plugins.models.int_cim_mac import IntCIMMAC

MODELS = (GainRangingMAC, ConventionalFPMAC, IntCIMMAC, GainRangingStage, ExponentNormalizer,
          CIMADC, CIMDAC)
"""Every grcim model class, for ``hwcomponents.get_action_cost(..., models=list(MODELS))``."""

__all__ = ["MODELS", "GainRangingMAC", "ConventionalFPMAC", "IntCIMMAC", "GainRangingStage",
           "ExponentNormalizer", "CIMADC", "CIMDAC"]
