"""Every command checks its output paths before working: one line, non-zero, no file left."""

from __future__ import annotations

from pathlib import Path

import pytest

from grcim.cli.main import main


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["table", "cim_dac", "--set", "n_bits=4", "--out", "{f}/x.csv"], "is a file"),
        (["paper", "--out", "{f}/sub", "--samples", "1000"], "is a file"),
        (["map", "--phase", "decode", "--json", "{d}/same.md", "--report", "{d}/same.md"],
         "a different path from --json"),
        (["workload", "gpt2", "--phase", "decode", "--json", "{d}/o", "--einsum", "{d}/o"],
         "a different path from --json"),
        (["compare", "--out", "{f}"], "a directory path"),
        (["table", "cim_dac", "--set", "n_bits=4", "--out", "{d}"], "not a directory"),
    ],
)
def test_bad_output_paths_fail_first(tmp_path: Path, capsys, args: list[str],
                                     fragment: str) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    out_dir = tmp_path / "outs"
    out_dir.mkdir()
    argv = [a.format(f=afile, d=out_dir) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == [] and afile.read_text(encoding="utf-8") == "keep"
