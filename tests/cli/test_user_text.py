"""User text (descriptions, names, titles, paths) is printed as written: rich reads
``[...]`` as markup and the Markdown report renders inline HTML, so both escape it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

import grcim.arch
import grcim.physics
from grcim.cli.main import main

ARCH_DIR = Path(grcim.arch.__file__).parent
TECH_DIR = Path(grcim.physics.__file__).parent / "tech"
MAPPER_CONFTEST = Path(__file__).parent.parent / "mapper" / "conftest.py"

MARKUP = "[bold red]LOUD and [/bold] closed"
"""An unmatched closing tag crashed rich (MarkupError); an opening one silently vanished."""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())


def _with_description(text: str, description: str) -> str:
    """An arch file's text whose ``description:`` variable is ``description``."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.strip().startswith("description:"))
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    lines[i] = f"{indent}description: {json.dumps(description)}"
    return "\n".join(lines) + "\n"


def test_arch_show_prints_markup_in_a_description_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "edge[i].yaml"
    path.write_text(_with_description(
        (ARCH_DIR / "chips" / "edge_grmac.yaml").read_text(encoding="utf-8"), MARKUP),
        encoding="utf-8")
    code, out, err = _run(capsys, "arch", "show", str(path))
    assert (code, err) == (0, "")
    assert MARKUP in _flat(out) and "edge[i]" in out


def _tiny(tmp_path: Path, stem: str, description: str) -> tuple[str, str]:
    """A tiny chip named ``stem`` with ``description`` and a one-model models file."""
    spec = importlib.util.spec_from_file_location("mapper_conftest_user_text",
                                                  MAPPER_CONFTEST)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.chip_yaml().replace("  variables:\n", "  variables:\n    description: "
                                   + json.dumps(description) + "\n",
                                   1)
    chip = tmp_path / f"{stem}.yaml"
    chip.write_text(text, encoding="utf-8")
    fields = {k: v for k, v in mod.TINY_LLAMA.items() if k != "name"}
    fields["title"] = "Tiny [/b] <b>llama</b>"
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"default": "tiny-llama",
                                      "models": {"tiny-llama": fields}}), encoding="utf-8")
    return str(chip), str(models)


def test_map_terminal_and_markdown_report_show_user_text_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chip, models = _tiny(tmp_path, "ti[b]ny", "<script>alert(1)</script> & [/bold]")
    report = tmp_path / "r.md"
    code, out, err = _run(capsys, "map", "--arch", chip, "--models", models, "--phase",
                          "prefill", "--tokens", "8", "--report", str(report))
    assert (code, err) == (0, ""), err
    assert "ti[b]ny" in out  # the arch name (file stem) in the table title
    md = report.read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; [/bold]" in md
    assert "r_figures/energy.png" in md


def test_workload_title_with_markup(tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, models = _tiny(tmp_path, "tiny", "x")
    code, out, err = _run(capsys, "workload", "tiny-llama", "--phase", "decode", "--models",
                          models)
    assert (code, err) == (0, "")
    assert "Tiny [/b] <b>llama</b>" in out


def test_table_text_prints_a_technology_path_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tech = tmp_path / "t[b].yaml"
    shutil.copy(TECH_DIR / "22nm.yaml", tech)
    code, out, err = _run(capsys, "table", "gr_mac", "--set", f"technology={tech}")
    assert (code, err) == (0, "")
    assert f"technology={tech}" in out.replace("\n", "")


def test_sweep_status_prints_a_store_path_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grcim.sweep import Store

    path = tmp_path / "s[b].sqlite"
    Store.create(path, "map").close()
    code, out, err = _run(capsys, "sweep", "status", str(path))
    assert (code, err) == (0, "")
    assert f"{path}:" in out
