"""``grcim map`` and ``grcim compare``: outputs, required JSON keys, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from grcim.cli.main import main
from grcim.workloads import build_graph, graph_totals, load_model_configs

TINY_CHIP = Path(__file__).parent.parent / "mapper" / "conftest.py"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def tiny_files(tmp_path):
    """A tiny chip file and a one-model models file (the mapper tests' fixtures)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mapper_conftest", TINY_CHIP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    chip = tmp_path / "tiny.yaml"
    chip.write_text(mod.chip_yaml(), encoding="utf-8")
    small = tmp_path / "small_dram.yaml"
    small.write_text(mod.chip_yaml(dram_size_bytes=1024), encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(mod.chip_yaml(dram_pj=20.0), encoding="utf-8")
    fields = {k: v for k, v in mod.TINY_LLAMA.items() if k != "name"}
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"default": "tiny-llama",
                                      "models": {"tiny-llama": fields}}), encoding="utf-8")
    return {"chip": str(chip), "small": str(small), "other": str(other),
            "models": str(models)}


def test_map_defaults_decode_json(capsys, tmp_path):
    out_json = tmp_path / "decode.json"
    code, out, err = run(capsys, "map", "--phase", "decode", "--json", str(out_json))
    assert code == 0 and err == ""
    assert "edge_grmac" in out and "llama3-8b" in out and "energy by component" in out
    data = json.loads(out_json.read_text())
    for key in ("energy_j", "latency_s", "energy_per_token_j", "tokens_per_s", "breakdown"):
        assert key in data, key
    assert sum(data["breakdown"].values()) == pytest.approx(data["energy_j"], rel=1e-9)
    assert data["energy_per_token_j"] == pytest.approx(data["energy_j"])  # batch 1
    assert data["tokens_per_s"] == pytest.approx(1 / data["latency_s"])
    # Llama-3-8B does not fit in 16 macros: every weight matrix is read from DRAM each
    # token, at least sum(k*n) bytes at 8 bits (the workload's own count)
    g = build_graph(load_model_configs()["llama3-8b"], "decode")
    assert data["dram_read_bytes"] >= graph_totals(g)["weight_macs_per_token"]
    assert data["weights_resident"] is False


def test_map_reports(capsys, tiny_files, tmp_path):
    md = tmp_path / "r" / "tiny.md"
    html = tmp_path / "r" / "tiny.html"
    base = ("map", "--arch", tiny_files["chip"], "--models", tiny_files["models"],
            "--phase", "prefill", "--tokens", "8")
    assert run(capsys, *base, "--report", str(md))[0] == 0
    assert run(capsys, *base, "--report", str(html))[0] == 0
    text = md.read_text()
    assert "## Energy by component" in text and "tiny_figures/energy.png" in text
    for name in ("energy", "latency", "roofline"):
        assert (tmp_path / "r" / "tiny_figures" / f"{name}.png").read_bytes()[:4] == \
            b"\x89PNG"
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count("data:image/png;base64,") == 3


@pytest.mark.parametrize("argv,expected", [
    ((), "--phase = '<missing>': required: prefill or decode"),
    (("--phase", "decode", "--engine", "timeloop"), "--engine = 'timeloop'"),
    (("--phase", "decode", "--batch", "0"), "--batch = 0"),
    (("--phase", "decode", "--arch", "no_such_chip"), "arch = 'no_such_chip'"),
    (("--phase", "decode", "--workload", "gpt5"), "workload = 'gpt5'"),
    (("--phase", "decode", "--tokens", "4"), "tokens = 4"),
])
def test_map_bad_arguments_one_line(capsys, argv, expected):
    code, out, err = run(capsys, "map", *argv)
    assert code == 1 and expected in one_line_error(err)


def test_map_bad_report_suffix_writes_nothing(capsys, tmp_path):
    target = tmp_path / "report.txt"
    code, _, err = run(capsys, "map", "--phase", "decode", "--report", str(target))
    assert code == 1 and ".md or .html" in one_line_error(err)
    assert not target.exists()


def test_map_error_leaves_no_file(capsys, tiny_files, tmp_path):
    out_json = tmp_path / "x.json"
    report = tmp_path / "x.md"
    code, _, err = run(capsys, "map", "--arch", tiny_files["small"], "--models",
                       tiny_files["models"], "--phase", "decode", "--json", str(out_json),
                       "--report", str(report))
    assert code == 1 and "do not fit in DRAM" in one_line_error(err)
    assert not out_json.exists() and not report.exists()
    assert not (tmp_path / "x_figures").exists()


def test_accelforge_engine_missing_is_one_line(capsys):
    try:
        import accelforge  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("accelforge is installed: the missing-extra message cannot appear")
    code, _, err = run(capsys, "map", "--phase", "decode", "--engine", "accelforge")
    assert code == 1 and "pip install 'grcim[accelforge]'" in one_line_error(err)


def test_compare_tiny_chips_writes_every_file(capsys, tiny_files, tmp_path):
    out = tmp_path / "cmp"
    code, text, err = run(capsys, "compare", "--arch", tiny_files["chip"], "--arch",
                          tiny_files["other"], "--models", tiny_files["models"], "--phase",
                          "decode", "--out", str(out))
    assert code == 0 and err == ""
    assert "tiny" in text and "other" in text and "ratio" in text
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == ["comparison.csv", "comparison.html", "comparison.json",
                     "comparison.md", "figures/comparison.png"]
    data = json.loads((out / "comparison.json").read_text())
    assert data["baseline"] == "tiny" and [r["arch"] for r in data["rows"]] == ["tiny",
                                                                                "other"]
    assert data["rows"][0]["energy_j_ratio"] == 1.0
    assert data["rows"][1]["energy_j_ratio"] > 1.0  # twice the DRAM energy per bit


@pytest.mark.parametrize("argv,expected", [
    (("--phase", "both", "--arch", "edge_grmac", "--arch", "edge_grmac"), "once"),
    (("--phase", "sideways"), "--phase = 'sideways'"),
])
def test_compare_bad_arguments_one_line(capsys, argv, expected):
    code, _, err = run(capsys, "compare", *argv)
    assert code == 1 and expected in one_line_error(err)


def test_compare_out_must_be_a_directory(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("keep")
    code, _, err = run(capsys, "compare", "--phase", "decode", "--out", str(target))
    assert code == 1 and "a directory" in one_line_error(err)
    assert target.read_text() == "keep"


def test_bundled_comparison(capsys, tmp_path):
    """The README's main job: conventional FP-CIM vs GR-MAC vs INT8 CIM on Llama-3-8B."""
    code, text, err = run(capsys, "compare", "--out", str(tmp_path / "cmp"))
    assert code == 0 and err == ""
    data = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert data["baseline"] == "edge_conventional"
    assert data["archs"] == ["edge_conventional", "edge_grmac", "edge_int8"]
    rows = {(r["phase"], r["arch"]): r for r in data["rows"]}
    assert len(rows) == 6
    # Conversions per MAC: cell columns per weight x input slices, over rows per ADC. The
    # three macros differ only there (8 x 3 conventional, 8 x 1 GR-MAC, 8 x 8 INT8;
    # docs/arch.md), so the ratios are 8/24 and 64/24 in both phases.
    for phase in ("prefill", "decode"):
        assert rows[phase, "edge_grmac"]["adc_conversions_ratio"] == pytest.approx(1 / 3)
        assert rows[phase, "edge_int8"]["adc_conversions_ratio"] == pytest.approx(8 / 3)
        # same DRAM, same weights: decode moves the same bytes on every chip
        assert rows[phase, "edge_grmac"]["dram_bytes_ratio"] == pytest.approx(1.0)
