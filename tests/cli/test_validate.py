"""``grcim validate``: one OK line per valid file, one line per problem, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import grcim.arch
import grcim.workloads
from grcim.cli.main import main

ARCH_DIR = Path(grcim.arch.__file__).parent
ARCH_FILES = sorted(str(p) for d in ("macros", "chips") for p in (ARCH_DIR / d).glob("*.yaml"))
MODELS = str(Path(grcim.workloads.__file__).parent / "models.yaml")
MACRO_TEXT = (ARCH_DIR / "macros" / "grmac_unit.yaml").read_text(encoding="utf-8")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_all_bundled_files_are_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", *ARCH_FILES, MODELS], capsys)
    assert code == 0 and err == []
    assert len(out) == len(ARCH_FILES) + 1
    for path, line in zip([*ARCH_FILES, MODELS], out, strict=True):
        assert line.startswith(f"OK {path}: ")
    assert "workload models" in out[-1]


def test_one_line_per_problem_and_exit_1(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad_arch = tmp_path / "bad_arch.yaml"
    bad_arch.write_text(MACRO_TEXT.replace("    rows: 256 ", "    rows: -4 "), encoding="utf-8")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("something: 1\nelse: 2\n", encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("arch: [1,\n", encoding="utf-8")
    bad_models = tmp_path / "models.yaml"
    bad_models.write_text(Path(MODELS).read_text(encoding="utf-8").replace(
        "    d_model: 768\n", "    d_model: -768\n", 1), encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    files = [ARCH_FILES[0], str(bad_arch), str(unknown), str(broken), str(bad_models),
             str(missing), str(tmp_path)]
    code, out, err = run(["validate", *files], capsys)
    assert code == 1
    assert out == [out[0]] and out[0].startswith(f"OK {ARCH_FILES[0]}")
    assert len(err) == 6
    assert all(line.startswith("grcim validate: error: ") for line in err)
    assert f"{bad_arch}:" in err[0] and "arch.variables.rows = -4" in err[0]
    assert str(unknown) in err[1] and "'arch'" in err[1] and "'models'" in err[1]
    assert str(broken) in err[2] and "not valid YAML" in err[2]
    assert str(bad_models) in err[3] and "d_model" in err[3]
    assert "does not exist" in err[4] and "directory" in err[5]


def test_no_traceback_from_the_command_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MACRO_TEXT.replace("    cols: 256 ", "    cols: __import__('os') "),
                   encoding="utf-8")
    # cwd away from the checkout: its grcim/ folder would shadow the installed package
    proc = subprocess.run([sys.executable, "-m", "grcim", "validate", str(bad)],
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "arch.variables.cols" in proc.stderr


def test_needs_at_least_one_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
