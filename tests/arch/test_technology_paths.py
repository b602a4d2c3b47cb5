"""A technology file named in an arch is the file next to the arch file, wherever grcim runs.

docs/arch.md: a relative ``technology`` path is relative to the arch file's folder. The
variable followed that rule; the same path written as a component attribute
(``extra_attributes_for_all_component_models`` or a node's own attributes) reached the
models as written, so they opened it relative to the working directory: the same command
on the same arch file priced whichever ``t22.yaml`` the current folder held (exit 0), or
failed "No such file" from another folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import grcim.arch
import grcim.physics
from grcim.arch import load_arch
from grcim.arch.nodes import walk_all

ARCH_DIR = Path(grcim.arch.__file__).parent
TECH_22 = (Path(grcim.physics.__file__).parent / "tech" / "22nm.yaml").read_text(
    encoding="utf-8")
CHIP = (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8")

ALL_COMPONENTS = "    tech_node: tech_node          # m\n"
MAC_ATTRS = '      include_terms: "mac,array,gain_stage,digital"\n'
MODELS = """\
default: tiny
models:
  tiny: {title: tiny, source: test, d_model: 64, n_heads: 2, n_kv_heads: 2, head_dim: 32,
         d_ff: 128, n_layers: 1, vocab: 64, ffn: swiglu, norm: rmsnorm,
         tied_embeddings: false, positional: rope, biases: false, max_context: 64}
"""


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _setup(tmp_path: Path, where: str) -> tuple[Path, Path, Path]:
    """An arch folder with the arch and its t22.yaml (the bundled 22 nm file), a folder
    with another t22.yaml (a 1.5 V supply: other energies), and an empty folder."""
    home, other, empty = tmp_path / "home", tmp_path / "other", tmp_path / "empty"
    for folder in (home, other, empty):
        folder.mkdir()
    (home / "t22.yaml").write_text(TECH_22, encoding="utf-8")
    line = "  vdd_v: 0.8 "
    assert line in TECH_22
    (other / "t22.yaml").write_text(TECH_22.replace(line, "  vdd_v: 1.5 "), encoding="utf-8")
    if where == "all":
        text = _edit(CHIP, ALL_COMPONENTS, ALL_COMPONENTS + '    technology: "t22.yaml"\n')
    else:
        text = _edit(CHIP, MAC_ATTRS, MAC_ATTRS + '      technology: "t22.yaml"\n')
    (home / "techattr.yaml").write_text(text, encoding="utf-8")
    return home, other, empty


@pytest.mark.parametrize("where", ["all", "node"])
def test_a_technology_attribute_is_the_file_next_to_the_arch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    home, other, _ = _setup(tmp_path, where)
    monkeypatch.chdir(other)  # holds a t22.yaml of its own
    arch = load_arch(str(home / "techattr.yaml"))
    expected = str(home / "t22.yaml")
    if where == "all":
        assert arch.component_attributes["technology"] == expected
    else:
        attrs = arch.node("MAC").extra_attributes_for_component_model
        assert attrs["technology"] == expected
    assert arch.technology_files == (expected,)


@pytest.mark.parametrize(("where", "folders"), [("all", ("home", "other", "empty")),
                                               ("node", ("home", "other"))])
def test_map_prices_the_same_chip_from_any_folder(tmp_path: Path, where: str,
                                                  folders: tuple[str, ...]) -> None:
    # one process per folder, as a user runs it (a process memoizes priced attributes)
    home, _, _ = _setup(tmp_path, where)
    models = tmp_path / "models.yaml"
    models.write_text(MODELS, encoding="utf-8")
    energies = []
    for folder in folders:  # other: another t22.yaml (1.5 V); empty: none at all
        out = tmp_path / f"{folder}.json"
        run = subprocess.run(
            [sys.executable, "-m", "grcim", "map", "--arch", str(home / "techattr.yaml"),
             "--workload", "tiny", "--models", str(models), "--phase", "decode",
             "--context", "8", "--json", str(out)],
            cwd=tmp_path / folder, capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        energies.append(json.loads(out.read_text(encoding="utf-8"))["energy_j"])
    assert energies == [energies[0]] * len(folders)


def test_technology_files_lists_every_file_once(tmp_path: Path) -> None:
    home, _, _ = _setup(tmp_path, "node")
    (home / "sub").mkdir()
    (home / "sub" / "t7.yaml").write_text(TECH_22, encoding="utf-8")
    text = (home / "techattr.yaml").read_text(encoding="utf-8")
    text = _edit(text, ALL_COMPONENTS, ALL_COMPONENTS + '    technology: "sub/t7.yaml"\n')
    text = _edit(text, "    tech_node: 22.0e-9            # m\n",
                 '    tech_node: 22.0e-9            # m\n    technology: "t22.yaml"\n')
    (home / "both.yaml").write_text(text, encoding="utf-8")
    arch = load_arch(str(home / "both.yaml"))
    assert arch.technology == str(home / "t22.yaml")
    # the variable, the all-component attribute, the MAC's own (the variable's file again)
    assert arch.technology_files == (str(home / "t22.yaml"), str(home / "sub" / "t7.yaml"))
    named = [n.extra_attributes_for_component_model.get("technology")
             for n in walk_all(arch.nodes)
             if getattr(n, "extra_attributes_for_component_model", None)]
    assert str(home / "t22.yaml") in named


def test_bundled_node_names_are_not_files() -> None:
    text = _edit(CHIP, ALL_COMPONENTS, ALL_COMPONENTS + '    technology: "22nm"\n')
    arch = grcim.arch.load_arch_text(text, str(ARCH_DIR / "chips" / "edge_grmac.yaml"))
    assert arch.component_attributes["technology"] == "22nm"
    assert arch.technology_files == ()


@pytest.mark.parametrize("where", ["all", "node"])
def test_accelforge_reads_the_arch_from_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    # the AccelForge engine hands the raw file to AccelForge, whose evaluated attributes
    # reach grcim's models as written ("t22.yaml"): they opened the caller's t22.yaml
    pytest.importorskip("accelforge")
    from grcim.mapper.engines import accelforge as engine

    home, other, _ = _setup(tmp_path, where)
    monkeypatch.chdir(other)
    arch = load_arch(str(home / "techattr.yaml"))
    seen: list[tuple[str, str]] = []

    class Stop(Exception):
        pass

    def load(af: object, arch: object, source: str, *rest: object) -> None:
        seen.append((str(Path.cwd()), source))
        raise Stop

    monkeypatch.setattr(engine, "_load_spec", load)
    with pytest.raises(Stop):
        engine.run_accelforge(arch, "workload: {}\n")
    assert seen == [(str(home), str(home / "techattr.yaml"))]
    assert Path.cwd() == other  # and the caller's folder is back
