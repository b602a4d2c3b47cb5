"""grcim's components as classic Accelergy 0.4 estimator plug-ins (one shim file).

Accelergy loads this file by path (``grcim.estimator.yaml`` names it) and uses every class
defined *here* whose base is ``Estimator``: ``__init__`` arguments and action arguments are
matched to the component's attributes by name, ``@actionDynamicEnergy`` methods return J,
``get_area`` m², ``leak(global_cycle_seconds)`` J per cycle. Each class wraps the grcim
hwcomponents model of the same component, so the numbers are exactly grcim's.

Guards: if ``accelergy`` is missing, a stand-in ``Estimator`` keeps the file importable;
if ``grcim`` (or a dependency) cannot be imported in Accelergy's Python, the module still
loads and every class declines in ``__init__`` with the reason, so Accelergy tries its other
plug-ins instead of crashing. Attribute ``technology`` (Accelergy's usual spelling:
``22nm``, a number in nm, or metres) overrides ``tech_node`` (metres).
"""

from __future__ import annotations

import re
from typing import Any

try:
    from accelergy.plug_in_interface.estimator import Estimator, actionDynamicEnergy
except ImportError:  # no Accelergy here: keep the classes importable for inspection

    class Estimator:  # type: ignore[no-redef]
        """Stand-in with Accelergy's base-class name (used only without Accelergy)."""

        name: Any = None
        percent_accuracy_0_to_100: Any = None

        def __init__(self, name: str | None = None) -> None:
            self.estimator_name = name

    def actionDynamicEnergy(func: Any) -> Any:  # noqa: N802 (Accelergy's name)
        """Mark ``func`` as an Accelergy action."""
        func._is_accelergy_action = True
        return func


try:
    from grcim.plugins import models as _models

    _IMPORT_ERROR = ""
except Exception as _exc:  # noqa: BLE001  any import failure must leave Accelergy running
    _models = None
    _IMPORT_ERROR = f"{type(_exc).__name__}: {_exc}"

_ACCURACY = 90  # grcim's own components: no other plug-in serves these names
_NM = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*nm\s*$")


def _technology_m(value: Any) -> float:
    """Accelergy's ``technology`` attribute in metres (``"22nm"``, ``22`` or ``22e-9``)."""
    if isinstance(value, str):
        m = _NM.match(value)
        if m:
            return float(m.group(1)) * 1e-9
    x = float(value)
    return x * 1e-9 if x >= 1.0 else x


class _GrcimShim:
    """Shared behaviour; not an ``Estimator`` itself, so Accelergy does not register it."""

    _model_class = ""

    def _build(self, attrs: dict[str, Any]) -> None:
        Estimator.__init__(self)  # type: ignore[arg-type]
        if _models is None:
            raise RuntimeError(
                f"grcim is not importable in Accelergy's Python "
                f"({_IMPORT_ERROR}); install grcim there"
            )
        attrs = {k: v for k, v in attrs.items() if k not in ("self", "__class__")}
        technology = attrs.pop("technology", None)
        if technology is not None:
            attrs["tech_node"] = _technology_m(technology)
        self._model = getattr(_models, self._model_class)(**attrs)

    def get_area(self) -> float:
        """Area of the component, m²."""
        return float(self._model.area)

    def leak(self, global_cycle_seconds: float) -> float:
        """Leakage energy per global cycle, J."""
        return float(self._model.leak_power) * float(global_cycle_seconds)

    def _energy(self, action: str) -> float:
        return float(getattr(self._model, action)().energy)


class GrcimGainRangingMAC(_GrcimShim, Estimator):
    """``gr_mac``: one GR-MAC with its per-MAC share of the periphery (``compute``)."""

    name = ["gr_mac", "gain_ranging_mac"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "GainRangingMAC"

    def __init__(
        self,
        input_format: str = "fp8_e4m3",
        weight_format: str = "fp8_e4m3",
        n_rows: int = 64,
        n_cols: int = 64,
        normalization: str = "row",
        gain_reference: str = "fixed",
        weight_block: int = 32,
        sqnr_target_db: float = 35.0,
        dynamic_range_bits: float = 0.0,
        adc_law: str = "thermal",
        gain_range_rule: str = "cover_range",
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        throughput: float | None = None,
        include_terms: str = "all",
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def compute(self) -> float:
        return self._energy("compute")


class GrcimConventionalFPMAC(_GrcimShim, Estimator):
    """``conventional_fp_mac``: aligned fixed-point analog FP-CIM MAC (``compute``)."""

    name = ["conventional_fp_mac", "fp_cim_mac"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "ConventionalFPMAC"

    def __init__(
        self,
        input_format: str = "fp8_e4m3",
        weight_format: str = "fp8_e4m3",
        n_rows: int = 64,
        n_cols: int = 64,
        sqnr_target_db: float = 35.0,
        dynamic_range_bits: float = 0.0,
        adc_law: str = "thermal",
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        throughput: float | None = None,
        include_terms: str = "all",
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def compute(self) -> float:
        return self._energy("compute")


class GrcimIntCIMMAC(_GrcimShim, Estimator):
    """``int_cim_mac``: integer analog CIM MAC (``compute``)."""

    name = ["int_cim_mac", "int_mac"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "IntCIMMAC"

    def __init__(
        self,
        input_bits: int,
        weight_bits: int,
        n_rows: int = 64,
        n_cols: int = 64,
        adc_bits: float | str | None = None,
        sqnr_target_db: float = 35.0,
        adc_law: str = "thermal",
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        throughput: float | None = None,
        include_terms: str = "all",
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def compute(self) -> float:
        return self._energy("compute")


class GrcimGainRangingStage(_GrcimShim, Estimator):
    """``gain_ranging_stage``: switched-capacitor gain-ranging stage (``gain``, ``read``)."""

    name = ["gain_ranging_stage", "gain_stage"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "GainRangingStage"

    def __init__(
        self,
        normalization: str = "row",
        placement: str = "output",
        input_format: str = "fp8_e4m3",
        weight_format: str = "fp8_e4m3",
        n_rows: int = 64,
        gain_reference: str = "fixed",
        weight_block: int = 32,
        sqnr_target_db: float = 35.0,
        dynamic_range_bits: float = 0.0,
        gain_range_rule: str = "cover_range",
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        throughput: float | None = None,
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def gain(self) -> float:
        return self._energy("gain")

    @actionDynamicEnergy
    def read(self) -> float:
        return self._energy("read")


class GrcimExponentNormalizer(_GrcimShim, Estimator):
    """``exponent_normalizer``: digital exponent normalization logic."""

    name = ["exponent_normalizer", "grcim_normalizer"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "ExponentNormalizer"

    def __init__(
        self,
        normalization: str = "row",
        stage: str = "input",
        input_format: str = "fp8_e4m3",
        weight_format: str = "fp8_e4m3",
        n_rows: int = 64,
        n_cols: int = 64,
        gain_reference: str = "fixed",
        weight_block: int = 32,
        sqnr_target_db: float = 35.0,
        dynamic_range_bits: float = 0.0,
        gain_range_rule: str = "cover_range",
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        cycle_period: float | None = None,
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def normalize_input(self) -> float:
        return self._energy("normalize_input")

    @actionDynamicEnergy
    def normalize_output(self) -> float:
        return self._energy("normalize_output")

    @actionDynamicEnergy
    def normalize(self) -> float:
        return self._energy("normalize")

    @actionDynamicEnergy
    def exponent_add(self) -> float:
        return self._energy("exponent_add")

    @actionDynamicEnergy
    def max_tree(self) -> float:
        return self._energy("max_tree")

    @actionDynamicEnergy
    def read(self) -> float:
        return self._energy("read")


class GrcimADC(_GrcimShim, Estimator):
    """``grcim_adc``: column ADC under grcim's ADC laws, ENOB down to 0.5 (``convert``)."""

    name = ["grcim_adc"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "CIMADC"

    def __init__(
        self,
        n_bits: Any = None,
        adc_law: str = "thermal",
        throughput: float | None = None,
        n_adcs: int = 1,
        sqnr_target_db: float = 35.0,
        pipeline: str | None = None,
        input_format: str = "fp8_e4m3",
        weight_format: str = "fp8_e4m3",
        n_rows: int = 64,
        normalization: str = "row",
        gain_reference: str = "fixed",
        weight_block: int = 32,
        dynamic_range_bits: float = 0.0,
        distribution: str = "gaussian",
        tech_node: float = 28e-9,
        slice_input_bits: int | None = None,
        slice_weight_bits: int | None = None,
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def convert(self) -> float:
        return self._energy("convert")

    @actionDynamicEnergy
    def read(self) -> float:
        return self._energy("read")


class GrcimDAC(_GrcimShim, Estimator):
    """``cim_dac``: binary-weighted capacitor row DAC (``convert``)."""

    name = ["cim_dac", "grcim_dac"]
    percent_accuracy_0_to_100 = _ACCURACY
    _model_class = "CIMDAC"

    def __init__(
        self,
        n_bits: Any,
        n_dacs: int = 1,
        throughput: float | None = None,
        tech_node: float = 28e-9,
        technology: Any = None,
    ) -> None:
        self._build(dict(locals()))

    @actionDynamicEnergy
    def convert(self) -> float:
        return self._energy("convert")

    @actionDynamicEnergy
    def read(self) -> float:
        return self._energy("read")
