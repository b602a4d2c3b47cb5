"""Summaries of architectures in display units (nm, GHz, MiB, GB/s, pJ, mm²):
``grcim arch list`` and ``grcim arch show``, and the chips of comparison reports."""

from __future__ import annotations

from grcim.arch import Arch
from grcim.arch.nodes import walk_all
from grcim.report.display import binary_bytes

__all__ = ["summary_rows", "list_row", "LIST_COLUMNS"]

LIST_COLUMNS = ("name", "kind", "macros", "pipeline", "formats", "DRAM")


def _formats(arch: Arch) -> str:
    m = arch.macro
    return m.input_format if m.input_format == m.weight_format else (
        f"{m.input_format} x {m.weight_format}")


def _pipeline(arch: Arch) -> str:
    m = arch.macro
    return f"{m.pipeline.value} ({m.normalization.value})" if m.normalization else m.pipeline.value


def list_row(name: str, arch: Arch, default: bool) -> tuple[str, ...]:
    """One row of ``grcim arch list`` (columns :data:`LIST_COLUMNS`)."""
    return (name + (" *" if default else ""), arch.kind, str(arch.n_macros), _pipeline(arch),
            _formats(arch), arch.dram_kind.value if arch.dram_kind else "-")


def summary_rows(arch: Arch) -> list[tuple[str, str]]:
    """(label, value) rows of an arch summary, in display units."""
    m = arch.macro
    # tech_node is optional when a technology is named: then the technology's own node
    node = (f"{arch.tech_node_m * 1e9:g} nm" if arch.tech_node_m is not None
            else f"that of technology {arch.technology}")
    rows = [
        ("name", arch.name), ("kind", arch.kind), ("description", arch.description or "-"),
        ("source", arch.source),
        ("tech node", node),
        ("clock", f"{arch.clock_hz / 1e9:g} GHz"),
        ("pipeline", _pipeline(arch)), ("compute class", m.compute_class),
        ("formats (input x weight)", f"{m.input_format} x {m.weight_format}"),
        ("array", f"{m.rows} rows x {m.cols} cols, {m.rows_per_adc} rows per ADC "
                  f"({m.n_row_groups} row groups)"),
        ("ADCs", f"{m.adcs_per_macro} per macro at {m.adc_rate_hz / 1e6:g} MS/s, bits "
                 f"{m.adc_bits}, law {m.adc_law.value}, SQNR target {m.sqnr_target_db:g} dB"),
        ("bit slicing", f"{m.n_input_slices} input slice(s) of {m.dac_bits} bit(s); "
                        f"{m.n_weight_slices} cell(s) of {m.cell_bits} bit(s) per weight"),
        ("weights per macro", f"{m.weights_per_macro}"),
        ("MVM time (ADC bound)", f"{m.mvm_time_s * 1e9:g} ns"),
        ("weight write per row", f"{m.weight_write_energy_per_row_j * 1e12:g} pJ, "
                                 f"{m.weight_write_latency_per_row_s * 1e9:g} ns"),
    ]
    if arch.chip:
        c = arch.chip
        rows += [
            ("macros", f"{c.n_macros} ({c.total_weights} weights resident)"),
            ("global SRAM", f"{binary_bytes(c.sram.size_bytes)}, read "
                            f"{c.sram.read_bandwidth_bytes_per_s / 1e9:g} GB/s "
                            f"{c.sram.read_energy_per_bit_j * 1e12:g} pJ/bit, write "
                            f"{c.sram.write_bandwidth_bytes_per_s / 1e9:g} GB/s "
                            f"{c.sram.write_energy_per_bit_j * 1e12:g} pJ/bit, "
                            f"{c.sram.area_m2 * 1e6:.3g} mm²"),
            ("DRAM", f"{c.dram.kind.value}, {binary_bytes(c.dram.size_bytes)}, "
                     f"{c.dram.bandwidth_bytes_per_s / 1e9:g} GB/s, read "
                     f"{c.dram.read_energy_per_bit_j * 1e12:g} pJ/bit, write "
                     f"{c.dram.write_energy_per_bit_j * 1e12:g} pJ/bit"),
            ("vector unit", f"{c.vector.throughput_ops_per_s / 1e9:g} Gop/s; pJ per add "
                            f"{c.vector.add_energy_j * 1e12:.3g}, mul "
                            f"{c.vector.mul_energy_j * 1e12:.3g}, exp "
                            f"{c.vector.exp_energy_j * 1e12:.3g}, div "
                            f"{c.vector.div_energy_j * 1e12:.3g}; "
                            f"{c.vector.area_m2 * 1e6:.3g} mm²"),
            ("KV cache", c.kv_cache_placement.value),
            ("QK^T / PV on", c.dynamic_matmul_unit.value),
        ]
    nodes = ", ".join(
        f"{getattr(n, 'name', None) or n.kind}:{n.kind}" for n in walk_all(arch.nodes)
    )
    rows.append(("AccelForge nodes", nodes))
    return rows
