"""``grcim arch list`` and ``grcim arch show``."""

from __future__ import annotations

from pathlib import Path

import pytest

import grcim.arch
from grcim.cli.main import main

ARCH_DIR = Path(grcim.arch.__file__).parent


def test_list_shows_every_bundled_file_and_marks_the_default(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "list"]) == 0
    out = capsys.readouterr().out
    on_disk = {p.stem for d in ("macros", "chips") for p in (ARCH_DIR / d).glob("*.yaml")}
    rows = {line.split()[0]: line for line in out.splitlines()
            if line.split() and line.split()[0] in on_disk}
    assert set(rows) == on_disk
    assert [name for name, line in rows.items() if line.split()[1] == "*"] == ["edge_grmac"]
    assert "lpddr5" in rows["edge_int8"] and "hbm3" in rows["large_grmac"]
    assert "macro" in rows["grmac_row"] and "grmac (row)" in rows["grmac_row"]
    assert " int8 " in rows["int8_cim"]


def test_show_summarizes_a_chip(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "show", "edge_grmac"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for fragment in ("grmac (row)", "gr_mac", "fp8_e4m3 x fp8_e4m3", "22 nm", "lpddr5",
                     "16 GiB", "51.2 GB/s", "4 MiB", "KV cache", "vector_unit"):
        assert fragment in out, fragment


def test_show_a_user_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text((ARCH_DIR / "macros" / "int8_cim.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    assert main(["arch", "show", str(path)]) == 0
    assert "int_cim_mac" in capsys.readouterr().out


def test_show_unknown_name_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arch", "show", "nope"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "edge_grmac" in captured.err


def test_arch_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["arch"])
    assert info.value.code == 2


def test_show_an_arch_naming_a_technology_without_tech_node(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # regression: tech_node is optional when a technology is named; `arch show` multiplied
    # the missing node and crashed with a traceback on a file `validate` accepts
    text = (ARCH_DIR / "macros" / "int8_cim.yaml").read_text(encoding="utf-8")
    for old, new in (("    tech_node: 22.0e-9            # m", '    technology: "22nm"'),
                     ("    tech_node: tech_node          # m", "    technology: technology")):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "tech_only.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert main(["arch", "show", str(path)]) == 0
    assert "that of technology 22nm" in capsys.readouterr().out
