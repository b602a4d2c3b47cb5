"""The report's Actions table lists every energy of the step's action breakdown, leakage
included (it has no count), so its energies account for the step's energy."""

from __future__ import annotations

import pytest

from grcim.mapper import map_graph
from grcim.report.markdown import result_sections
from grcim.workloads import build_graph


def test_actions_table_holds_every_energy_of_the_breakdown(tiny_arch, tiny_llama) -> None:
    r = map_graph(tiny_arch(), build_graph(tiny_llama, "decode", context=8))
    leaks = {k for k, e in r.energy_by_action_j.items() if e and not r.actions.get(k)}
    assert leaks, "the step leaks: some energy has no action count"
    table = next(s for s in result_sections(r) if s.heading == "Actions")
    listed = {row[0] for row in table.rows}
    assert {k for k, e in r.energy_by_action_j.items() if e} <= listed  # counted ones too
    assert all(row[1] == "-" for row in table.rows if row[0] in leaks)
    # and that breakdown is the step's energy
    assert sum(r.energy_by_action_j.values()) == pytest.approx(r.energy_j, rel=1e-9)
