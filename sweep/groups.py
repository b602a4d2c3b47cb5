"""Which stored rows a report may compare: the groups of ``grcim sweep report``.

A map sweep is reported per workload case. The columns name a case by model name, phase,
batch, tokens and context, but a point's key also holds the models file's hash and the
``replicate`` option, and names its arch by the hash of the arch text: a store extended
with ``--force-append`` may hold two models files that both define ``tiny`` (different
shapes), both ``replicate`` settings, or two arch files of one stem. Such rows share every
column and would share one Pareto front. The ``inputs_json`` of each row records those
inputs (rows stored before it did read as None: one group, as then), and this module adds
them to the group key, names them where they differ, and labels an arch name given to
two different arch texts with its hash.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

__all__ = ["CASE", "MODELS", "REPLICATE", "annotate", "group_keys", "group_name",
           "varied_fields"]

CASE = ("workload", "phase", "batch", "tokens", "context")
"""Columns of a workload case."""
MODELS = "__models_sha256"
"""Row field (not a column): hash of the models file (None: bundled, or not recorded)."""
REPLICATE = "__replicate"
"""Row field (not a column): the ``replicate`` option (None: not recorded)."""
_FILE = "__models_file"


def _inputs(row: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(row.get("inputs_json") or "{}")
    except ValueError:  # the store's integrity check refuses such rows; be safe anyway
        return {}
    return data if isinstance(data, dict) else {}


def annotate(rows: Sequence[dict[str, Any]]) -> None:
    """Give each row its models hash, models file and ``replicate`` (from ``inputs_json``),
    and rename an ``arch`` that names two different arch texts ``name (sha256 1234abcd)``."""
    texts: dict[str, set[str]] = {}
    digests = []
    for r in rows:
        data = _inputs(r)
        r[MODELS] = data.get("models_sha256")
        # a row stored before the models were recorded: say so, not "bundled"
        r[_FILE] = data.get("models_file") if "models_sha256" in data else "not recorded"
        r[REPLICATE] = data.get("replicate")
        digests.append(data.get("arch_sha256"))
        if digests[-1] is not None:
            texts.setdefault(r["arch"], set()).add(digests[-1])
    for r, digest in zip(rows, digests, strict=True):
        if digest is not None and len(texts.get(r["arch"], ())) > 1:
            r["arch"] = f"{r['arch']} (sha256 {digest[:8]})"


def group_keys(mode: str) -> tuple[str, ...]:
    """Row fields that split the rows into report groups."""
    return (*CASE, MODELS, REPLICATE) if mode == "map" else ()


def group_name(mode: str, key: tuple[Any, ...], rows: list[dict[str, Any]],
               varied: set[str]) -> str:
    """The title of a group; the models file and ``replicate`` are named when they differ
    between the rows of the store (``varied``)."""
    if mode != "map":
        return "per-MAC models"
    model, phase, batch, tokens, context, models, replicate = key
    shape = (f"tokens {tokens if tokens is not None else 'default'}" if phase == "prefill"
             else f"context {context if context is not None else 'default'}")
    name = f"{model} {phase}, batch {batch}, {shape}"
    if MODELS in varied:
        file = rows[0].get(_FILE)
        name += (", bundled models" if models is None and file is None else
                 f", models {file or '?'} (sha256 {(models or '?')[:8]})")
    if REPLICATE in varied:
        name += {True: ", replicate on", False: ", replicate off"}.get(replicate,
                                                                       ", replicate ?")
    return name


def varied_fields(rows: Sequence[dict[str, Any]]) -> set[str]:
    """The fields among the models hash and ``replicate`` that take two or more values."""
    return {f for f in (MODELS, REPLICATE) if len({r.get(f) for r in rows}) > 1}
