"""Read what ``timeloop-model``/``timeloop-mapper`` wrote in ``timeloop-*.stats.txt``.

Timeloop can exit 0 without doing the work (e.g. "Failed to run Accelergy"), so results are
read from the stats file, never inferred from the exit status. The file has one block per
level (``=== Name ===``): a compute level gives ``Computes (total)`` and ``Energy (total)``;
a storage level its ``Instances``, ``Vector access energy source``, ``Leakage energy
(total)`` and, per dataspace, per-instance scalar reads, fills and updates, ``Utilized
instances (max)`` and ``Energy (total)``. Totals over instances are per-instance counts
times utilized instances, as Timeloop computes its energies. Then ``Cycles:`` and
``Computes =`` in the summary. Energies are printed in pJ with two decimals; they are
returned in J.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grcim.errors import MappingError

__all__ = ["DataspaceStats", "LevelStats", "TimeloopStats", "parse_stats"]

PJ = 1e-12
_LEVEL = re.compile(r"^=== (.+) ===$")
_FIELD = re.compile(r"^\s*([A-Za-z][A-Za-z ()/-]*?)\s*:\s*(.*)$")
_NUMBER = re.compile(r"^[-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?")


@dataclass
class DataspaceStats:
    """One dataspace at one storage level (totals over the utilized instances)."""

    reads: float = 0.0
    fills: float = 0.0
    updates: float = 0.0
    instances: float = 0.0
    energy_j: float = 0.0


@dataclass
class LevelStats:
    """One level: ``kind`` ``compute`` or ``storage``."""

    name: str
    kind: str
    instances: int = 0
    energy_source: str = ""
    computes: float = 0.0
    compute_energy_j: float = 0.0
    leak_energy_j: float = 0.0
    dataspaces: dict[str, DataspaceStats] = field(default_factory=dict)

    @property
    def dynamic_energy_j(self) -> float:
        """Energy of the accesses (or computes), J."""
        return self.compute_energy_j + sum(d.energy_j for d in self.dataspaces.values())

    @property
    def energy_j(self) -> float:
        """Dynamic plus leakage energy, J."""
        return self.dynamic_energy_j + self.leak_energy_j

    def count(self, what: str) -> float:
        """Total ``reads``, ``fills`` or ``updates`` over every dataspace."""
        return sum(getattr(d, what) for d in self.dataspaces.values())


@dataclass
class TimeloopStats:
    """A parsed stats file."""

    cycles: int
    computes: int
    levels: dict[str, LevelStats]

    @property
    def energy_j(self) -> float:
        """Total energy of every level, J."""
        return sum(lv.energy_j for lv in self.levels.values())

    @property
    def dynamic_energy_j(self) -> float:
        """Total access and compute energy, J."""
        return sum(lv.dynamic_energy_j for lv in self.levels.values())

    @property
    def leak_energy_j(self) -> float:
        """Total leakage energy, J."""
        return sum(lv.leak_energy_j for lv in self.levels.values())


def _number(text: str) -> float:
    m = _NUMBER.match(text.strip())
    if m is None:
        raise ValueError(text)
    return float(m.group(0))


def parse_stats(path: str | Path) -> TimeloopStats:
    """Parse ``timeloop-model.stats.txt`` or ``timeloop-mapper.stats.txt``.

    Raises
    ------
    grcim.errors.MappingError
        The file is missing or is not a Timeloop stats file.
    """
    p = Path(path)
    if not p.is_file():
        raise MappingError(f"{p}: Timeloop wrote no stats file (see its log next to it)")
    levels: dict[str, LevelStats] = {}
    level: LevelStats | None = None
    space: DataspaceStats | None = None
    per: dict[str, float] = {}
    cycles = computes = None
    in_stats = False

    def close_space() -> None:
        if space is not None:
            n = per.get("instances", 0.0)
            space.instances = n
            space.reads = per.get("reads", 0.0) * n
            space.fills = per.get("fills", 0.0) * n
            space.updates = per.get("updates", 0.0) * n

    for raw in p.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.rstrip()
        m = _LEVEL.match(line.strip())
        if m:
            close_space()
            space, per, in_stats = None, {}, False
            level = LevelStats(m.group(1), "storage")
            levels.setdefault(level.name, level)
            level = levels[level.name]
            continue
        if line.startswith("Summary Stats"):
            close_space()
            level, space = None, None
        if line.startswith("Cycles:"):
            cycles = int(_number(line.split(":", 1)[1]))
        elif line.startswith("Computes ="):
            computes = int(_number(line.split("=", 1)[1]))
        if level is None:
            continue
        if line.strip() == "STATS":
            in_stats = True
            continue
        f = _FIELD.match(line)
        if f is None:
            continue
        key, value = f.group(1).strip(), f.group(2).strip()
        if in_stats and not value and key not in ("STATS",):  # a dataspace header ("Inputs:")
            close_space()
            space, per = DataspaceStats(), {}
            level.dataspaces[key] = space
            continue
        try:
            if key == "Instances":
                level.instances = int(_number(value))
            elif key == "Vector access energy source":
                level.energy_source = value
            elif key == "Leakage energy (total)":
                level.leak_energy_j = _number(value) * PJ
            elif key == "Computes (total)":
                level.kind, level.computes = "compute", _number(value)
            elif key == "Energy (total)" and space is None and level.kind == "compute":
                level.compute_energy_j = _number(value) * PJ
            elif space is not None:
                if key == "Scalar reads (per-instance)":
                    per["reads"] = _number(value)
                elif key == "Scalar fills (per-instance)":
                    per["fills"] = _number(value)
                elif key == "Scalar updates (per-instance)":
                    per["updates"] = _number(value)
                elif key == "Utilized instances (max)":
                    per["instances"] = _number(value)
                elif key == "Energy (total)":
                    space.energy_j = _number(value) * PJ
        except ValueError:
            continue
    close_space()
    if cycles is None or computes is None or not levels:
        raise MappingError(f"{p}: not a Timeloop stats file (no levels, Cycles or Computes)")
    return TimeloopStats(cycles, computes, levels)
