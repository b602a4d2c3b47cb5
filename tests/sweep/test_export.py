"""``grcim sweep export``: the Parquet file follows the output policy as the CSV does (links
followed, FIFOs written through or refused, both files committed together, the umask's
mode); ``sweep run --help`` names every default of the cache directory."""

from __future__ import annotations

import contextlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from grcim.cli.main import main
from grcim.sweep import Store

pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A map store with two rows written by hand (no sweep run needed)."""
    path = tmp_path / "s.sqlite"
    s = Store.create(path, "map")
    common = {"design_key": "d", "spec_hash": "h", "grcim_version": "0", "arch": "x",
              "inputs_json": "{}"}
    try:
        s.write([{**common, "key": "a", "status": "done", "energy_j": 1.5, "batch": 1},
                 {**common, "key": "b", "status": "infeasible", "reason": "too big"}])
    finally:
        s.close()
    return path


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")
            or p.name.startswith(".grcim-probe-")]


def test_parquet_through_a_symlink_replaces_the_file_not_the_link(
        store: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.parquet"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.parquet"
    link.symlink_to(real.name)
    assert main(["sweep", "export", str(store), "--parquet", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    assert pq.read_table(real).num_rows == 2 and not _temporaries(tmp_path)


def test_parquet_fifo_without_reader_is_refused_not_replaced(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "f.parquet"
    os.mkfifo(fifo)
    assert main(["sweep", "export", str(store), "--parquet", str(fifo)]) == 1
    line = _one_line(capsys)
    assert "--parquet" in line and "a FIFO with no reader" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and not _temporaries(tmp_path)


def test_parquet_fifo_with_a_reader_gets_the_file(store: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "f.parquet"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as fh:
            received.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while True:  # until the reader has the FIFO open
            code = main(["sweep", "export", str(store), "--parquet", str(fifo)])
            err = capsys.readouterr().err
            if code == 0 or time.monotonic() > deadline:
                break
            assert "a FIFO with no reader" in err
            time.sleep(0.05)
    finally:
        if reader.is_alive():
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(30)
    assert code == 0 and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert received and received[0][:4] == b"PAR1"


def test_a_failed_csv_writes_no_parquet(store: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # the CSV is a FIFO with no reader: the command fails, and the Parquet file (a new
    # path, and an existing file) must be left as it was
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    new = tmp_path / "new.parquet"
    assert main(["sweep", "export", str(store), "--csv", str(fifo), "--parquet",
                 str(new)]) == 1
    assert "--csv" in _one_line(capsys)
    assert not new.exists()
    old = tmp_path / "old.parquet"
    old.write_text("keep", encoding="utf-8")
    assert main(["sweep", "export", str(store), "--csv", str(fifo), "--parquet",
                 str(old)]) == 1
    assert "--csv" in _one_line(capsys)
    assert old.read_text(encoding="utf-8") == "keep" and not _temporaries(tmp_path)


def test_files_take_the_umask_mode(store: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert main(["sweep", "export", str(store), "--csv", str(tmp_path / "a.csv"),
                     "--parquet", str(tmp_path / "a.parquet")]) == 0
    finally:
        os.umask(old)
    for name in ("a.csv", "a.parquet"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o644, name
    t = pq.read_table(tmp_path / "a.parquet")
    assert t.num_rows == 2 and t.column("energy_j").to_pylist() == [1.5, None]


def test_an_export_is_never_the_store(store: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "x.parquet"
    link.symlink_to(store.name)
    before = store.read_bytes()
    assert main(["sweep", "export", str(store), "--parquet", str(link)]) == 1
    assert "--parquet" in _one_line(capsys) and store.read_bytes() == before


def test_run_help_names_the_xdg_cache_fallback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "$XDG_CACHE_HOME/grcim/operating-points" in help_text
    assert "$GRCIM_OP_CACHE_DIR" in help_text and "~/.cache/grcim/operating-points" in help_text
