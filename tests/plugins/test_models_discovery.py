"""hwcomponents discovers grcim's models by itself (no ``models=``) after a regular install.

hwcomponents imports installed top-level packages named ``hwcomponents_*``; after an
editable install of a distribution not named ``hwcomponents*`` it does not see them
(ecosystem.md). CI installs grcim regularly (README set-up), so these run there; in an
editable development install they skip, and tests/packaging/test_wheel.py covers discovery
by installing the built wheel into a temporary environment.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grcim.physics.energy.macro import MacroStructure
from grcim.physics.energy.per_mac import grmac_energy
from grcim.physics.operating_point import operating_point
from grcim.physics.technology import Technology
from grcim.plugins.models import MODELS


def _editable() -> bool:
    text = importlib.metadata.distribution("grcim").read_text("direct_url.json") or "{}"
    return bool(json.loads(text).get("dir_info", {}).get("editable", False))


pytestmark = pytest.mark.skipif(
    _editable(), reason="grcim is installed editable: hwcomponents discovers hwcomponents_* "
    "packages only from regular installs (tests/packaging/test_wheel.py checks a wheel)")


def test_installed_models_include_grcim() -> None:
    from hwcomponents.find_models import installed_models

    found = {m.__name__ for m in installed_models()}
    assert {m.__name__ for m in MODELS} <= found


def test_query_without_models_argument_equals_core(tech28: Technology,
                                                   with_slice_bits) -> None:
    import hwcomponents

    got = hwcomponents.get_action_cost("gr_mac", {"n_cols": 64}, "compute", {})
    op, st = operating_point(), MacroStructure(n_cols=64)
    core = grmac_energy(op, 0.0, tech28, st, with_slice_bits(op, st))
    assert got.energy == pytest.approx(float(core.total[0]), rel=1e-12)
    assert hwcomponents.get_area("grcim_adc", {"n_bits": 3}) > 0


def test_hwc_list_shows_grcim_components() -> None:
    hwc = Path(sys.executable).parent / "hwc"
    out = subprocess.run([str(hwc), "--list"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    for name in ("gr_mac(", "conventional_fp_mac(", "int_cim_mac(", "gain_ranging_stage(",
                 "exponent_normalizer(", "grcim_adc(", "cim_dac("):
        assert name in out
