"""grcim's plug-in under the real classic Accelergy 0.4 command (the vendored wheel).

Every component of every bundled macro is placed as a primitive in one Accelergy
architecture, exactly as the macro file configures it; Accelergy (fresh ``HOME``, default
configuration, ``-p 15``) must find grcim's shim and primitive library on its own and
write ERT/ART values equal to ``grcim table`` for the same attributes (relative 1e-9: both
are grcim's model, Accelergy rounds to 15 significant digits). Then the cases a new user
stumbles on, with the behaviour the fixes promise: unquoted text, misspelled attributes,
a technology outside the models' domain, ``n_instances``, a ``grcim table`` ERT as input, a
stale configuration and ``grcim plugins``' advice, and a library-less install.
About 20 s (one Monte Carlo ensemble per macro family, in Accelergy's process and here).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from grcim.arch import list_bundled, load_arch
from grcim.cli.main import main
from grcim.plugins.accelergy.adapter import model_parameters
from grcim.plugins.models import MODELS

MODEL = {n: m for m in MODELS for n in m.component_name}
MACROS = [n for n in list_bundled() if load_arch(n).kind == "macro"]
CYCLE_S = 1e-9


class _Quoted(yaml.SafeDumper):
    """Every text value in double quotes (Accelergy evaluates unquoted text)."""


_Quoted.add_representer(str, lambda d, t: d.represent_scalar("tag:yaml.org,2002:str", t,
                                                              style='"'))
_Quoted.add_representer(dict, lambda d, m: yaml.MappingNode("tag:yaml.org,2002:map", [
    (yaml.ScalarNode("tag:yaml.org,2002:str", str(k)), d.represent_data(v))
    for k, v in m.items()]))


def QUOTED(doc: dict) -> str:  # noqa: N802 (reads as a constant transformation)
    return yaml.dump(doc, Dumper=_Quoted, sort_keys=False)


def _grcim(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _components() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(macro, node, component class, attributes) of every priced node of every macro."""
    found = []
    for name in MACROS:
        arch = load_arch(name)
        for node in arch.nodes:
            cls = getattr(node, "component_class", None)
            if cls in MODEL:
                attrs = {**arch.component_attributes, **node.extra_attributes_for_component_model}
                found.append((name, node.name, cls, attrs))
    return found


COMPONENTS = _components()


def _technology(tech_node_m: float) -> str:
    return f"{tech_node_m * 1e9:g}nm"


def _arch_file(path: Path, components: list[tuple[str, str, str, dict[str, Any]]]) -> Path:
    subtree = []
    for macro in dict.fromkeys(c[0] for c in components):
        local = []
        for m, node, cls, attrs in components:
            if m == macro:
                own = {k: v for k, v in attrs.items() if k != "tech_node"}
                local.append({"name": node, "class": cls, "attributes": own})
        tech = _technology(next(a["tech_node"] for m, *_, a in components if m == macro))
        subtree.append({"name": macro, "attributes": {"technology": tech}, "local": local})
    # Accelergy 0.4 requires technology and global_cycle_seconds on every node
    doc = {"architecture": {"version": 0.4, "subtree": [
        {"name": "grcim", "attributes": {"global_cycle_seconds": CYCLE_S,
                                         "technology": "28nm"},
         "subtree": subtree}]}}
    path.write_text(QUOTED(doc))
    return path


def _table(cls: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """``grcim table`` (yaml) for the attributes the model takes: {actions, area}."""
    params = model_parameters(MODEL[cls])
    sets = []
    for k, v in attrs.items():
        if k in params:
            sets += ["--set", f"{k}={'none' if v is None else v}"]
    code, out, err = _grcim(["table", cls, *sets, "--format", "yaml", "--cycle-seconds",
                             repr(CYCLE_S)])
    assert code == 0, err
    doc = yaml.safe_load(out)
    (ert,), (art,) = doc["ERT"]["tables"], doc["ART"]["tables"]
    return {"actions": {a["name"]: a["energy"] for a in ert["actions"]}, "area": art["area"]}


@pytest.fixture(scope="module")
def macro_run(accelergy: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    here = tmp_path_factory.mktemp("macros")
    return accelergy.run([_arch_file(here / "arch.yaml", COMPONENTS)], cwd=here)


def test_every_macro_component_is_covered() -> None:
    assert set(MACROS) == {"conventional_fp_cim", "grmac_row", "grmac_unit", "int8_cim"}
    classes = {c[2] for c in COMPONENTS}
    assert {"gr_mac", "conventional_fp_mac", "int_cim_mac", "grcim_adc", "cim_dac",
            "gain_ranging_stage"} <= classes


@pytest.mark.parametrize(("macro", "node", "cls", "attrs"), COMPONENTS,
                         ids=[f"{c[0]}.{c[1]}" for c in COMPONENTS])
def test_ert_and_art_equal_grcim_table(macro_run: Any, macro: str, node: str,
                                       cls: str, attrs: dict[str, Any]) -> None:
    assert macro_run.returncode == 0, macro_run.log[-2000:]
    name = f"grcim.{macro}.{node}"
    ert = {t["name"]: t for t in macro_run.table("ERT.yaml")["ERT"]["tables"]}
    art = {t["name"]: t for t in macro_run.table("ART.yaml")["ART"]["tables"]}
    ours = _table(cls, attrs)
    theirs = {a["name"]: a["energy"] for a in ert[name]["actions"]}
    assert set(theirs) == set(ours["actions"]) == {*MODEL[cls].action_names(), "leak"}
    for action, energy in ours["actions"].items():
        assert theirs[action] == pytest.approx(energy, rel=1e-9), action
    assert art[name]["area"] == pytest.approx(ours["area"], rel=1e-9)


def _one(tmp_path: Path, attrs: dict[str, Any], cls: str = "gr_mac",
         system: dict[str, Any] | None = None, raw: str | None = None) -> Path:
    path = tmp_path / "arch.yaml"
    if raw is not None:
        path.write_text(raw)
        return path
    doc = {"architecture": {"version": 0.4, "subtree": [{
        "name": "system", "attributes": {"global_cycle_seconds": CYCLE_S,
                                         **(system or {"technology": "22nm"})},
        "local": [{"name": "x", "class": cls, "attributes": attrs}]}]}}
    path.write_text(QUOTED(doc))
    return path


def _energy(run: Any, action: str) -> float:
    (table,) = run.table("ERT.yaml")["ERT"]["tables"]
    return next(a["energy"] for a in table["actions"] if a["name"] == action)


UNQUOTED = """architecture:
  version: 0.4
  subtree:
  - name: system
    attributes: {technology: "22nm", global_cycle_seconds: 1e-9}
    local:
    - name: x
      class: gr_mac
      attributes: {normalization: row}
"""


def test_unquoted_text_crashes_accelergy_and_validate_names_it(accelergy: Any, tmp_path: Path
                                                               ) -> None:
    path = _one(tmp_path, {}, raw=UNQUOTED)
    run = accelergy.run([path], cwd=tmp_path)
    assert run.returncode != 0 and "Failed to evaluate: row" in run.log
    code, out, err = _grcim(["validate", str(path)])
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"grcim validate: error: {path}:9: system.x.attributes.normalization = 'row': unquoted "
        'text: Accelergy evaluates unquoted text as Python: write it in quotes ("row")']


def test_validate_agrees_with_accelergy_on_variables_case_and_capitals(accelergy: Any,
                                                                      tmp_path: Path) -> None:
    """validate said OK on the first two files, which Accelergy rejects, and refused the
    third, which Accelergy prices as the lower-case one."""
    head = "architecture:\n  version: 0.4\n  subtree:\n  - name: system\n"
    local = "    local:\n    - {name: x, class: %s, attributes: {}}\n"
    lower = '    attributes: {technology: "22nm", global_cycle_seconds: 1e-9}\n'
    cases = {
        "variables": ("variables:\n  version: 0.4\n  n: 4\n" + head + lower
                      + local % "gr_mac", 'Required key "global_cycle_seconds" not found'),
        "capital_class": (head + lower + local % "GR_MAC", "Can not find an area estimator"),
        "capital_keys": (head + '    attributes: {TECHNOLOGY: "22nm", '
                         "GLOBAL_CYCLE_SECONDS: 1e-9}\n" + local % "gr_mac", None)}
    for name, (text, failure) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        path = _one(folder, {}, raw=text)
        run = accelergy.run([path], cwd=folder)
        code, _, err = _grcim(["validate", str(path)])
        if failure is None:
            assert run.returncode == 0, run.log[-1500:]
            assert _energy(run, "compute") == pytest.approx(
                _table("gr_mac", {"tech_node": 22e-9})["actions"]["compute"], rel=1e-9)
            assert (code, err) == (0, ""), err
        else:
            assert run.returncode != 0 and failure in run.log, (name, run.log[-800:])
            assert code == 1 and err.count("\n") >= 1, name


def test_misspelled_attribute_is_silent_in_accelergy_and_caught_by_validate(
        accelergy: Any, tmp_path: Path) -> None:
    typo = accelergy.run([_one(tmp_path, {"dynamic_range": 4})], cwd=tmp_path)
    assert typo.returncode == 0  # Accelergy: an INFO line, and the default is used
    assert "Unused arguments (dynamic_range" in typo.log
    ours = _table("gr_mac", {"tech_node": 22e-9})
    assert _energy(typo, "compute") == pytest.approx(ours["actions"]["compute"], rel=1e-9)
    code, _, err = _grcim(["validate", str(tmp_path / "arch.yaml")])
    assert code == 1 and len(err.splitlines()) == 1
    assert "system.x.attributes.dynamic_range = 4: not an attribute of gr_mac" in err
    assert err.rstrip().endswith("did you mean dynamic_range_bits?")


def test_technology_outside_the_domain_is_named_as_written(accelergy: Any, tmp_path: Path
                                                           ) -> None:
    path = _one(tmp_path, {"n_bits": 4}, cls="cim_dac", system={"technology": 180})
    run = accelergy.run([path], cwd=tmp_path)
    assert run.returncode != 0
    assert "Can not find an energy estimator for cim_dac" in run.log
    assert "technology = 180: a bundled node" in run.log
    code, _, err = _grcim(["validate", str(path)])
    assert code == 1 and len(err.splitlines()) == 1
    assert "system.attributes.technology = 180: a bundled node" in err


def test_n_instances_multiplies_area_and_leak_not_action_energy(accelergy: Any,
                                                                tmp_path: Path) -> None:
    one = accelergy.run([_one(tmp_path, {"n_bits": 4}, cls="cim_dac")], cwd=tmp_path)
    four_dir = tmp_path / "four"
    four_dir.mkdir()
    four = accelergy.run([_one(four_dir, {"n_bits": 4, "n_instances": 4}, cls="cim_dac")],
                         cwd=four_dir)
    assert one.returncode == four.returncode == 0
    assert _energy(four, "convert") == pytest.approx(_energy(one, "convert"), rel=1e-12)
    assert _energy(four, "leak") == pytest.approx(4 * _energy(one, "leak"), rel=1e-12)
    (a1,), (a4,) = one.table("ART.yaml")["ART"]["tables"], four.table("ART.yaml")["ART"][
        "tables"]
    assert a4["area"] == pytest.approx(4 * a1["area"], rel=1e-12)
    # grcim's own count attribute multiplies area, not the energy of one conversion
    eight = tmp_path / "eight"
    eight.mkdir()
    n_dacs = accelergy.run([_one(eight, {"n_bits": 4, "n_dacs": 8}, cls="cim_dac")], cwd=eight)
    assert _energy(n_dacs, "convert") == pytest.approx(_energy(one, "convert"), rel=1e-12)
    (a8,) = n_dacs.table("ART.yaml")["ART"]["tables"]
    assert a8["area"] == pytest.approx(8 * a1["area"], rel=1e-12)


def test_grcim_table_yaml_is_an_ert_input(accelergy: Any, tmp_path: Path) -> None:
    ert = tmp_path / "ert.yaml"
    code, _, err = _grcim(["table", "cim_dac", "--sweep", "n_bits=4,5", "--format", "yaml",
                           "--out", str(ert)])
    assert code == 0, err
    counts = tmp_path / "counts.yaml"
    counts.write_text(yaml.safe_dump({"action_counts": {"version": 0.4, "local": [
        {"name": "cim_dac_1", "action_counts": [{"name": "convert", "counts": 10}]}]}}))
    run = accelergy.run([ert, counts], "-f", "ERT", "energy_estimation", cwd=tmp_path)
    assert run.returncode == 0, run.log[-1500:]
    est = run.table("energy_estimation.yaml")["energy_estimation"]
    table = yaml.safe_load(ert.read_text())["ERT"]["tables"][1]
    convert = next(a["energy"] for a in table["actions"] if a["name"] == "convert")
    assert table["attributes"]["n_bits"] == 5
    assert est["components"][0]["name"] == "cim_dac_1"
    assert est["components"][0]["energy"] == pytest.approx(10 * convert, rel=1e-12)


STALE = """version: '0.4'
estimator_plug_ins:
- /nonexistent/env/share/accelergy/estimation_plug_ins
primitive_components:
- /nonexistent/env/share/accelergy/primitive_component_libs
compound_components: []
math_functions: []
python_plug_ins: []
table_plug_ins:
  roots:
  - /nonexistent/env/share/accelergy/table_plug_ins
"""


def test_plugins_advice_fixes_a_stale_config(accelergy: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    arch = _one(tmp_path, {"n_bits": 4}, cls="cim_dac")
    config = tmp_path / "accelergy_config.yaml"  # Accelergy reads ./ before ~/.config
    config.write_text(STALE)
    stale = accelergy.run([arch], cwd=tmp_path, home=home)
    assert stale.returncode != 0  # finds neither the shim nor any table plug-in
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    code, out, _ = _grcim(["plugins", "--no-discovery"])
    assert code == 0
    assert f"accelergy config: {config}: estimator_plug_ins lists no folder holding" in out
    block = out.split("--- begin accelergy_config.yaml ---\n")[1].split("  --- end")[0]
    config.write_text(block)
    fixed = accelergy.run([arch], cwd=tmp_path, home=home)
    assert fixed.returncode == 0, fixed.log[-1500:]
    assert _energy(fixed, "convert") == pytest.approx(
        _table("cim_dac", {"n_bits": 4, "tech_node": 22e-9})["actions"]["convert"], rel=1e-9)
    code, out, _ = _grcim(["plugins", "--no-discovery"])
    assert "lists the folders of grcim's shim and primitive library: nothing to add" in out


def test_without_the_library_primitives_get_an_empty_ert(accelergy: Any, tmp_path: Path
                                                         ) -> None:
    from grcim.cli.plugins import shim_locations

    where = shim_locations()
    if where["library"] is None:
        pytest.skip("grcim is installed editable: no data files (the README installs it "
                    "regularly)")
    share = where["library"].parent.parent
    (tmp_path / "empty").mkdir()
    (tmp_path / "accelergy_config.yaml").write_text(yaml.safe_dump({
        "version": "0.4", "estimator_plug_ins": [str(share / "estimation_plug_ins")],
        "primitive_components": [str(tmp_path / "empty")], "compound_components": [],
        "math_functions": [], "python_plug_ins": [],
        "table_plug_ins": {"roots": [str(share / "table_plug_ins")]}}))
    arch = _one(tmp_path, {"n_bits": 4}, cls="cim_dac")
    bare = accelergy.run([arch], cwd=tmp_path)
    assert bare.returncode == 0 and bare.table("ERT.yaml")["ERT"]["tables"] == []
    (tmp_path / "accelergy_config.yaml").unlink()  # default config: grcim's library found
    with_lib = accelergy.run([arch], cwd=tmp_path, home=tmp_path / "home2")
    assert [t["name"] for t in with_lib.table("ERT.yaml")["ERT"]["tables"]] == ["system.x"]


DOCS = Path(__file__).resolve().parents[2] / "docs" / "timeloop.md"


def docs_recipe(name: str) -> str:
    """The code block after ``<!-- recipe: name -->`` in docs/timeloop.md."""
    if not DOCS.is_file():
        pytest.skip("docs/timeloop.md is not in this tree")
    text = DOCS.read_text(encoding="utf-8")
    block = text.split(f"<!-- recipe: {name} -->\n", 1)[1]
    return block.split("```", 2)[1].split("\n", 1)[1]


def test_docs_macro_recipe_validates_and_prices_like_grcim_table(accelergy: Any,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "grmac_macro.yaml"
    path.write_text(docs_recipe("grmac_macro.yaml"))
    code, out, err = _grcim(["validate", str(path)])
    assert (code, err) == (0, "") and "grcim: grcim_adc, cim_dac, gr_mac" in out
    run = accelergy.run([path], cwd=tmp_path)
    assert run.returncode == 0, run.log[-1500:]
    ert = {t["name"]: {a["name"]: a["energy"] for a in t["actions"]}
           for t in run.table("ERT.yaml")["ERT"]["tables"]}
    doc = yaml.safe_load(path.read_text())["architecture"]["subtree"][0]
    for comp in doc["local"]:
        ours = _table(comp["class"], {**comp["attributes"], "tech_node": 22e-9})
        for action, energy in ours["actions"].items():
            assert ert[f"macro.{comp['name']}"][action] == pytest.approx(energy, rel=1e-9)
