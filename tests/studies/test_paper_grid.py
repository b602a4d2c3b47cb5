"""The dynamic-range grid of ``grcim paper``'s energy stage ends exactly at ``--max-dr``,
and ``--reference-dr`` is checked against that grid before any Monte Carlo."""

from __future__ import annotations

import numpy as np
import pytest

import grcim.studies.paper as paper
from grcim.errors import ModelDomainError
from grcim.studies.paper import PaperResult, PaperSettings


def _grid_of_the_energy_stage(monkeypatch: pytest.MonkeyPatch, s: PaperSettings
                              ) -> np.ndarray:
    """The grid ``_energy`` prices (its curves go through ``iso_energy_gain``, the first
    user of the grid; stopped there, so no Monte Carlo runs)."""
    seen: list[np.ndarray] = []

    class Stop(Exception):
        pass

    def spy(*args: object, **kwargs: object) -> None:
        seen.append(np.asarray(args[1]))
        raise Stop

    class Anything(dict):  # type: ignore[type-arg]
        def __missing__(self, key: object) -> None:
            return None

    monkeypatch.setattr(paper, "_operating_points", lambda s: Anything())
    monkeypatch.setattr(paper, "_slice_bits", lambda *a: Anything())
    monkeypatch.setattr(paper, "conventional_energy", spy)
    with pytest.raises(Stop):
        paper._energy(s, PaperResult())
    return seen[0]


@pytest.mark.parametrize("max_dr", [1.13, 1.07, 16.0, 2.5])
def test_the_grid_ends_at_max_dr(monkeypatch: pytest.MonkeyPatch, max_dr: float) -> None:
    # np.arange(0, max + 1e-9, 0.05) stopped at 1.10 for --max-dr 1.13, exit 0, while the
    # claims reported 1.13
    s = PaperSettings(dynamic_range_max_bits=max_dr).validated()
    grid = _grid_of_the_energy_stage(monkeypatch, s)
    assert grid[0] == 0.0 and grid[-1] == max_dr
    assert np.all(np.diff(grid) > 0) and np.all(np.diff(grid) <= 0.05 + 1e-12)


def test_reference_dr_inside_the_grid_is_accepted_outside_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # --max-dr 1.07 --reference-dr 1.06 passed validation, then failed after the Monte
    # Carlo naming the internal field (the grid ended at 1.05)
    s = PaperSettings(dynamic_range_max_bits=1.07, reference_dynamic_range_bits=1.06)
    grid = _grid_of_the_energy_stage(monkeypatch, s.validated())
    assert grid[0] <= 1.06 <= grid[-1]
    with pytest.raises(ModelDomainError):
        PaperSettings(dynamic_range_max_bits=1.07, reference_dynamic_range_bits=1.07
                      ).validated()
