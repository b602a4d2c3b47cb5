"""The result of mapping one workload step onto one chip (SI units throughout).

Every energy is in J, time in s, area in m², bytes in bytes; display units appear only in
``grcim.report``. Breakdowns conserve energy: each of ``energy_by_component_j``,
``energy_by_action_j`` and ``energy_by_layer_type_j`` sums to ``energy_j`` (leakage is its own
``leak`` action and ``(leakage)`` layer type).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["OpRecord", "MappingResult", "LEAKAGE", "JSON_KEYS"]

LEAKAGE = "(leakage)"
"""Layer-type key of the leakage energy (leakage belongs to the step, not to an op)."""


@dataclass(frozen=True)
class OpRecord:
    """One op of the step.

    Attributes
    ----------
    name, role, kind : str
        Op name, role (``q_proj``, ``softmax``, ...) and kind (``weight_matmul``, ...).
    layer : int or None
        Decoder layer.
    unit : str
        Where it ran: ``cim``, ``vector`` or ``memory`` (lookups).
    macs, vector_ops : float
        MACs and scalar vector operations.
    dram_bytes, sram_bytes : float
        Bytes moved to and from DRAM and SRAM.
    energy_j : float
        Dynamic energy, J.
    latency_s : float
        Roofline time, s.
    bound : str
        Resource that bounds it (``adc``, ``array``, ``weight_write``, ``dram``, ``sram``,
        ``vector``, ``none``).
    loop_order : str
        The chosen loop order (CIM: ``weights-outer``, ``K-outer``, ``input-outer``,
        ``resident``; vector-unit matmuls: the register scheme); empty for other ops.
    mapping : str
        The chosen loop order with its wave shape and where the input, partial sums and
        output live.
    """

    name: str
    role: str
    kind: str
    layer: int | None
    unit: str
    macs: float
    vector_ops: float
    dram_bytes: float
    sram_bytes: float
    energy_j: float
    latency_s: float
    bound: str
    loop_order: str = ""
    mapping: str = ""


@dataclass(frozen=True)
class MappingResult:
    """Whole-chip energy and latency of one prefill or decode step.

    Attributes
    ----------
    engine : str
        ``grcim`` (analytic) or ``accelforge``.
    arch, arch_description, workload, phase : str
        Names of what was mapped.
    batch, tokens, context : int
        Sequences, new tokens per sequence, context after the step.
    energy_j, dynamic_energy_j, leak_energy_j : float
        Step energy and its dynamic and leakage parts, J.
    latency_s : float
        Step latency, s (time to first token in prefill, per-token latency in decode).
    macs, cim_macs, vector_ops : float
        All MACs (weights and attention), those run in CIM, scalar vector-unit operations
        (a MAC on the vector unit is its mul + add).
    fp_macro : bool
        The macro's input and weight formats are floating point (its MACs count as FLOPs).
    area_m2 : float
        Chip area from the arch and models (DRAM excluded), m².
    array_utilization : float or None
        Weights over loaded weight slots, averaged over CIM MACs (None when the engine does
        not report it; JSON ``null``).
    adc_conversions, dac_conversions : float
        Physical column conversions and row drives.
    dram_read_bytes, dram_write_bytes, sram_read_bytes, sram_write_bytes : float
        Bytes moved, bytes.
    cell_bits_written : float
        Bits written into CIM cells during the step (weight reloads, dynamic operands).
    weights_resident : bool
        Every weight matrix fits in the macros at once (nothing reloaded per step).
    pipelined : bool
        The pipelined latency model applied.
    bound : str
        What set the step latency (``critical_path``, ``serialized``, ``pipeline``,
        ``resource:<name>``).
    critical_path_s : float
        Critical path of the op graph: of one token row's stage times when pipelined, else
        of the op times (a lower bound of the latency), s.
    resource_time_s : dict[str, float]
        Summed busy time of each resource over all ops (ops on resident weights run side by
        side, so their ADC and array times may add up to more than the step), s.
    energy_by_component_j, energy_by_action_j, energy_by_layer_type_j : dict[str, float]
        Energy, J, by arch node, by ``node.action`` (``node.leak`` for leakage) and by op
        role (``(leakage)`` for leakage).
    latency_by_layer_type_s : dict[str, float]
        Summed roofline time of the ops of each role, s (parallel ops overlap, so these
        may exceed the step latency).
    bound_by_layer_type : dict[str, str]
        The resource that bounds most of the time of each role.
    area_by_component_m2 : dict[str, float]
        Area of each node's instances, m².
    actions : dict[str, float]
        Count of every ``node.action``.
    action_energy_j : dict[str, float]
        Energy of one action of every ``node.action``, J.
    peak_cim_macs_per_s, peak_vector_ops_per_s : float
        Peak rates of all macros (full arrays) and of the vector unit, 1/s.
    dram_bandwidth_bytes_per_s : float
        DRAM bandwidth, bytes/s (the roofline's slope).
    ops : tuple of OpRecord
        Every op (empty when not kept).
    notes : tuple of str
        Assumptions that shaped this result.
    """

    engine: str
    arch: str
    arch_description: str
    workload: str
    phase: str
    batch: int
    tokens: int
    context: int
    energy_j: float
    dynamic_energy_j: float
    leak_energy_j: float
    latency_s: float
    macs: float
    cim_macs: float
    vector_ops: float
    fp_macro: bool
    area_m2: float
    array_utilization: float | None
    adc_conversions: float
    dac_conversions: float
    dram_read_bytes: float
    dram_write_bytes: float
    sram_read_bytes: float
    sram_write_bytes: float
    cell_bits_written: float
    weights_resident: bool
    pipelined: bool
    bound: str
    critical_path_s: float
    resource_time_s: dict[str, float]
    energy_by_component_j: dict[str, float]
    energy_by_action_j: dict[str, float]
    energy_by_layer_type_j: dict[str, float]
    latency_by_layer_type_s: dict[str, float]
    bound_by_layer_type: dict[str, str]
    area_by_component_m2: dict[str, float]
    actions: dict[str, float]
    action_energy_j: dict[str, float]
    peak_cim_macs_per_s: float
    peak_vector_ops_per_s: float
    dram_bandwidth_bytes_per_s: float
    ops: tuple[OpRecord, ...] = ()
    notes: tuple[str, ...] = field(default=())

    # --- metrics derived from the fields above (written by to_dict, never stored)
    @property
    def tokens_per_step(self) -> int:
        """Tokens the step produces or consumes: ``batch * tokens``."""
        return self.batch * self.tokens

    @property
    def energy_per_token_j(self) -> float:
        """``energy_j / tokens_per_step``, J."""
        return self.energy_j / self.tokens_per_step

    @property
    def tokens_per_s(self) -> float:
        """``tokens_per_step / latency_s``, 1/s (inf for a zero latency)."""
        return self.tokens_per_step / self.latency_s if self.latency_s > 0 else float("inf")

    @property
    def time_to_first_token_s(self) -> float | None:
        """The step latency of a prefill, s (None in decode)."""
        return self.latency_s if self.phase == "prefill" else None

    @property
    def per_token_latency_s(self) -> float | None:
        """The step latency of a decode step, s (None in prefill)."""
        return self.latency_s if self.phase == "decode" else None

    @property
    def tops_per_w(self) -> float:
        """``(2 cim_macs + vector_ops) / energy_j / 1e12``: all operations per joule;
        1e12 op/J = TOPS/W (0 for a zero energy)."""
        ops = 2.0 * self.cim_macs + self.vector_ops
        return ops / self.energy_j / 1e12 if self.energy_j > 0 else 0.0

    @property
    def tflops_per_w(self) -> float:
        """As :attr:`tops_per_w` over floating-point operations only: CIM MACs when the
        macro is floating point (``fp_macro``), vector-unit operations (FP16)."""
        flops = (2.0 * self.cim_macs if self.fp_macro else 0.0) + self.vector_ops
        return flops / self.energy_j / 1e12 if self.energy_j > 0 else 0.0

    @property
    def mac_utilization(self) -> float:
        """CIM MACs over what all macros could do in ``latency_s`` at full array use."""
        if self.latency_s <= 0:
            return 0.0
        return self.cim_macs / (self.latency_s * self.peak_cim_macs_per_s)

    @property
    def dram_bytes(self) -> float:
        """DRAM bytes read and written, bytes."""
        return self.dram_read_bytes + self.dram_write_bytes

    def to_dict(self, include_ops: bool = False) -> dict[str, Any]:
        """JSON-ready dict: every field and derived metric (SI, units in the key names) in
        :data:`JSON_KEYS` order, and the ops when ``include_ops``."""
        data: dict[str, Any] = {}
        for key in JSON_KEYS:
            value = getattr(self, key)
            data[key] = dict(value) if isinstance(value, dict) else value
        data["notes"] = tuple(self.notes)
        data["dram_bytes"] = self.dram_bytes
        data["units"] = {"energy": "J", "time": "s", "area": "m^2", "data": "bytes",
                         "rates": "1/s", "tops_per_w": "1e12 op/J"}
        if include_ops:
            data["ops"] = tuple(asdict(op) for op in self.ops)
        return data


JSON_KEYS: tuple[str, ...] = (
    "engine", "arch", "arch_description", "workload", "phase", "batch", "tokens", "context",
    "energy_j", "dynamic_energy_j", "leak_energy_j", "latency_s", "tokens_per_step",
    "energy_per_token_j", "tokens_per_s", "time_to_first_token_s", "per_token_latency_s",
    "macs", "cim_macs", "vector_ops", "tops_per_w", "tflops_per_w", "area_m2",
    "mac_utilization", "array_utilization", "adc_conversions", "dac_conversions",
    "dram_read_bytes", "dram_write_bytes", "sram_read_bytes", "sram_write_bytes",
    "cell_bits_written", "weights_resident", "pipelined", "bound", "critical_path_s",
    "resource_time_s", "energy_by_component_j", "energy_by_action_j", "energy_by_layer_type_j",
    "latency_by_layer_type_s", "bound_by_layer_type", "area_by_component_m2", "actions",
    "action_energy_j", "peak_cim_macs_per_s", "peak_vector_ops_per_s",
    "dram_bandwidth_bytes_per_s")
"""Keys of :meth:`MappingResult.to_dict` before ``notes``, in order (fields and derived
metrics; grcim 0.1's layout with unit suffixes on the breakdowns)."""
