"""One rule for an argument that is a file path or else the name of a bundled file
(grcim.resources.bundled_or_file), used by archs, technologies and sweep specs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grcim.arch import load_arch
from grcim.errors import CMDLINE, SpecError
from grcim.physics.technology import load_technology
from grcim.resources import bundled, bundled_or_file, names_a_file

NAMES = {"28nm": bundled("grcim.physics.tech", "28nm.yaml")}


@pytest.mark.parametrize(("value", "is_file"), [
    ("edge_grmac", False), ("28nm", False), ("my arch", False),
    ("arch.yaml", True), ("arch.yml", True), ("sub/arch", True), ("./arch", True),
    ("/abs/arch", True), (Path("arch"), True),
])
def test_names_a_file(value: str | Path, is_file: bool) -> None:
    assert names_a_file(value) is is_file


def test_a_name_is_looked_up_and_a_path_is_not() -> None:
    assert bundled_or_file("28nm", NAMES, file=CMDLINE, key="k", allowed="a") is NAMES["28nm"]
    # a path is returned as such, even if absent: its reader says it is missing
    found = bundled_or_file("none/28nm", NAMES, file=CMDLINE, key="k", allowed="a")
    assert found == Path("none/28nm")


def test_unknown_name_error_names_file_key_value_and_what_is_allowed() -> None:
    with pytest.raises(SpecError) as info:
        bundled_or_file("5nm", NAMES, file="spec.yaml", key="sweep.x", allowed="28nm or a file",
                        line=3)
    assert str(info.value) == "spec.yaml:3: sweep.x = '5nm': 28nm or a file"


def test_a_relative_path_in_a_file_is_relative_to_that_file(tmp_path: Path) -> None:
    found = bundled_or_file("a.yaml", NAMES, file="f", key="k", allowed="a", base=tmp_path)
    assert found == tmp_path / "a.yaml"
    home = bundled_or_file("~/a.yaml", NAMES, file="f", key="k", allowed="a", base=tmp_path)
    assert home == Path.home() / "a.yaml"


def test_an_existing_file_may_win_over_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "28nm").write_text("x", encoding="utf-8")
    assert bundled_or_file("28nm", NAMES, file="f", key="k", allowed="a") is NAMES["28nm"]
    assert bundled_or_file("28nm", NAMES, file="f", key="k", allowed="a",
                           existing_file_wins=True) == Path("28nm")


@pytest.mark.parametrize("load", [load_arch, load_technology])
def test_loaders_read_a_suffixed_name_as_a_file(load: Callable[[str], object], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # "edge_grmac.yaml" / "28nm.yaml" are files (none here), not the bundled entries
    monkeypatch.chdir(tmp_path)
    for value in ("edge_grmac.yaml", "28nm.yaml"):
        with pytest.raises(SpecError, match="does not exist"):
            load(value)
