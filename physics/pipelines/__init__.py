"""Bit-true, vectorized analog CIM dot-product pipelines.

Every pipeline maps operands ``x`` and ``w`` of shape ``(..., N)`` (float64, already rounded
to their number format) to the hardware's estimate of ``sum(x * w, axis=-1)``, shape ``(...)``.
``N`` is the number of rows that share one ADC. See docs/models.md, section "Pipelines".
"""

from grcim.physics.pipelines.conventional import ConventionalConfig, conventional_dot
from grcim.physics.pipelines.grmac import (
    GRMACConfig,
    grmac_accumulate,
    grmac_dot,
    grmac_output,
    row_exponents,
)

__all__ = [
    "ConventionalConfig", "conventional_dot", "GRMACConfig", "grmac_accumulate", "grmac_dot",
    "grmac_output", "row_exponents",
]
