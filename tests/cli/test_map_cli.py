"""``grcim map`` and ``grcim compare``: outputs, required JSON keys, one-line errors."""

from __future__ import annotations

import importlib.util
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


def test_map_defaults_decode_json(capsys, tmp_path):
    out_json = tmp_path / "decode.json"
    code, out, err = run(capsys, "map", "--phase", "decode", "--json", str(out_json))
    assert code == 0 and err == ""
    assert "edge_grmac" in out and "llama3-8b" in out and "energy by component" in out
    data = json.loads(out_json.read_text())
    for key in ("energy_j", "latency_s", "energy_per_token_j", "tokens_per_s",
                "energy_by_component_j", "latency_by_layer_type_s", "area_by_component_m2"):
        assert key in data, key
    # every breakdown carries its unit in its name (issue 10)
    assert not [k for k, v in data.items() if isinstance(v, dict) and k not in (
        "units", "actions", "bound_by_layer_type") and not k.endswith(("_j", "_s", "_m2"))]
    assert sum(data["energy_by_component_j"].values()) == pytest.approx(data["energy_j"],
                                                                        rel=1e-9)
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
    # the accelforge engine ran and silently ignored these two (bug)
    (("--phase", "decode", "--engine", "accelforge", "--objective", "latency"),
     "--objective = 'latency': energy with --engine accelforge"),
    (("--phase", "decode", "--engine", "accelforge", "--no-replicate"),
     "--no-replicate = True: left out with --engine accelforge"),
    # the accelforge engine has no per-op records: "ops": [] was written, exit 0 (bug)
    (("--phase", "decode", "--engine", "accelforge", "--json", "af.json", "--ops"),
     "--ops = True: used only with --engine grcim"),
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
    assert names == [".grcim-manifest.json", "comparison.csv", "comparison.html",
                     "comparison.json", "comparison.md", "figures/comparison.png"]
    data = json.loads((out / "comparison.json").read_text())
    assert data["baseline"] == "tiny" and [r["arch"] for r in data["rows"]] == ["tiny",
                                                                                "other"]
    assert data["rows"][0]["energy_j_ratio"] == 1.0
    assert data["rows"][1]["energy_j_ratio"] > 1.0  # twice the DRAM energy per bit


@pytest.mark.parametrize("argv,expected", [
    (("--phase", "both", "--arch", "edge_grmac", "--arch", "edge_grmac"),
     "both named 'edge_grmac'"),
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
    # three macros differ only there (9 x 3 conventional, 8 x 1 GR-MAC, 8 x 8 INT8;
    # docs/arch.md), so the ratios are 8/27 and 64/27 in both phases.
    for phase in ("prefill", "decode"):
        assert rows[phase, "edge_grmac"]["adc_conversions_ratio"] == pytest.approx(8 / 27)
        assert rows[phase, "edge_int8"]["adc_conversions_ratio"] == pytest.approx(64 / 27)
        # same DRAM, same weights: decode moves the same bytes on every chip
        assert rows[phase, "edge_grmac"]["dram_bytes_ratio"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------
# Issue 12: no wrong number with exit 0 (R3, R6, R10, R17).

def test_in_range_huge_step_is_one_line(capsys, tmp_path):
    # R10: batch 2**20 x 2**24 tokens (both in range) gave an OverflowError traceback
    big = dict(d_model=4096, n_heads=32, n_kv_heads=8, head_dim=128, d_ff=14336, n_layers=32,
               vocab=128256, ffn="swiglu", norm="rmsnorm", tied_embeddings=False,
               positional="rope", biases=False, max_context=2**24)
    models = tmp_path / "BIG.yaml"
    models.write_text(yaml.safe_dump({"models": {"big": big}}), encoding="utf-8")
    code, _, err = run(capsys, "map", "--arch", "large_grmac", "--models", str(models),
                       "--workload", "big", "--phase", "prefill", "--batch", "1048576",
                       "--tokens", "16777216")
    assert code == 1 and "exceeds 2**53" in one_line_error(err)


@pytest.mark.parametrize("command", ["map", "compare"])
def test_empty_workload_name_is_refused(capsys, command):
    # R17: `map --workload ''` silently mapped llama3-8b
    code, _, err = run(capsys, command, "--phase", "decode", "--workload", "")
    assert code == 1 and "workload = ''" in one_line_error(err)


def test_chip_without_dram_is_refused_by_map(capsys, tmp_path):
    # R3: mapped with exit 0, DRAM traffic priced at the global buffer's energy
    from grcim.arch import load_arch

    text = Path(load_arch("edge_grmac").source).read_text(encoding="utf-8")
    start = text.index("  - !Memory\n    name: DRAM")
    end = text.index("  # Global on-chip SRAM")
    chip = tmp_path / "nodram.yaml"
    chip.write_text(text[:start] + text[end:], encoding="utf-8")
    out = tmp_path / "x.json"
    code, _, err = run(capsys, "map", "--arch", str(chip), "--phase", "decode", "--json",
                       str(out))
    assert code == 1 and "'GlobalBuffer' is the DRAM" in one_line_error(err)
    assert not out.exists()


@pytest.fixture
def tiny_arch():
    """The mapper tests' tiny chip (explicit costs, no models)."""
    from grcim.arch import load_arch_text

    spec = importlib.util.spec_from_file_location("mapper_conftest", TINY_CHIP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return load_arch_text(mod.chip_yaml(), "<tiny chip>", "tiny")


def test_a_non_finite_result_names_node_action_and_value(tiny_arch):
    # R6: an overflowing energy printed a RuntimeWarning, energy "-", JSON null and exit 0.
    # The arch loader now bounds node numbers, so the overflow is injected into a real
    # result, as a model returning inf would produce it.
    import dataclasses

    from grcim.errors import MappingError
    from grcim.mapper import map_graph
    from grcim.mapper.run import check_result_numbers
    from grcim.workloads import ModelConfig

    spec = importlib.util.spec_from_file_location("mapper_conftest", TINY_CHIP)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    graph = build_graph(ModelConfig(**mod.TINY_LLAMA), "decode", context=8)
    result = map_graph(tiny_arch, graph)
    check_result_numbers(result)  # the real result is clean
    key = "DRAM.read"
    broken = dataclasses.replace(result, energy_by_action_j={**result.energy_by_action_j,
                                                           key: float("inf")})
    with pytest.raises(MappingError) as info:
        check_result_numbers(broken)
    text = str(info.value)
    assert "node 'DRAM' action 'read': energy_by_action_j = inf" in text and "\n" not in text
    negative = dataclasses.replace(result, latency_s=-1.0)
    with pytest.raises(MappingError, match="latency_s = -1.0"):
        check_result_numbers(negative)


def test_json_outputs_hold_numbers_where_numbers_belong(capsys, tiny_files, tmp_path):
    """Item 4: every JSON/CSV output of map and compare: no NaN, no infinity, and null only
    for a latency that does not apply to the phase or an op outside the layers."""
    out = tmp_path / "m.json"
    base = ("--arch", tiny_files["chip"], "--models", tiny_files["models"])
    assert run(capsys, "map", *base, "--phase", "decode", "--json", str(out), "--ops")[0] == 0
    assert run(capsys, "compare", "--arch", tiny_files["chip"], "--arch", tiny_files["other"],
               "--models", tiny_files["models"], "--out", str(tmp_path / "c"))[0] == 0
    allowed_null = {"time_to_first_token_s", "per_token_latency_s", "layer"}
    for path in (out, tmp_path / "c" / "comparison.json"):
        bad = [p for p in _leaves(json.loads(path.read_text(), parse_constant=_refuse))
               if p[1] is None and p[0].rsplit(".", 1)[-1].split("[")[0] not in allowed_null
               or isinstance(p[1], float) and not p[1] == p[1] < float("inf")]
        assert bad == [], (path.name, bad[:3])
    rows = (tmp_path / "c" / "comparison.csv").read_text().splitlines()
    cells = [c.strip().lower() for r in rows for c in r.split(",")]
    assert not {"nan", "inf", "-inf"} & set(cells)


def _refuse(name):
    raise AssertionError(f"{name} in a JSON output")


def _leaves(x, path=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, x


def test_compare_names_the_two_inputs_whose_names_clash(capsys, tmp_path):
    # a copy of a bundled arch is named after its file stem: the same name as the original
    import grcim.arch

    copy = tmp_path / "edge_grmac.yaml"
    copy.write_text((Path(grcim.arch.__file__).parent / "chips" / "edge_grmac.yaml")
                    .read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = run(capsys, "compare", "--arch", "edge_grmac", "--arch", str(copy),
                       "--phase", "decode")
    line = one_line_error(err)
    assert code == 1
    assert f"arch 1 (edge_grmac) and arch 2 ({copy}) are both named 'edge_grmac'" in line
    assert "file stems" in line


def test_report_figures_folder_clash_names_json_and_its_value(capsys, tmp_path):
    # --report x.md writes x_figures/; the error named --report with the value 'x_figures'
    report, clash = tmp_path / "x.md", tmp_path / "x_figures"
    code, _, err = run(capsys, "map", "--phase", "decode", "--report", str(report),
                       "--json", str(clash))
    line = one_line_error(err)
    assert code == 1
    assert f"--json = '{clash}': a different path from the folder --report writes" in line
    assert list(tmp_path.iterdir()) == []
