"""Export the ``points`` table of a store to CSV or Parquet (every column, SI units).

Parquet column types follow the columns' declared types (``INTEGER`` -> int64, ``REAL`` ->
float64, ``TEXT`` -> string, also when every value is null); a column without a declared
type (a variable mixing numbers and text such as ``adc_bits``) follows its values:
integers -> int64, numbers -> float64, anything else -> string. Missing values are nulls.
Both render in memory; ``grcim sweep export`` writes them with grcim's output policy
(:mod:`grcim.atomic`: links followed, FIFOs and devices written through, both files
committed together), as every command writes its files.
"""

from __future__ import annotations

from typing import Any

from grcim.report.tables import rows_to_csv
from grcim.sweep.store import Store

__all__ = ["store_csv", "store_parquet"]


def store_csv(store: Store) -> str:
    """CSV text of every row (header = the table's columns)."""
    rows = list(store.rows())
    if not rows:
        return ",".join(store.columns) + "\n"
    return rows_to_csv(rows)


_DECLARED = {"INTEGER": "int", "REAL": "float", "TEXT": "string"}


def _column_type(values: list[Any], declared: str = "") -> str:
    present = [v for v in values if v is not None]
    kind = _DECLARED.get(declared)
    if kind == "int" and all(float(v).is_integer() for v in present):
        return "int"  # SQLite may hand back 64.0 for an integer column
    if kind in ("float", "string"):
        return kind
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in present):
        return "float"
    return "string"


def store_parquet(store: Store) -> bytes:
    """Parquet file (pyarrow) of every row, as bytes (header = the table's columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = list(store.rows())
    declared = store.declared_types()
    arrays, names = [], []
    for col in store.columns:
        values = [r.get(col) for r in rows]
        kind = _column_type(values, declared.get(col, ""))
        if kind == "int":
            arrays.append(pa.array([None if v is None else int(v) for v in values],
                                   type=pa.int64()))
        elif kind == "float":
            arrays.append(pa.array([None if v is None else float(v) for v in values],
                                   type=pa.float64()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in values],
                                   type=pa.string()))
        names.append(col)
    table = pa.Table.from_arrays(arrays, names=names)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())
