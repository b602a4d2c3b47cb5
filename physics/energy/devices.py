"""Transistor loads a CIM cell puts on its row (input / word) and column (bit) lines.

A line charges not only its wire but the terminals of the cell transistors hanging on it: the
gates the row signal switches, and the drain junctions tied to the line. With ``W_sw`` the
width of a cell's access / switch transistor, ``C_g`` the gate capacitance and ``C_j`` the
drain junction capacitance per transistor width (technology file: ``w_switch_m``,
``c_gate_per_m``, ``c_junction_per_m``, from the PTM BSIM4 cards), one bitcell adds

    ``C_row,dev = (n_g C_g + n_j,row C_j) W_sw``   to its row line, and
    ``C_col,dev = n_j,col C_j W_sw``                to its column line (per row it spans).

Terminals per bitcell by topology (assumptions read from each topology's published cell):

=============== ===== ========= ============ ============================================
topology        n_g   n_j,row   n_j,col      cell
=============== ===== ========= ============ ============================================
bit_sliced      2     0         0            the input pair drives the gates of the two
                                             switches that set the capacitor's bottom
                                             plate; the top plate is on the column
                                             (Valavi et al., JSSC 2019; Jia et al., JSSC
                                             2020): no transistor terminal on the column
binary_weighted 1     0         1            8T read port: the word-line pulse drives the
                                             read access gate, whose drain is on the read
                                             bit line (Sinangil et al., JSSC 2021)
c2c             0     1         1            the weight bit switches the ladder's shunt
                                             capacitor to the (analog) input line: one
                                             switch junction on the row per bit; the
                                             ladder's output switch on the column (Wang
                                             et al., VLSI 2022)
=============== ===== ========= ============ ============================================

Lower estimate: minimum-size switches, zero-bias junctions, no fringe or perimeter
capacitance beyond the gate edge, no precharge or reset devices at the line ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from grcim.physics.technology import Technology

__all__ = ["CellTerminals", "CELL_TERMINALS", "gate_capacitance_f", "junction_capacitance_f",
           "row_device_capacitance_f", "column_device_capacitance_f"]


@dataclass(frozen=True)
class CellTerminals:
    """Transistor terminals one bitcell puts on its lines.

    Attributes
    ----------
    row_gates : int
        Gates the row (input) signal switches.
    row_junctions : int
        Drain / source junctions tied to the row line.
    column_junctions : int
        Drain / source junctions tied to the column line.
    """

    row_gates: int
    row_junctions: int
    column_junctions: int


#: Terminals per bitcell by cell topology (module table).
CELL_TERMINALS: dict[str, CellTerminals] = {
    "bit_sliced": CellTerminals(row_gates=2, row_junctions=0, column_junctions=0),
    "binary_weighted": CellTerminals(row_gates=1, row_junctions=0, column_junctions=1),
    "c2c": CellTerminals(row_gates=0, row_junctions=1, column_junctions=1),
}


def gate_capacitance_f(tech: Technology) -> float:
    """Gate capacitance of one cell switch, ``C_g W_sw``, F."""
    return tech.c_gate_per_m * tech.w_switch_m


def junction_capacitance_f(tech: Technology) -> float:
    """Drain junction capacitance of one cell switch, ``C_j W_sw``, F."""
    return tech.c_junction_per_m * tech.w_switch_m


def row_device_capacitance_f(topology: str, tech: Technology) -> float:
    """Transistor capacitance one bitcell adds to its row line, F."""
    t = CELL_TERMINALS[topology]
    return t.row_gates * gate_capacitance_f(tech) + t.row_junctions * junction_capacitance_f(tech)


def column_device_capacitance_f(topology: str, tech: Technology) -> float:
    """Transistor capacitance one bitcell (one row) adds to its column line, F."""
    return CELL_TERMINALS[topology].column_junctions * junction_capacitance_f(tech)
