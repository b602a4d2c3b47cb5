"""``grcim compare``: what is in the way inside ``--out`` is refused before the mapping
(one line, nothing on stdout), and errors name the options the user typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import grcim.cli.compare as compare_cli


@pytest.mark.parametrize(("member", "make", "allowed"), [
    ("comparison.md", "directory", "a file path, not a directory"),
    ("comparison.json", "symlink", "a file path, not a symbolic link"),
    ("figures", "file", "a directory (this is a file)"),
    ("figures/comparison.png", "directory", "a file path, not a directory"),
])
def test_bad_member_of_out_refused_before_the_mapping(
        member: str, make: str, allowed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli,
        forbid) -> None:
    # the whole workload was mapped and the comparison table printed, then exit 1
    forbid(compare_cli, "compare_archs", "the mapping started before the output folder was checked")
    monkeypatch.chdir(tmp_path)  # a short path: messages shorten long values
    out = Path("out")
    target = out / member
    target.parent.mkdir(parents=True)
    if make == "directory":
        target.mkdir()
    elif make == "symlink":
        target.symlink_to(tmp_path / "nowhere")
    else:
        target.write_text("mine\n", encoding="utf-8")
    code, stdout, err = cli(["compare", "--workload", "gpt2", "--phase", "decode",
                             "--out", "out"])
    assert code == 1
    assert stdout == "" and len(err.splitlines()) == 1, err
    assert f"--out = 'out/{member}': {allowed}" in err


def test_the_files_written_are_the_files_checked(tmp_path: Path, cli) -> None:
    out = tmp_path / "out"
    code, stdout, err = cli(["compare", "--workload", "gpt2", "--phase", "decode",
                             "--out", str(out)])
    assert code == 0, err
    assert "ratio" in stdout  # the table, printed once the files are written
    manifest = json.loads((out / ".grcim-manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(compare_cli.OUTPUT_FILES)


@pytest.mark.parametrize(("args", "shown"), [
    (["--phase", "decode", "--tokens", "5"], "--tokens = 5"),
    (["--phase", "prefill", "--context", "10"], "--context = 10"),
    (["--arch", "nope"], "--arch = 'nope'"),
    (["--workload", "nope"], "--workload = 'nope'"),
])
def test_errors_name_the_option(args: list[str], shown: str, cli) -> None:
    argv = ["compare", *(["--workload", "gpt2"] if "--workload" not in args else []), *args]
    code, stdout, err = cli(argv)
    assert code == 1 and stdout == "" and len(err.splitlines()) == 1, err
    assert f"<command line>: {shown}" in err
