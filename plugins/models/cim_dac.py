"""hwcomponents model of a CIM row DAC (binary-weighted switched capacitors)."""

from __future__ import annotations

from typing import Any

from hwcomponents import ActionCost, ComponentModel, action

from grcim.errors import ModelDomainError
from grcim.physics.energy.analog import dac_magnitude_bits
from grcim.physics.energy.area import input_driver_area_m2, leakage_power_w
from grcim.physics.energy.macro import DAC_KINDS, MAX_SLICES
from grcim.physics.energy.per_mac import input_drive_energy_j
from grcim.physics.technology import Technology
from grcim.plugins.models.attributes import as_choice, as_int, as_int_points
from grcim.plugins.models.batch import BatchCosts, TollModel, full
from grcim.plugins.models.ensemble import analog_rate

__all__ = ["CIMDAC"]


class CIMDAC(TollModel, ComponentModel):
    """Row DAC: ``2**m`` unit capacitors switched through the analog swing (``m`` magnitude
    bits per step, ``grcim.physics.energy.analog.dac_magnitude_bits``).

    ``convert`` costs ``grcim.physics.energy.analog.dac_energy_j`` of the step's magnitude
    bits (the row line it drives is the cells' capacitance, charged by the MAC models): one
    drive of one row with one input step, the ``dac`` term's unit in
    ``grcim.physics.energy.per_mac``.

    Parameters
    ----------
    n_bits : int
        DAC resolution per step, 1..16. Required. With one step per input it includes the
        sign (``n_bits - 1`` magnitude bits); with several it is one magnitude digit (the
        sign drives every step's polarity), as the macro's ``dac_bits``.
    n_dacs : int
        DACs this instance stands for (area and leakage count all of them).
    throughput : float or None
        Conversions per second of all ``n_dacs`` together; default ``n_dacs`` x the
        technology's conversion rate.
    dac_kind : {"capacitive", "pulse"}
        A binary-weighted capacitor DAC, or a pulse-count driver (its down-counter; the
        pulses on the word line are priced by the MAC models' ``array`` term). The area is
        the driver's own: the capacitor array and input register, or the counter with its
        decrement and zero-detect logic (``grcim.physics.energy.area``).
    technology, tech_node
        Technology file or bundled node, and/or feature size.
    n_input_slices : int
        DAC steps per input (the macro's ``n_input_slices``), 1..32; default 1 (an arch
        whose macro takes several steps must pass it: ``grcim.arch.bindings``).
    """

    component_name = ["cim_dac", "grcim_dac"]
    """Names in architecture files (``component_class``)."""
    priority = 0.9
    VECTOR_ATTRIBUTES = ("n_bits",)

    def __init__(self, n_bits: int, n_dacs: int = 1, throughput: float | None = None,
                 dac_kind: str = "capacitive", technology: str | None = None,
                 tech_node: float | str | None = None, n_input_slices: int = 1) -> None:
        self._setup(dict(locals()))

    @classmethod
    def costs_at(cls, attrs: dict[str, Any], n: int, tech: Technology) -> BatchCosts:
        # an integer resolution (a DAC has whole capacitor bits), checked per point
        if attrs["n_bits"] is None or (isinstance(attrs["n_bits"], list)
                                       and any(v is None for v in attrs["n_bits"])):
            raise ModelDomainError("n_bits", None, "an integer from 1 to 16 (required)")
        bits = full(n, as_int_points("n_bits", attrs["n_bits"], 1, 16, 1))
        n_dacs = as_int("n_dacs", attrs.get("n_dacs", 1), 1, 1 << 20)
        kind = as_choice("dac_kind", attrs.get("dac_kind") or "capacitive", DAC_KINDS)
        steps = as_int("n_input_slices", attrs.get("n_input_slices", 1), 1, MAX_SLICES)
        energy = input_drive_energy_j(bits, tech, kind, steps)
        rate = analog_rate(attrs, tech, "throughput", n_dacs)
        area = n_dacs * input_driver_area_m2(dac_magnitude_bits(bits, steps), tech, kind)
        return BatchCosts({"convert": energy, "read": energy}, area,
                          leakage_power_w(energy, rate), full(n, n_dacs / rate), full(n, rate))

    @action
    def convert(self) -> ActionCost:
        """Drive one row with one input (J; latency of one DAC, s; conversions/s of all)."""
        return self._cost("convert")
