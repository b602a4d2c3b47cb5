"""``grcim map --report FILE.md``: what is in the way inside ``FILE_figures/`` is refused
before the mapping (one line, nothing on stdout, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import grcim.cli.map as map_cli


# report.figures.result_figures: energy, latency, and roofline (grcim engine: per-op
# records)
@pytest.mark.parametrize(("member", "make", "allowed"), [
    ("energy.png", "directory", "a file path, not a directory"),
    ("latency.png", "symlink", "a file path, not a symbolic link"),
    ("roofline.png", "directory", "a file path, not a directory"),
    (".grcim-manifest.json", "symlink", "a file path, not a symbolic link"),
])
def test_bad_member_of_the_figures_folder_refused_before_the_mapping(
        member: str, make: str, allowed: str, tmp_path: Path, tiny_files: dict[str, str],
        monkeypatch: pytest.MonkeyPatch, cli, forbid, folder_tree) -> None:
    # the step was mapped, its tables printed, the report rendered, then exit 1
    forbid(map_cli, "map_workload", "the mapping started before the figures folder was checked")
    monkeypatch.chdir(tmp_path)  # a short path: messages shorten long values
    figures = Path("r_figures")
    figures.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if make == "directory":
        (figures / member).mkdir()
    else:
        (figures / member).symlink_to(elsewhere)
    (figures / "notes.txt").write_text("notes\n", encoding="utf-8")
    before = folder_tree(figures)
    code, stdout, err = cli(["map", "--arch", tiny_files["chip"], "--models",
                             tiny_files["models"], "--phase", "decode", "--context", "8",
                             "--report", "r.md"])
    assert code == 1
    assert stdout == "" and len(err.splitlines()) == 1, err
    assert f"--report = 'r_figures/{member}': {allowed}" in err, err
    assert folder_tree(figures) == before and not Path("r.md").exists()
    assert not list(elsewhere.iterdir())


def test_the_figures_written_are_the_figures_checked(
        tmp_path: Path, tiny_files: dict[str, str], cli) -> None:
    report = tmp_path / "r.md"
    code, _, err = cli(["map", "--arch", tiny_files["chip"], "--models", tiny_files["models"],
                        "--phase", "decode", "--context", "8", "--report", str(report)])
    assert code == 0, err
    manifest = json.loads((tmp_path / "r_figures" / ".grcim-manifest.json").read_text(
        encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(map_cli.figure_files("grcim"))
