"""``grcim table``: formats, display units, sweeps, files, and one-line errors.

References: hwcomponents queries of the same attributes (converted here to pJ / µm² / µW),
and Accelergy 0.4's ERT/ART layout (``ERT: {version, tables: [{name, actions: [{name,
arguments, energy}]}]}``, ``ART: {version, tables: [{name, area}]}``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import hwcomponents
import pytest
import yaml

from grcim.cli.main import main
from grcim.cli.table import parse_sweep, parse_value
from grcim.plugins.models import MODELS

M = list(MODELS)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def test_csv_rows_in_display_units(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["table", "gr_mac", "--set", "normalization=unit", "--sweep",
                          "dynamic_range_bits=0:2:1", "--sweep", "n_cols=8,32",
                          "--format", "csv"], capsys)
    assert code == 0 and err == []
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6
    assert [r["dynamic_range_bits"] for r in rows] == ["0", "0", "1", "1", "2", "2"]
    for row in (rows[0], rows[5]):
        attrs = {"normalization": "unit", "dynamic_range_bits": float(row["dynamic_range_bits"]),
                 "n_cols": int(row["n_cols"])}
        ref = hwcomponents.get_action_cost("gr_mac", attrs, "compute", {}, models=M)
        assert float(row["compute_energy_pj"]) == pytest.approx(ref.energy * 1e12, rel=1e-12)
        area = hwcomponents.get_area("gr_mac", attrs, models=M)
        assert float(row["area_um2"]) == pytest.approx(area * 1e12, rel=1e-12)
        leak = hwcomponents.get_leak_power("gr_mac", attrs, models=M)
        assert float(row["leak_power_uw"]) == pytest.approx(leak * 1e6, rel=1e-12)
        assert float(row["latency_ns"]) == pytest.approx(ref.latency * 1e9, rel=1e-12)


def test_yaml_mirrors_accelergy_ert_art(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["table", "grcim_adc", "--sweep", "n_bits=2,3", "--format", "yaml",
                        "--cycle-seconds", "2e-9"], capsys)
    assert code == 0
    doc = yaml.safe_load(out)
    assert set(doc) == {"ERT", "ART"}
    assert doc["ERT"]["version"] == "0.4" and doc["ART"]["version"] == "0.4"
    first = doc["ERT"]["tables"][0]
    assert first["name"] == "grcim_adc_0" and first["attributes"]["n_bits"] == 2
    actions = {a["name"]: a for a in first["actions"]}
    assert set(actions) == {"convert", "read", "leak"}
    model = hwcomponents.get_model("grcim_adc", {"n_bits": 2}, models=M)
    assert actions["convert"]["energy"] == pytest.approx(model.convert().energy * 1e12, rel=1e-12)
    assert actions["convert"]["arguments"] == {}
    assert actions["leak"]["arguments"] == {"global_cycle_seconds": 2e-9}
    assert actions["leak"]["energy"] == pytest.approx(model.leak_power * 2e-9 * 1e12, rel=1e-12)
    assert doc["ART"]["tables"][1]["area"] == pytest.approx(
        hwcomponents.get_area("grcim_adc", {"n_bits": 3}, models=M) * 1e12, rel=1e-12)


def test_json_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["table", "cim_dac", "--sweep", "n_bits=1,2,3", "--format", "json"],
                       capsys)
    doc = json.loads(out)
    assert code == 0 and doc["component"] == "cim_dac" and len(doc["rows"]) == 3
    assert doc["units"]["energy"] == "pJ" and doc["swept"] == ["n_bits"]
    # a DAC's energy doubles per bit (2**(b-1) unit capacitors)
    e = [r["convert_energy_pj"] for r in doc["rows"]]
    assert e[1] == pytest.approx(2 * e[0]) and e[2] == pytest.approx(4 * e[0])
    code, out, _ = run(["table", "int_cim_mac", "--set", "input_bits=8", "--set",
                        "weight_bits=8"], capsys)
    assert code == 0 and "int_cim_mac (IntCIMMAC), 1 point(s)" in out
    assert "compute_energy_pj" in out and "input_bits=8" in out


def test_out_and_plot_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file, plot = tmp_path / "t" / "ert.yaml", tmp_path / "e.png"
    code, out, err = run(["table", "gain_ranging_stage", "--sweep",
                          "dynamic_range_bits=0:3:1", "--sweep", "placement=array,output",
                          "--format", "yaml", "--out", str(out_file), "--plot", str(plot)],
                         capsys)
    assert code == 0 and out == "" and err == []
    assert yaml.safe_load(out_file.read_text())["ERT"]["tables"][7]["name"].endswith("_7")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["e.png", "ert.yaml", "t"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["table", "warp_core"], "component = 'warp_core': one of gr_mac"),
    (["table", "gr_mac", "--action", "write"], "action = 'write': an action of gr_mac"),
    (["table", "cim_dac"], "n_bits = 'missing': a required attribute of cim_dac"),
    (["table", "cim_dac", "--set", "n_bits=40"], "n_bits = 40: an integer from 1 to 16"),
    (["table", "gr_mac", "--set", "tech_node=180e-9"], "tech_node = 1.8e-07: a feature size"),
    (["table", "gr_mac", "--set", "colour=red"], "attribute = 'colour': an attribute of"),
    (["table", "gr_mac", "--sweep", "n_cols=1:4:0"], "--sweep = 'n_cols=1:4:0'"),
    (["table", "gr_mac", "--sweep", "n_cols"], "--sweep = 'n_cols': KEY=V1,V2"),
    (["table", "gr_mac", "--format", "xml"], "--format = 'xml': one of text, csv"),
    (["table", "gr_mac", "--set", "n_rows=8", "--set", "n_rows=9"], "n_rows given once"),
    (["table", "gr_mac", "--plot", "x.gif"], "--plot = 'x.gif': a .png, .pdf or .svg"),
    # ranges a float cannot count (once an OverflowError traceback) or no grid could hold
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=0:1:5e-324"],
     "a range of 1 to 1000000 values"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=0:1e308:1e-10"],
     "a range of 1 to 1000000 values"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=-1e308:1e308:1e300"],
     "a range of 1 to 1000000 values"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=0:2:1e-6"],
     "a range of 1 to 1000000 values"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=1e16:1.0000000000000002e16:1"],
     "a range of distinct finite values"),
    # --plot without a numeric sweep said '--x = None' though --x was never given
    (["table", "gr_mac", "--plot", "p.png"], "--plot = 'p.png': a table with a numeric "
     "--sweep to plot energy against (swept here: none)"),
    (["table", "gr_mac", "--sweep", "normalization=unit,row", "--plot", "p.png"],
     "(swept here: normalization)"),
    # a Timeloop name on a grid became 'system_top_level.DAC[1..64]_0'
    (["table", "gr_mac", "--sweep", "n_cols=8,16", "--format", "yaml", "--name",
      "system_top_level.DAC[1..64]"], "a name for a one-point table; this grid has 2 points"),
    # an automatic DAC step of an fp32 input (25 bits) was priced at 94 pJ/MAC
    (["table", "gr_mac", "--sweep", "input_format=fp16,fp32"],
     "dac_bits = 'auto': at most 16 bits per DAC step"),
    (["table", "int_cim_mac", "--set", "input_bits=8", "--set", "weight_bits=8", "--sweep",
      "n_weight_slices=8:32:8"], "n_weight_slices = 16: at most 8 cells for weight_bits = 8"),
    (["table", "cim_dac", "--sweep", "n_bits=1,1.5"], "n_bits = 1.5: an integer from 1 to 16"),
    # one value twice made the same row twice; refused as a sweep spec refuses it
    (["table", "cim_dac", "--sweep", "n_bits=4,4"],
     "<command line>: --sweep = 'n_bits=4,4': each value once (4 repeats)"),
    (["table", "cim_dac", "--sweep", "n_bits=4,6,4.0"],
     "--sweep = 'n_bits=4,6,4.0': each value once (4 and 4.0 are the same value)"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=none,null"],
     "each value once (none and null are the same value)"),
    (["table", "gr_mac", "--sweep", "dynamic_range_bits=none,0"],
     "dynamic_range_bits = [None, 0]: each value once (none means the default, 0.0, also "
     "given)"),
])
def test_bad_input_is_one_line_and_no_file(argv: list[str], needle: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    code, out, err = run([*argv, "--out", str(target)], capsys)
    assert code == 1 and out == ""
    assert len(err) == 1 and err[0].startswith("grcim table: error: ")
    assert needle in err[0]
    assert list(tmp_path.iterdir()) == []


def test_none_shows_the_default_used(capsys: pytest.CaptureFixture[str]) -> None:
    # 'none' means unset for every attribute, and the row shows the value used (n_rows was
    # an empty cell; dynamic_range_bits and include_terms were refused as 'X = None')
    code, out, err = run(["table", "gr_mac", "--set", "n_rows=none", "--set",
                          "dynamic_range_bits=none", "--set", "include_terms=none",
                          "--format", "csv"], capsys)
    assert code == 0 and err == []
    row = next(csv.DictReader(io.StringIO(out)))
    assert (row["n_rows"], row["dynamic_range_bits"], row["include_terms"]) == ("64", "0.0",
                                                                                "all")
    code, ref, _ = run(["table", "gr_mac", "--format", "csv"], capsys)
    assert next(csv.DictReader(io.StringIO(ref)))["compute_energy_pj"] == row[
        "compute_energy_pj"]


def test_name_still_names_a_one_point_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["table", "cim_dac", "--set", "n_bits=4", "--format", "yaml",
                          "--name", "system_top_level.DAC[1..64]"], capsys)
    assert code == 0 and err == []
    assert yaml.safe_load(out)["ERT"]["tables"][0]["name"] == "system_top_level.DAC[1..64]"


def test_large_integer_ranges_are_exact() -> None:
    assert parse_sweep("n=100000000000000000000:100000000000000000002:1") == (
        "n", [10**20, 10**20 + 1, 10**20 + 2])


def test_value_and_sweep_parsing() -> None:
    assert parse_value("8") == 8 and parse_value("2.5e-9") == 2.5e-9
    assert parse_value("none") is None and parse_value("fp8_e4m3") == "fp8_e4m3"
    assert parse_sweep("d=0:1:0.25") == ("d", [0.0, 0.25, 0.5, 0.75, 1.0])
    assert parse_sweep("n=1:7:3") == ("n", [1, 4, 7])
    assert parse_sweep("law=thermal,walden") == ("law", ["thermal", "walden"])


@pytest.mark.parametrize("argv", [["gr_mac"], ["gr_mac", "--set", "adc_bits=8"],
                                  ["int_cim_mac", "--set", "input_bits=8", "--set",
                                   "weight_bits=8"], ["grcim_adc", "--set", "n_bits=6"]])
def test_column_names_are_unique(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # the attribute adc_bits and the model's result (info) were both called adc_bits
    code, out, err = run(["table", *argv, "--format", "csv"], capsys)
    assert code == 0 and err == []
    header = next(csv.reader(io.StringIO(out)))
    assert len(header) == len(set(header)), header
    assert "adc_bits_per_conversion" in header
    code, out, err = run(["table", *argv, "--format", "json"], capsys)
    row = json.loads(out)["rows"][0]
    assert "adc_bits_per_conversion" in row and "adc_bits" not in row
    if argv[0] != "grcim_adc":
        assert "adc_bits" in row["attributes"] and "adc_bits" in header
