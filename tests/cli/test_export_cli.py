"""``grcim export timeloop``: what is in the way inside ``--out`` is refused before the
mapping searches (one line, nothing on stdout, the folder as it was)."""

from __future__ import annotations

from pathlib import Path

import pytest

import grcim.export
from grcim.cli.main import main


def _make(target: Path, make: str, elsewhere: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if make == "directory":
        target.mkdir()
        (target / "keep.txt").write_text("keep\n", encoding="utf-8")
    elif make == "symlink":
        target.symlink_to(elsewhere)
    else:
        target.write_text("mine\n", encoding="utf-8")


# one einsum: its files (export.timeloop_spec.FILES) go into --out itself; a layer: into
# --out/<op>/, the layer's op names known once the graph is built
@pytest.mark.parametrize(("selection", "member", "make", "allowed"), [
    (["--op", "q_proj"], "arch.yaml", "directory", "a file path, not a directory"),
    (["--op", "q_proj"], "grcim.yaml", "symlink", "a file path, not a symbolic link"),
    (["--op", "q_proj"], ".grcim-manifest.json", "directory",
     "a file path, not a directory"),
    (["--layer", "1"], "L1.ffn_down/mapping.yaml", "directory",
     "a file path, not a directory"),
    (["--layer", "1"], "L1.k_proj/ERT.yaml", "symlink", "a file path, not a symbolic link"),
    (["--layer", "1"], "L1.v_proj", "symlink", "a directory (this is a symbolic link)"),
])
def test_bad_member_of_out_refused_before_the_export(
        selection: list[str], member: str, make: str, allowed: str, tmp_path: Path,
        tiny_files: dict[str, str], monkeypatch: pytest.MonkeyPatch, cli, forbid,
        folder_tree) -> None:
    # every einsum was mapped and searched first, then the commit refused the member
    forbid(grcim.export, "export_timeloop",
           "the export started before the output folder was checked")
    monkeypatch.chdir(tmp_path)  # a short path: messages shorten long values
    out = Path("out")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _make(out / member, make, elsewhere)
    (out / "notes.txt").write_text("notes\n", encoding="utf-8")
    before = folder_tree(out)
    code, stdout, err = cli(["export", "timeloop", "--arch", tiny_files["chip"], "--models",
                             tiny_files["models"], "--tokens", "4", *selection,
                             "--out", "out"])
    assert code == 1
    assert stdout == "" and len(err.splitlines()) == 1, err
    assert f"--out = 'out/{member}': {allowed}" in err, err
    assert folder_tree(out) == before and not list(elsewhere.iterdir())


def test_regular_files_in_the_way_let_the_export_start(
        tmp_path: Path, tiny_files: dict[str, str], forbid) -> None:
    # an earlier export's files are replaced, not refused: the check lets the work start
    forbid(grcim.export, "export_timeloop",
           "the export started before the output folder was checked")
    out = tmp_path / "out"
    (out / "L1.q_proj").mkdir(parents=True)
    (out / "L1.q_proj" / "arch.yaml").write_text("old\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="the export started"):
        main(["export", "timeloop", "--arch", tiny_files["chip"], "--models",
              tiny_files["models"], "--tokens", "4", "--layer", "1", "--out", str(out)])
