"""The classic Accelergy 0.4 shim, loaded and queried the way Accelergy 0.4 does it.

These run everywhere (no Accelergy needed); ``test_accelergy_real.py`` runs the real one.

Accelergy is not on the package index, so a small stand-in ``accelergy`` package is written
to a temporary folder: an abstract ``Estimator`` base (``get_area``, ``leak``) and the
``actionDynamicEnergy`` marker. The selection below follows Accelergy 0.4's
``estimator_wrapper``: classes *defined in the loaded file* that subclass ``Estimator``;
``name`` and ``percent_accuracy_0_to_100`` present; ``__init__`` and action arguments taken
from ``co_varnames``/``__defaults__`` and matched to attributes by name, a missing
non-default one meaning "not a match"; ``leak(global_cycle_seconds)`` as an extra action.
Values are compared with grcim's hwcomponents models (J and m²).
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import hwcomponents
import pytest

import grcim.plugins
from grcim.cli.main import main
from grcim.plugins.models import MODELS

SHIM_DIR = Path(grcim.plugins.__file__).parent / "accelergy"
SHIM = SHIM_DIR / "grcim_estimators.py"
M = list(MODELS)

STANDIN = '''
from abc import ABC, abstractmethod


def actionDynamicEnergy(func):
    func._is_accelergy_action = True
    return func


class Estimator(ABC):
    name = None
    percent_accuracy_0_to_100 = None

    def __init__(self, name=None):
        self.logger_name = name

    def __ListLoggable__init__(self):
        pass

    @abstractmethod
    def get_area(self):
        """m^2"""

    @abstractmethod
    def leak(self, global_cycle_seconds):
        """J per cycle"""

    @actionDynamicEnergy
    def idle(self):
        return 0
'''


def _load(path: Path, name: str = "python_plug_in") -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def accelergy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    pkg = tmp_path / "accelergy" / "plug_in_interface"
    pkg.mkdir(parents=True)
    (tmp_path / "accelergy" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "estimator.py").write_text(STANDIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    for mod in [m for m in sys.modules if m == "accelergy" or m.startswith("accelergy.")]:
        monkeypatch.delitem(sys.modules, mod)
    import accelergy.plug_in_interface.estimator as est

    yield est
    # the stand-in must not outlive the test (a real Accelergy may be installed)
    for mod in [m for m in sys.modules if m == "accelergy" or m.startswith("accelergy.")]:
        if str(tmp_path) in str(getattr(sys.modules[mod], "__file__", "") or ""):
            del sys.modules[mod]


def _args(func: Any, is_init: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    code = func.__code__
    args = code.co_varnames[1:code.co_argcount]
    n_def = len(func.__defaults__ or ())
    return args[:len(args) - n_def], args[len(args) - n_def:]


def _estimators(module: ModuleType, base: type) -> list[type]:
    found = []
    for attr in dir(module):
        cls = getattr(module, attr)
        if (inspect.isclass(cls) and cls.__module__ == module.__name__
                and issubclass(cls, base) and cls is not base):
            assert cls.name and isinstance(cls.percent_accuracy_0_to_100, (int, float))
            found.append(cls)
    return found


def _estimate(classes: list[type], class_name: str, attrs: dict, action: str | None,
              args: dict | None = None) -> float:
    """Accelergy 0.4: first class whose name matches and whose required args are present."""
    for cls in classes:
        names = [cls.name] if isinstance(cls.name, str) else cls.name
        required, optional = _args(cls.__init__, True)
        if class_name not in names or any(attrs.get(a) is None for a in required):
            continue
        obj = cls(**{k: v for k, v in attrs.items() if k in (*required, *optional)})
        obj.__ListLoggable__init__()
        if action is None:
            return obj.get_area()
        method = getattr(obj, action)
        assert action == "leak" or getattr(method, "_is_accelergy_action", False)
        req, opt = _args(method, False)
        return method(**{k: v for k, v in (args or {}).items() if k in (*req, *opt)})
    raise LookupError(class_name)


CASES = [
    ("gr_mac", {"normalization": "row", "n_cols": 32, "technology": "22nm"}, "compute"),
    ("conventional_fp_mac", {"dynamic_range_bits": 2, "tech_node": 28e-9}, "compute"),
    ("int_cim_mac", {"input_bits": 4, "weight_bits": 4, "n_rows": 64}, "compute"),
    ("gain_ranging_stage", {"placement": "array"}, "gain"),
    ("exponent_normalizer", {"stage": "output"}, "read"),
    ("grcim_adc", {"n_bits": 3, "adc_law": "walden"}, "convert"),
    ("cim_dac", {"n_bits": 4, "technology": 7}, "convert"),
]


@pytest.mark.parametrize(("name", "attrs", "action"), CASES)
def test_shim_values_equal_grcim_models(accelergy: ModuleType, name: str, attrs: dict,
                                        action: str) -> None:
    shim = _load(SHIM)
    classes = _estimators(shim, accelergy.Estimator)
    assert len(classes) == len(MODELS)  # the shared helper is not registered
    hw_attrs = dict(attrs)
    tech = hw_attrs.pop("technology", None)
    if tech is not None:  # Accelergy's "technology": "22nm" or a number of nm
        hw_attrs["tech_node"] = 22e-9 if tech == "22nm" else tech * 1e-9
    ref = hwcomponents.get_action_cost(name, hw_attrs, action, {}, models=M)
    extra = {"global_cycle_seconds": 1e-9, "datawidth": 8}  # Accelergy passes more attributes
    assert _estimate(classes, name, {**attrs, **extra}, action) == pytest.approx(ref.energy,
                                                                                 rel=1e-12)
    area = hwcomponents.get_area(name, hw_attrs, models=M)
    assert _estimate(classes, name, attrs, None) == pytest.approx(area, rel=1e-12)
    leak = hwcomponents.get_leak_power(name, hw_attrs, models=M)
    got = _estimate(classes, name, attrs, "leak", {"global_cycle_seconds": 2e-9})
    assert got == pytest.approx(leak * 2e-9, rel=1e-12)


def test_required_attribute_missing_is_not_a_match(accelergy: ModuleType) -> None:
    classes = _estimators(_load(SHIM), accelergy.Estimator)
    with pytest.raises(LookupError):
        _estimate(classes, "cim_dac", {"n_dacs": 2}, "convert")


def test_shim_signatures_mirror_the_models(accelergy: ModuleType) -> None:
    shim = _load(SHIM)
    by_name = {m.component_name[0]: m for m in MODELS}
    for cls in _estimators(shim, accelergy.Estimator):
        model = by_name[cls.name[0]]
        assert cls.name == model.component_name
        assert cls.percent_accuracy_0_to_100 == round(model.priority * 100)
        mine = list(inspect.signature(model.__init__).parameters.values())[1:]
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        extra = [] if "technology" in [p.name for p in mine] else ["technology"]
        assert [p.name for p in params] == [p.name for p in mine] + extra
        for p, q in zip(params, mine, strict=False):
            assert p.default is shim.MODEL_DEFAULT or p.default == q.default, (cls.name, p.name)
        actions = {n for n in dir(cls) if getattr(getattr(cls, n), "_is_accelergy_action",
                                                   False)}
        assert actions == {*model.action_names(), "idle"}


def test_a_bad_value_declines_with_the_reason(accelergy: ModuleType) -> None:
    classes = _estimators(_load(SHIM), accelergy.Estimator)
    with pytest.raises(ValueError, match="normalization = 'diag': one of unit, row, int"):
        _estimate(classes, "gr_mac", {"normalization": "diag"}, "compute")


def test_missing_grcim_declines_instead_of_crashing(accelergy: ModuleType,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for mod in [m for m in sys.modules if m == "grcim" or m.startswith("grcim.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "grcim", None)  # as if grcim were not installed
    shim = _load(SHIM, "python_plug_in_without_grcim")  # loading must not raise
    classes = _estimators(shim, accelergy.Estimator)
    assert len(classes) == len(MODELS)
    with pytest.raises(RuntimeError, match="grcim is not importable in Accelergy's Python"):
        _estimate(classes, "cim_dac", {"n_bits": 4}, "convert")


def test_shim_loads_without_accelergy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "accelergy", None)
    shim = _load(SHIM, "python_plug_in_standalone")
    assert shim.Estimator.__name__ == "Estimator"
    dac = next(c for c in vars(shim).values() if "cim_dac" in (getattr(c, "name", None) or []))
    assert dac(n_bits=2).convert() > 0


def test_estimator_yaml_names_the_shim() -> None:
    import yaml

    spec = yaml.safe_load((SHIM_DIR / "grcim.estimator.yaml").read_text())
    assert spec["version"] == 0.4 and spec["python_plug_ins"] == ["grcim_estimators.py"]
    assert (SHIM_DIR / spec["python_plug_ins"][0]).is_file()


def test_grcim_plugins_lists_models_and_shim(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--no-discovery"]) == 0
    out = capsys.readouterr().out
    for model in MODELS:
        assert f"  {model.component_name[0]} ({model.__name__};" in out
        assert f"    actions: {', '.join(model.action_names())}" in out
    assert f"packaged copy: {SHIM_DIR.resolve()}" in out
