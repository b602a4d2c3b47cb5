"""The shim under the real classic Accelergy 0.4, where it is installed.

Accelergy is not on the package index, so this runs only where a user or CI has installed
it from source; tests/plugins/test_accelergy_contract.py covers the interface everywhere.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import hwcomponents
import pytest

import grcim.plugins
from grcim.plugins.models import MODELS

accelergy = pytest.importorskip(
    "accelergy", reason="classic Accelergy 0.4 is not installed (not on the package index); "
    "the contract test covers the shim")

SHIM = Path(grcim.plugins.__file__).parent / "accelergy" / "grcim_estimators.py"


def test_accelergy_selects_and_estimates_with_the_shim() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from accelergy.plug_in_interface.estimator_wrapper import get_all_estimators_in_module
        from accelergy.plug_in_interface.query_plug_ins import get_best_estimate

        spec = importlib.util.spec_from_file_location("python_plug_in", SHIM)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        plug_ins = get_all_estimators_in_module(module, set())
        assert len(plug_ins) == len(MODELS)
        attrs = {"n_bits": 4, "technology": "22nm", "global_cycle_seconds": 1e-9}
        energy = get_best_estimate(plug_ins, {"class_name": "cim_dac", "attributes": attrs,
                                              "action_name": "convert", "arguments": None}, True)
        area = get_best_estimate(plug_ins, {"class_name": "cim_dac", "attributes": attrs}, False)
    models = list(MODELS)
    ref = hwcomponents.get_action_cost("cim_dac", {"n_bits": 4, "tech_node": 22e-9}, "convert",
                                       {}, models=models)
    assert energy.get_value() == pytest.approx(ref.energy, rel=1e-12)
    assert area.get_value() == pytest.approx(
        hwcomponents.get_area("cim_dac", {"n_bits": 4, "tech_node": 22e-9}, models=models),
        rel=1e-12)
