"""Constraint verdicts: which stored results break the bounds of the spec that ran last.

A point's key does not include the spec's ``constraints`` (they do not change what is
computed), so a spec that only changes a bound reuses every stored row. The verdict is
therefore not part of the computed result: the client judges each new row against the
running spec's bounds before storing it (:func:`violation`), and at the start of every run
re-judges the rows already stored (:func:`rejudge`): a ``done`` row outside a bound becomes
``infeasible`` with the reason, an ``infeasible`` row whose only fault was a bound that is
gone or looser becomes ``done`` again. Its results were kept, so nothing is recomputed
(docs/sweep.md, "Constraints"). Rows that grcim refused (no results) and ``failed`` rows are
never touched.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

__all__ = ["Bounds", "violation", "rejudge", "REASON_PREFIX", "reason_group"]

Bounds = Mapping[str, Mapping[str, float | None]]
"""Result column -> {"min": x or None, "max": y or None} (SI units)."""
REASON_PREFIX = "constraint "
"""Every constraint reason starts so; :func:`rejudge` also asks for results, which a row
grcim refused never holds, so another reason worded so is never taken for one."""
_REASON = re.compile(r"^constraint (\S+) = \S+ ([<>]) (max|min) (\S+)$")


def violation(bounds: Bounds, row: Mapping[str, Any]) -> str | None:
    """The first bound (in spec order) ``row`` breaks, as its reason, or None."""
    for key, bound in bounds.items():
        value = row.get(key)
        if value is None:
            continue
        lo, hi = bound.get("min"), bound.get("max")
        if hi is not None and value > hi:
            return f"{REASON_PREFIX}{key} = {value:.6g} > max {hi:.6g}"
        if lo is not None and value < lo:
            return f"{REASON_PREFIX}{key} = {value:.6g} < min {lo:.6g}"
    return None


def reason_group(reason: str | None) -> str | None:
    """A reason without the violating value (``constraint area_m2 > max 1e-05``): the
    status and report list the most frequent reasons, and one line per distinct area split
    26 rows of one bound into 13 lines of 2."""
    m = _REASON.match(reason or "")
    if m is None:
        return reason
    return f"{REASON_PREFIX}{m[1]} {m[2]} {m[3]} {m[4]}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rejudge(conn: sqlite3.Connection, bounds: Bounds, result_column: str,
            columns: list[str]) -> int:
    """Re-judge the stored rows against ``bounds``, in one transaction; returns the rows
    whose verdict changed.

    Candidates are the rows that hold results (``result_column`` not NULL: grcim priced
    them) and are ``done`` or ``infeasible`` by a constraint; the SQL condition fetches only
    those that break a bound now or broke one before, so a resume reads no other row.
    """
    cols = [c for c in bounds if c in columns]
    breaks = " OR ".join(
        f"{_quote(c)} {op} ?" for c in cols for end, op in (("max", ">"), ("min", "<"))
        if bounds[c].get(end) is not None)
    params = [bounds[c][end] for c in cols for end in ("max", "min")
              if bounds[c].get(end) is not None]
    where = (f"{_quote(result_column)} IS NOT NULL AND ((status = 'infeasible' AND "
             f"substr(reason, 1, {len(REASON_PREFIX)}) = ?)"
             + (f" OR (status = 'done' AND ({breaks}))" if breaks else "") + ")")
    picked = ", ".join(_quote(c) for c in cols)
    sql = (f"SELECT key, status, reason{', ' + picked if picked else ''} FROM points "
           f"WHERE {where}")
    changes = []
    for r in conn.execute(sql, (REASON_PREFIX, *params)):
        reason = violation(bounds, dict(zip(cols, tuple(r)[3:], strict=True)))
        status = "done" if reason is None else "infeasible"
        if (status, reason) != (r[1], r[2]):
            changes.append((status, reason, r[0]))
    if changes:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("UPDATE points SET status = ?, reason = ? WHERE key = ?",
                             changes)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return len(changes)
