"""The Accelergy shim and primitive library are generated from the models, and current.

``scripts/gen_accelergy_shim.py`` reads every signature, default, alias, priority and
action from the model classes. These tests check that the committed files equal what the
script renders from the installed models (so a model change without rerunning the script
fails here), that the installed copies equal the committed ones, and that a model with
attributes the script has never seen (a cell topology, a noise standard, a technology file
whose default is not a literal, an action with an argument) comes out right and runs.
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from hwcomponents import ActionCost, ComponentModel, action

import grcim.plugins.accelergy as packaged
import grcim.plugins.models as models_pkg
from grcim.cli.plugins import shim_locations
from grcim.plugins.models import MODELS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "gen_accelergy_shim.py"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load(SCRIPT, "gen_accelergy_shim")


def test_committed_files_are_what_the_script_renders(gen: ModuleType) -> None:
    assert (REPO / "plugins/accelergy/grcim_estimators.py").read_text() == gen.render_shim(
        tuple(MODELS)), "stale shim: run scripts/gen_accelergy_shim.py"
    assert (REPO / "plugins/accelergy/grcim.lib.yaml").read_text() == gen.render_library(
        tuple(MODELS)), "stale library: run scripts/gen_accelergy_shim.py"


def test_check_mode_passes_on_this_checkout(gen: ModuleType) -> None:
    assert gen.main(["--check"]) == 0


def test_installed_copies_equal_the_checkout() -> None:
    where = shim_locations()
    folders = {"packaged": where["packaged"], "installed": where["installed"],
               "library": where["library"]}
    names = {"packaged": ("grcim_estimators.py", "grcim.lib.yaml", "grcim.estimator.yaml"),
             "installed": ("grcim_estimators.py", "grcim.estimator.yaml"),
             "library": ("grcim.lib.yaml",)}
    for key, folder in folders.items():
        if folder is None:  # data files exist only after a regular install
            continue
        for name in names[key]:
            assert (folder / name).read_text() == (REPO / "plugins/accelergy" / name
                                                   ).read_text(), (key, name)
    assert Path(packaged.__file__).parent == where["packaged"]


def test_library_declares_every_name_and_action(gen: ModuleType) -> None:
    lib = yaml.safe_load((REPO / "plugins/accelergy/grcim.lib.yaml").read_text())
    classes = {c["name"]: [a["name"] for a in c["actions"]] for c in lib["classes"]}
    for model in MODELS:
        for name in model.component_name:
            assert classes[name] == [*model.action_names(), "leak"]
    assert len(classes) == sum(len(m.component_name) for m in MODELS)


_TECH_FILE = Path("/somewhere/tech.yaml")  # a default that is not a literal


class FutureCell(ComponentModel):
    """A model with attributes the generator has never seen."""

    component_name = ["future_cell", "future_alias"]
    priority = 0.42
    seen: dict[str, Any] = {}

    def __init__(self, n_bits: int, cell_topology: str = "bit_sliced",
                 noise_standard: str = "sqnr", technology_file: Path = _TECH_FILE,
                 tech_node: float = 28e-9) -> None:
        FutureCell.seen = dict(n_bits=n_bits, cell_topology=cell_topology,
                               noise_standard=noise_standard, technology_file=technology_file,
                               tech_node=tech_node)
        super().__init__(area=1e-12 * n_bits, leak_power=2e-6)

    @action
    def convert(self, n_steps: int = 1) -> ActionCost:
        """Energy grows with the steps."""
        return ActionCost(energy=3e-15 * n_steps, latency=1e-9, throughput=1e9)


def test_new_attributes_render_from_introspection(gen: ModuleType, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "future_shim.py"
    path.write_text(gen.render_shim((FutureCell,)))
    monkeypatch.setattr(models_pkg, "FutureCell", FutureCell, raising=False)
    shim = _load(path, "future_shim")
    cls = shim.GrcimFutureCell
    assert cls.name == ["future_cell", "future_alias"]
    assert cls.percent_accuracy_0_to_100 == 42
    params = inspect.signature(cls.__init__).parameters
    assert list(params)[1:] == ["n_bits", "cell_topology", "noise_standard", "technology_file",
                                "tech_node", "technology"]
    assert params["n_bits"].default is inspect.Parameter.empty  # required in Accelergy
    assert params["cell_topology"].default == "bit_sliced"
    assert params["technology_file"].default is shim.MODEL_DEFAULT
    obj = cls(n_bits=4, noise_standard="total", technology="22nm")
    # the model saw what was given, its own defaults for the rest, the node in metres
    assert FutureCell.seen == dict(n_bits=4, cell_topology="bit_sliced",
                                   noise_standard="total", technology_file=_TECH_FILE,
                                   tech_node=22e-9)
    assert obj.convert(n_steps=3) == pytest.approx(9e-15, rel=1e-12)
    assert obj.get_area() == pytest.approx(4e-12) and obj.leak(1e-9) == pytest.approx(2e-15)
    lib = yaml.safe_load(gen.render_library((FutureCell,)))
    assert [c["name"] for c in lib["classes"]] == ["future_cell", "future_alias"]
    assert lib["classes"][0]["actions"] == [{"name": "convert"}, {"name": "leak"}]


class _Kwargs(ComponentModel):
    component_name = "kwargs_cell"
    priority = 0.5

    def __init__(self, **attrs: Any) -> None:
        super().__init__(area=0.0, leak_power=0.0)


def test_generator_refuses_unnamed_attributes(gen: ModuleType) -> None:
    with pytest.raises(SystemExit, match=r"_Kwargs.__init__ takes \*attrs: Accelergy matches"):
        gen.render_shim((_Kwargs,))


def test_check_reports_a_stale_file_and_the_script_rewrites_it(
        gen: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    shim, lib = tmp_path / "plugins" / "shim.py", tmp_path / "plugins" / "lib.yaml"
    shim.parent.mkdir()
    shim.write_text("# old\n")
    lib.write_text(gen.render_library(tuple(MODELS)))
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    monkeypatch.setattr(gen, "SHIM", shim)
    monkeypatch.setattr(gen, "LIBRARY", lib)
    assert gen.main(["--check"]) == 1
    assert "plugins/shim.py is stale" in capsys.readouterr().err
    assert shim.read_text() == "# old\n"  # --check changes nothing
    assert gen.main([]) == 0
    assert shim.read_text() == gen.render_shim(tuple(MODELS))
    assert gen.main(["--check"]) == 0


def test_script_refuses_a_stale_install(gen: ModuleType, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "models"
    src.mkdir()
    for f in (REPO / "plugins" / "models").glob("*.py"):
        (src / f.name).write_text(f.read_text())
    (src / "gr_mac.py").write_text((src / "gr_mac.py").read_text() + "\n# edited\n")
    monkeypatch.setattr(gen, "MODELS_SRC", src)
    assert gen.main(["--check"]) == 2
    assert "differ from this checkout (gr_mac.py); reinstall first" in capsys.readouterr().err


def test_a_regular_install_ships_shim_and_library() -> None:
    import importlib.metadata
    import json

    text = importlib.metadata.distribution("grcim").read_text("direct_url.json") or "{}"
    if json.loads(text).get("dir_info", {}).get("editable", False):
        pytest.skip("grcim is installed editable: data files are placed only by a regular "
                    "install (the README's set-up)")
    where = shim_locations()
    assert where["installed"] is not None and where["library"] is not None
    assert where["installed"].parts[-3:] == ("accelergy", "estimation_plug_ins", "grcim")
    assert where["library"].parts[-3:] == ("accelergy", "primitive_component_libs", "grcim")
