"""``grcim plugins`` config advice reads paths as Accelergy 0.4 does: no ``~`` expansion
(its estimator search walks the text as given), one text for ``estimator_plug_ins`` is one
path, one text for ``primitive_components`` is iterated character by character."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from grcim.cli.plugins import config_advice


@pytest.fixture
def where(tmp_path: Path) -> dict[str, Path | None]:
    shim, lib = tmp_path / "est", tmp_path / "lib"
    shim.mkdir()
    lib.mkdir()
    return {"installed": shim, "library": lib, "packaged": tmp_path / "pkg"}


def _advise(tmp_path: Path, where: dict[str, Path | None], **content: object
            ) -> tuple[str, dict[str, object] | None]:
    config = tmp_path / "accelergy_config.yaml"
    config.write_text(yaml.safe_dump({"version": "0.4", **content}))
    lines, text = config_advice(where, config)
    return "\n".join(lines), (yaml.safe_load(text) if text is not None else None)


def test_tilde_is_not_expanded(tmp_path: Path, where: dict[str, Path | None],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # ~/est is the shim's folder, once expanded
    out, fixed = _advise(tmp_path, where, estimator_plug_ins=["~/est"],
                         primitive_components=[str(where["library"])])
    assert "estimator_plug_ins lists no folder holding" in out  # bug: "nothing to add"
    assert "Accelergy does not expand ~ in ~/est" in out
    assert fixed is not None and fixed["estimator_plug_ins"][0] == "~/est"
    assert str(where["installed"]) in fixed["estimator_plug_ins"]


def test_one_text_is_one_path_for_estimators(tmp_path: Path,
                                             where: dict[str, Path | None]) -> None:
    out, fixed = _advise(tmp_path, where, estimator_plug_ins=str(where["installed"]),
                         primitive_components=[str(where["library"])])
    assert "nothing to add" in out and fixed is None  # bug: "lists no folder"


def test_one_text_for_primitive_components_is_kept_in_a_list(
        tmp_path: Path, where: dict[str, Path | None]) -> None:
    lib = str(where["library"])
    out, fixed = _advise(tmp_path, where, estimator_plug_ins=[str(where["installed"])],
                         primitive_components=lib)
    assert "primitive_components is one text, not a list of folders" in out
    assert fixed is not None and fixed["primitive_components"][0] == lib  # bug: dropped


def test_a_config_without_version_gets_one(tmp_path: Path,
                                           where: dict[str, Path | None]) -> None:
    # the folders are listed, but Accelergy 0.4 refuses a config with no version number:
    # the advice used to be "nothing to add" (or a rewrite still without a version)
    config = tmp_path / "accelergy_config.yaml"
    config.write_text(yaml.safe_dump({"estimator_plug_ins": [str(where["installed"])],
                                      "primitive_components": [str(where["library"])]}))
    lines, text = config_advice(where, config)
    assert "version is missing" in "\n".join(lines)
    assert text is not None
    fixed = yaml.safe_load(text)
    assert list(fixed)[0] == "version" and fixed["version"] == "0.4"
    assert fixed["estimator_plug_ins"] == [str(where["installed"])]

