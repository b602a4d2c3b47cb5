"""The result store: one SQLite database file per sweep.

Why SQLite (Python's standard library) rather than DuckDB: a sweep appends a few rows at a
time for hours and may be killed at any moment. SQLite's write-ahead log (``journal_mode =
WAL``, ``synchronous = FULL``) makes every committed transaction durable and every
uncommitted one invisible after a crash, ``kill -9`` or power loss, and it lets ``grcim
sweep status`` and users' SQL read the file while the sweep writes it. DuckDB is faster on
large analytic scans but is built for bulk loads; its single-process write lock and a young
file format would add a dependency without helping this workload. Any tool reads SQLite
(``sqlite3`` shell, pandas ``read_sql``, DuckDB's own ``sqlite`` scanner), and the store
exports to Parquet and CSV.

Schema (``docs/sweep.md`` lists every column):

- ``points``: one row per (design point, workload case), primary key ``key`` (hash of the
  canonical inputs), the inputs as columns (``arch``, ``pipeline``, the workload case and
  one column per swept variable, plus ``inputs_json``), the results (SI), ``status``
  (``done`` / ``infeasible`` / ``failed``) with ``reason``, ``grcim_version``,
  ``spec_hash``, ``elapsed_s``, ``finished_at`` (Unix time) and ``worker``;
- ``plan``: the keys every spec run against the store asked for (pending = planned keys
  without a row);
- ``specs``: each spec that ran against the store (hash, text, when, grcim version);
- ``meta``: schema and grcim version of the store.

A file that is not a grcim store (another SQLite database, any other file, a damaged
database) is refused and never written. A store opened for reading (status, report,
export, resume) is checked once against the schema (:meth:`Store.check_contents`): the
four tables with their columns and declared types (``points`` may add one column per
sweepable variable), text where text belongs, numbers where numbers belong, every result,
input and timing number non-negative (energies, latencies, areas, powers, counts, bytes),
variable values the spec would accept, JSON objects in ``inputs_json`` and
``specs.spec_json``. A store edited outside grcim is refused with one line naming the
store, the table, column and row, and what is expected, instead of a traceback or a
report of wrong numbers.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from grcim import __version__
from grcim.errors import SpecError
from grcim.sweep.constraints import Bounds, reason_group, rejudge
from grcim.sweep.evaluate import MAP_RESULTS, PHYSICS_RESULTS
from grcim.sweep.variables import SWEEPABLE, check_value, is_integer, is_text

__all__ = ["Store", "STATUSES", "APPLICATION_ID", "SCHEMA_VERSION", "StoreError"]

APPLICATION_ID = 0x6772636D  # "grcm": marks the file as a grcim sweep store
SCHEMA_VERSION = 1
STATUSES = ("done", "infeasible", "failed")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_FIXED = (
    ("key", "TEXT PRIMARY KEY"), ("design_key", "TEXT NOT NULL"),
    ("spec_hash", "TEXT NOT NULL"), ("grcim_version", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL CHECK (status IN ('done', 'infeasible', 'failed'))"),
    ("reason", "TEXT"), ("arch", "TEXT NOT NULL"), ("pipeline", "TEXT"),
    ("workload", "TEXT"), ("phase", "TEXT"), ("batch", "INTEGER"), ("tokens", "INTEGER"),
    ("context", "INTEGER"),
)
_TRAILER = (("breakdown_json", "TEXT"), ("inputs_json", "TEXT NOT NULL"),
            ("elapsed_s", "REAL"), ("finished_at", "REAL"), ("worker", "TEXT"))
_INT64 = (-(2**63), 2**63 - 1)
_TEXT_RESULTS = {"bound"}
_INT_RESULTS = {"weights_resident", "tokens_per_step", "batch_run", "tokens_run",
                "context_run"}


_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "meta": (("name", "TEXT"), ("value", "TEXT")),
    "specs": (("spec_hash", "TEXT"), ("added_at", "REAL"), ("grcim_version", "TEXT"),
              ("source", "TEXT"), ("spec_text", "TEXT"), ("spec_json", "TEXT"),
              ("n_points", "INTEGER")),
    "plan": (("key", "TEXT"), ("spec_hash", "TEXT")),
}
"""Columns and declared types of the tables besides ``points`` (as :meth:`Store.create`
makes them)."""
_MODES = ("map", "physics")
_CHANGED = "the store was changed outside grcim"


class StoreError(SpecError):
    """The store file cannot be used (foreign, damaged, another spec or version)."""


def _result_columns() -> list[tuple[str, str]]:
    cols = []
    for name in (*MAP_RESULTS, *PHYSICS_RESULTS):
        kind = ("TEXT" if name in _TEXT_RESULTS else "INTEGER" if name in _INT_RESULTS
                else "REAL")
        cols.append((name, kind))
    return cols


def _points_schema() -> dict[str, str]:
    """Column -> declared type of the fixed columns of ``points``."""
    return {n: t.split()[0] for n, t in (*_FIXED, *_result_columns(), *_TRAILER)}


def _variable_type(key: str) -> str:
    if key == "adc_bits":
        return ""  # integer or "auto"
    return "TEXT" if is_text(key) else "INTEGER" if is_integer(key) else "REAL"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _refuse(path: Path, why: str) -> StoreError:
    return StoreError(str(path), "STORE", str(path), why)


class Store:
    """An open store (use :meth:`create_or_check` or :meth:`open`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._columns = self._table_columns()

    # ------------------------------------------------------------------ opening
    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    @classmethod
    def _check_file(cls, path: Path) -> None:
        if path.is_dir():
            raise _refuse(path, "a store file path, not a directory")
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise _refuse(path, f"a readable file ({exc.strerror})") from None
        if head != _SQLITE_MAGIC:
            raise _refuse(path, "a grcim sweep store; this file is not an SQLite database, "
                          "refusing to touch it")

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Store:
        """Open an existing store (status, report, export, resume)."""
        p = Path(path)
        if not p.exists():
            raise _refuse(p, "an existing sweep store (grcim sweep run SPEC --store FILE "
                          "creates one)")
        cls._check_file(p)
        conn = cls._connect(p)
        try:
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            if app != APPLICATION_ID:
                raise _refuse(p, "a grcim sweep store; this SQLite database belongs to "
                              "another program, refusing to touch it")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _refuse(p, f"an intact store; SQLite reports damage ({check})")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise _refuse(p, f"store schema {SCHEMA_VERSION}; this one has {version}")
            _check_contents(p, conn)
            # WAL mode is a property of the file, set when it was created (so a reader
            # needs no write access here); synchronous is per connection
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _refuse(p, f"an intact grcim sweep store ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return cls(p, conn)

    @classmethod
    def create(cls, path: str | os.PathLike[str], mode: str) -> Store:
        """Create a new, empty store at ``path`` (which must not exist, or be empty)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = cls._connect(p)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("grcim_version", __version__), ("created_at", repr(time.time())),
                ("mode", mode)])
            conn.execute("CREATE TABLE specs (spec_hash TEXT PRIMARY KEY, added_at REAL, "
                         "grcim_version TEXT, source TEXT, spec_text TEXT, spec_json TEXT, "
                         "n_points INTEGER)")
            conn.execute("CREATE TABLE plan (key TEXT PRIMARY KEY, spec_hash TEXT NOT NULL) "
                         "WITHOUT ROWID")
            cols = [*_FIXED, *_result_columns(), *_TRAILER]
            conn.execute("CREATE TABLE points (" + ", ".join(
                f"{_quote(n)} {t}".strip() for n, t in cols) + ")")
            conn.execute("CREATE INDEX points_status ON points (status)")
            conn.execute("CREATE INDEX points_design ON points (design_key)")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            conn.close()
            raise
        return cls(p, conn)

    @classmethod
    def create_or_check(cls, path: str | os.PathLike[str], mode: str, spec_hash: str,
                        force_append: bool = False) -> Store:
        """Open ``path`` for a run of the spec ``spec_hash``, creating it when absent.

        Raises
        ------
        StoreError
            Not a grcim store; another mode; written by another spec or grcim version
            (unless ``force_append``).
        """
        p = Path(path)
        if not p.exists() or (p.is_file() and p.stat().st_size == 0):
            return cls.create(p, mode)
        store = cls.open(p)
        try:
            stored_mode = store.meta().get("mode")
            if stored_mode != mode:
                raise _refuse(p, f"a store of a {mode} sweep; this one holds a "
                              f"{stored_mode} sweep (use another --store)")
            version = store.meta().get("grcim_version")
            if version != __version__ and not force_append:
                raise _refuse(p, f"a store written by this grcim ({__version__}); it was "
                              f"written by grcim {version} (--force-append adds to it "
                              "anyway, or use another --store)")
            hashes = [s["spec_hash"] for s in store.specs()]
            if hashes and spec_hash not in hashes and not force_append:
                raise _refuse(p, f"a store of this spec ({spec_hash}); it holds spec "
                              f"{hashes[-1]} (--force-append adds this spec's points, or "
                              "use another --store)")
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed into the file)."""
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    # ------------------------------------------------------------------ schema
    def _table_columns(self) -> list[str]:
        return [r[1] for r in self.conn.execute("PRAGMA table_info(points)")]

    @property
    def columns(self) -> list[str]:
        """Columns of ``points``, in table order."""
        return list(self._columns)

    def declared_types(self) -> dict[str, str]:
        """Column -> its declared SQLite type (``INTEGER``, ``REAL``, ``TEXT``, ...)."""
        return {r[1]: str(r[2]).split()[0].upper() if r[2] else ""
                for r in self.conn.execute("PRAGMA table_info(points)")}

    def ensure_variables(self, keys: Sequence[str]) -> None:
        """Add a column for each swept variable the table lacks."""
        missing = [k for k in keys if k not in self._columns]
        if not missing:
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for key in missing:
                self.conn.execute(f"ALTER TABLE points ADD COLUMN {_quote(key)} "
                                  f"{_variable_type(key)}".strip())
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self._columns = self._table_columns()

    # ------------------------------------------------------------------ metadata
    def meta(self) -> dict[str, str]:
        """The ``meta`` table as a dict."""
        return {r["name"]: r["value"] for r in self.conn.execute("SELECT * FROM meta")}

    def specs(self) -> list[dict[str, Any]]:
        """Specs that ran against the store, by the time each last ran (the last one is
        the spec whose constraints the stored verdicts follow)."""
        return [dict(r) for r in self.conn.execute("SELECT * FROM specs ORDER BY added_at")]

    def record_spec(self, spec_hash: str, source: str, text: str, spec_json: str,
                    keys: Sequence[str]) -> None:
        """Remember the spec and plan its points (one transaction)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                "INSERT INTO specs VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(spec_hash) DO "
                "UPDATE SET n_points = excluded.n_points, added_at = excluded.added_at, "
                "grcim_version = excluded.grcim_version",
                (spec_hash, time.time(), __version__, source, text, spec_json, len(keys)))
            self.conn.executemany("INSERT OR IGNORE INTO plan VALUES (?, ?)",
                                  ((k, spec_hash) for k in keys))
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ rows
    def apply_constraints(self, bounds: Bounds) -> int:
        """Re-judge the stored rows against ``bounds`` (the running spec's constraints);
        returns how many rows changed status or reason (:func:`grcim.sweep.constraints.
        rejudge`)."""
        first = MAP_RESULTS[0] if self.meta().get("mode") == "map" else PHYSICS_RESULTS[0]
        return rejudge(self.conn, bounds, first, self._columns)

    def statuses(self) -> dict[str, str]:
        """Stored key -> status."""
        return {k: s for k, s in self.conn.execute("SELECT key, status FROM points")}

    def write(self, rows: Sequence[dict[str, Any]], replace_failed: bool = False) -> int:
        """Insert ``rows`` in one transaction; returns how many were new.

        A row whose key is already stored is ignored (so a point is stored once however
        often it is computed), except that ``replace_failed`` replaces a ``failed`` row.
        """
        if not rows:
            return 0
        cols = self._columns
        sql = (f"INSERT INTO points ({', '.join(map(_quote, cols))}) VALUES "
               f"({', '.join('?' for _ in cols)}) ON CONFLICT(key) DO NOTHING")
        before = self.conn.total_changes
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if replace_failed:
                self.conn.executemany("DELETE FROM points WHERE key = ? AND status = 'failed'",
                                      ((r["key"],) for r in rows))
            deleted = self.conn.total_changes - before
            self.conn.executemany(sql, ([r.get(c) for c in cols] for r in rows))
            self.conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")  # the batch is stored whole or not at all
            if isinstance(exc, OverflowError):  # name the value SQLite cannot hold
                raise self._too_large(rows) from None
            raise
        return self.conn.total_changes - before - deleted

    def _too_large(self, rows: Sequence[dict[str, Any]]) -> StoreError:
        """The first integer of ``rows`` outside SQLite's 64-bit range, as an error."""
        for r in rows:
            for c in self._columns:
                v = r.get(c)
                if isinstance(v, int) and not _INT64[0] <= v <= _INT64[1]:
                    return StoreError(str(self.path), c, v, "an integer SQLite can store "
                                      f"(-2**63 .. 2**63-1); point {r.get('key')}")
        return StoreError(str(self.path), "<row>", None, "values SQLite can store")

    def counts(self) -> dict[str, int]:
        """``done``, ``infeasible``, ``failed``, ``pending`` (planned, not stored), and
        ``total`` (planned or stored)."""
        out = dict.fromkeys((*STATUSES, "pending"), 0)
        for status, n in self.conn.execute("SELECT status, COUNT(*) FROM points GROUP BY "
                                           "status"):
            out[status] = n
        out["pending"] = self.conn.execute(
            "SELECT COUNT(*) FROM plan WHERE key NOT IN (SELECT key FROM points)").fetchone()[0]
        out["total"] = sum(out[s] for s in STATUSES) + out["pending"]
        return out

    def failures(self, limit: int = 5) -> list[tuple[str | None, int]]:
        """Most frequent failure and infeasibility reasons with their counts; constraint
        reasons are counted per bound, without the violating value
        (:func:`grcim.sweep.constraints.reason_group`)."""
        groups: dict[str | None, int] = {}
        for reason, n in self.conn.execute(
                "SELECT reason, COUNT(*) FROM points WHERE status != 'done' GROUP BY reason"):
            key = reason_group(reason)
            groups[key] = groups.get(key, 0) + n
        top = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0] or ""))[:limit]
        return top

    def rows(self, where: str = "", params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of ``points`` as dicts (``where`` is an SQL condition of grcim's own)."""
        sql = "SELECT * FROM points" + (f" WHERE {where}" if where else "") + " ORDER BY rowid"
        for r in self.conn.execute(sql, tuple(params)):
            yield dict(r)

    def variable_columns(self) -> list[str]:
        """Columns holding swept variables (``pipeline`` too when a spec swept it: it has a
        column of its own, so the specs say whether it is a variable)."""
        fixed = {n for n, _ in (*_FIXED, *_result_columns(), *_TRAILER)}
        swept: set[str] = set()
        for spec in self.specs():
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                swept.update(json.loads(spec["spec_json"] or "{}").get("variables") or {})
        return [c for c in self._columns if c not in fixed or c in swept]


def _changed(path: Path, where: str, value: Any, expected: str) -> StoreError:
    return StoreError(str(path), where, value, f"{expected}; {_CHANGED}")


def _declared(decl: Any) -> str:
    return str(decl).split()[0].upper() if decl else ""


def _check_tables(path: Path, conn: sqlite3.Connection) -> dict[str, str]:
    """The tables and columns the schema says; returns the variable columns of ``points``
    (column -> declared type)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    names = (*_TABLES, "points")
    for table in names:
        if table not in tables:
            raise _changed(path, table, "missing", f"a table of the grcim store schema "
                           f"{SCHEMA_VERSION} (tables {', '.join(names)})")
    for table, expected in _TABLES.items():
        have = {r[1]: _declared(r[2]) for r in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in expected:
            if name not in have:
                raise _changed(path, f"{table}.{name}", "missing",
                               f"a {kind} column of table {table}")
            if have[name] != kind:
                raise _changed(path, f"{table}.{name}", have[name] or "no type",
                               f"declared type {kind}")
        extra = [n for n in have if n not in dict(expected)]
        if extra:
            raise _changed(path, f"{table}.{extra[0]}", "extra column", f"only the columns "
                           f"{', '.join(n for n, _ in expected)} in table {table}")
    fixed = _points_schema()
    have = {r[1]: _declared(r[2]) for r in conn.execute("PRAGMA table_info(points)")}
    for name, kind in fixed.items():
        if name not in have:
            raise _changed(path, f"points.{name}", "missing", f"a {kind} column of table "
                           "points")
        if have[name] != kind:
            raise _changed(path, f"points.{name}", have[name] or "no type",
                           f"declared type {kind}")
    variables: dict[str, str] = {}
    for name, kind in have.items():
        if name in fixed:
            continue
        if name not in SWEEPABLE:
            raise _changed(path, f"points.{name}", "extra column", "the columns of the "
                           "schema and one per swept arch variable (docs/sweep.md)")
        if kind != _variable_type(name):
            raise _changed(path, f"points.{name}", kind or "no type",
                           f"declared type {_variable_type(name) or 'none'}")
        variables[name] = kind
    return variables


def _first_bad_row(path: Path, conn: sqlite3.Connection, table: str,
                   checks: list[tuple[str, str, str]]) -> None:
    """Refuse the first row of ``table`` for which a check's SQL condition holds (checks:
    (column, condition, what is expected)); one scan of the table."""
    if not checks:
        return
    where = " OR ".join(f"({cond})" for _, cond, _ in checks)
    flags = ", ".join(f"coalesce({cond}, 0)" for _, cond, _ in checks)
    row = conn.execute(f"SELECT rowid, {flags} FROM {table} WHERE {where} LIMIT 1").fetchone()
    if row is None:
        return
    column, _, expected = next(c for c, hit in zip(checks, row[1:], strict=True) if hit)
    value = conn.execute(f"SELECT {_quote(column)} FROM {table} WHERE rowid = ?",
                         (row[0],)).fetchone()[0]
    key = conn.execute(f"SELECT key FROM {table} WHERE rowid = ?", (row[0],)).fetchone()[0]
    ident = f", key {key}" if isinstance(key, str) else ""
    raise _changed(path, f"{table}.{column}", value, f"{expected} (row {row[0]}{ident})")


# SQLite orders every number before every text ('' the smallest) and every text before
# every blob (x'' the smallest): plain comparisons test a value's kind, about five times
# faster than typeof() over a large table. None of these conditions is ever NULL.
_NOT_TEXT = "NOT ({c} IS NULL OR ({c} >= '' AND {c} < x''))"
_NOT_NUMBER = "NOT ({c} IS NULL OR {c} < '')"
_NOT_NON_NEGATIVE = "NOT ({c} IS NULL OR ({c} >= 0 AND {c} < ''))"
_JSON_OBJECT = ("CASE WHEN json_valid({c}) THEN json_type({c}) != 'object' OR "
                "coalesce(json_type({c}, '$.variables'), 'object') NOT IN ('object', 'null') "
                "OR coalesce(json_type({c}, '$.arch'), 'text') NOT IN ('text', 'null') "
                "ELSE 1 END")
_NEVER_NEGATIVE = ("a non-negative number or NULL (energies, latencies, areas, powers, counts "
                   "and bytes are never negative)")


def _check_rows(path: Path, conn: sqlite3.Connection, variables: dict[str, str]) -> None:
    """Text where text belongs, non-negative numbers where numbers belong."""
    checks: list[tuple[str, str, str]] = [
        ("key", "key IS NULL OR NOT (key >= '' AND key < x'')", "the text key of the point"),
        ("status", "status IS NULL OR status NOT IN ('" + "', '".join(STATUSES) + "')",
         "one of " + ", ".join(STATUSES))]
    for name, kind in _points_schema().items():
        c = _quote(name)
        if kind == "TEXT":
            checks.append((name, _NOT_TEXT.format(c=c), "text or NULL"))
        else:  # results, workload inputs and timings: all physically non-negative
            checks.append((name, _NOT_NON_NEGATIVE.format(c=c), _NEVER_NEGATIVE))
    for name, kind in variables.items():
        c = _quote(name)
        if kind == "TEXT":
            checks.append((name, _NOT_TEXT.format(c=c), "text or NULL"))
        elif kind:
            checks.append((name, _NOT_NUMBER.format(c=c), "a number or NULL"))
        else:
            checks.append((name, f"NOT ({c} IS NULL OR {c} < x'')", "a number, text or NULL"))
    inputs = "a JSON object of the point's inputs (arch text, variables an object)"
    try:  # SQLite's JSON functions (built in since 3.38, JSON1 before)
        conn.execute("SELECT json_valid('{}')").fetchone()
        checks.append(("inputs_json", _JSON_OBJECT.format(c="inputs_json"), inputs))
        in_sql = True
    except sqlite3.OperationalError:
        in_sql = False
    _first_bad_row(path, conn, "points", checks)
    if not in_sql:  # the same test in Python
        for rowid, key, text in conn.execute("SELECT rowid, key, inputs_json FROM points"):
            try:
                data = json.loads(text)
            except (TypeError, ValueError, RecursionError):
                data = None
            if not (isinstance(data, dict) and isinstance(data.get("variables"), dict | None)
                    and isinstance(data.get("arch"), str | None)):
                raise _changed(path, "points.inputs_json", text, f"{inputs} (row {rowid}, "
                               f"key {key})")
    for name in variables.keys() | ({"pipeline"} & set(SWEEPABLE)):
        for (value,) in conn.execute(f"SELECT DISTINCT {_quote(name)} FROM points WHERE "
                                     f"{_quote(name)} IS NOT NULL"):
            _, problem = check_value(name, value)
            if problem is not None:
                raise _changed(path, f"points.{name}", value, f"a value a sweep spec may "
                               f"give {name}: {problem}")
    bad = conn.execute("SELECT key, spec_hash FROM plan WHERE typeof(key) != 'text' OR "
                       "typeof(spec_hash) != 'text' LIMIT 1").fetchone()  # WITHOUT ROWID
    if bad is not None:
        column = "key" if not isinstance(bad[0], str) else "spec_hash"
        raise _changed(path, f"plan.{column}", bad[column], "text (the key of a planned "
                       "point and the hash of its spec)")


def _check_specs(path: Path, conn: sqlite3.Connection) -> None:
    meta = {}
    for rowid, name, value in conn.execute("SELECT rowid, name, value FROM meta"):
        if not isinstance(name, str) or not isinstance(value, str):
            raise _changed(path, "meta", (name, value), f"text names and values (row {rowid})")
        meta[name] = value
    for name, allowed in (("mode", _MODES), ("grcim_version", None)):
        if name not in meta or (allowed is not None and meta[name] not in allowed):
            raise _changed(path, f"meta.{name}", meta.get(name, "missing"),
                           " or ".join(allowed) if allowed else "the grcim version that "
                           "wrote the store")
    text, maybe_text = ((str,), "text"), ((str, type(None)), "text or NULL")
    types: dict[str, tuple[tuple[type, ...], str]] = {
        "spec_hash": text, "spec_text": text, "spec_json": text, "source": maybe_text,
        "grcim_version": maybe_text, "added_at": ((int, float, type(None)),
                                                  "a non-negative number or NULL"),
        "n_points": ((int, type(None)), "a non-negative integer or NULL")}
    for values in conn.execute("SELECT rowid AS grcim_rowid, * FROM specs"):
        rowid = values["grcim_rowid"]
        for name, (kinds, expected) in types.items():
            value = values[name]
            if (not isinstance(value, kinds) or isinstance(value, bool)
                    or (isinstance(value, int | float) and not value >= 0)):
                raise _changed(path, f"specs.{name}", value, f"{expected} (row {rowid})")
        try:
            spec = json.loads(values["spec_json"])
        except (ValueError, RecursionError):
            spec = None
        if not (isinstance(spec, dict) and isinstance(spec.get("name"), str | type(None))
                and isinstance(spec.get("variables"), dict | type(None))):
            raise _changed(path, "specs.spec_json", values["spec_json"], "the JSON object of "
                           f"a validated spec (name text, variables an object; row {rowid})")


def _check_contents(path: Path, conn: sqlite3.Connection) -> None:
    """One integrity check of an opened store (module docstring); raises ``StoreError``."""
    variables = _check_tables(path, conn)
    _check_specs(path, conn)
    _check_rows(path, conn, variables)


def inputs_json(arch: str, overrides: Sequence[tuple[str, Any]], case: Any,
                **extra: Any) -> str:
    """Canonical JSON of a point's inputs (the ``inputs_json`` column); ``extra``: the
    inputs of the key that have no column (the arch text's hash, the models file and its
    hash, ``replicate``), so that a report tells apart rows that share every column."""
    return json.dumps({"arch": arch, "variables": dict(overrides), "case": case, **extra},
                      sort_keys=True)
