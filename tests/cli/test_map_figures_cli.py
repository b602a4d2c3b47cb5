"""``grcim map --report FILE.md``: what is in the way inside ``FILE_figures/`` is refused
before the mapping (one line, nothing on stdout, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import grcim.cli.map as map_cli
from grcim.cli.main import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` and what it is (a link's target, not followed)."""
    return {p.relative_to(folder).as_posix(): (f"-> {p.readlink()}" if p.is_symlink() else
                                              "dir" if p.is_dir() else p.read_text())
            for p in sorted(folder.rglob("*"))}


def _no_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the mapping started before the figures folder was checked")

    monkeypatch.setattr(map_cli, "map_workload", refuse)


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
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # the step was mapped, its tables printed, the report rendered, then exit 1
    _no_mapping(monkeypatch)
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
    before = tree(figures)
    code, stdout, err = run(["map", "--arch", tiny_files["chip"], "--models",
                             tiny_files["models"], "--phase", "decode", "--context", "8",
                             "--report", "r.md"], capsys)
    assert code == 1
    assert stdout == "" and len(err.splitlines()) == 1, err
    assert f"--report = 'r_figures/{member}': {allowed}" in err, err
    assert tree(figures) == before and not Path("r.md").exists()
    assert not list(elsewhere.iterdir())


def test_the_figures_written_are_the_figures_checked(
        tmp_path: Path, tiny_files: dict[str, str], capsys: pytest.CaptureFixture[str]
        ) -> None:
    report = tmp_path / "r.md"
    code, _, err = run(["map", "--arch", tiny_files["chip"], "--models", tiny_files["models"],
                        "--phase", "decode", "--context", "8", "--report", str(report)],
                       capsys)
    assert code == 0, err
    manifest = json.loads((tmp_path / "r_figures" / ".grcim-manifest.json").read_text(
        encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(map_cli.figure_files("grcim"))
