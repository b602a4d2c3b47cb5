"""``--objective`` of ``grcim map`` / ``grcim compare`` and the per-op mapping in outputs."""

from __future__ import annotations

import json

import pytest

from grcim.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def files(tmp_path, tiny_arch_file, tiny_models_file):
    # 2 macros: the tiny Llama's weights stream, so the search has orders to choose from
    return {"chip": str(tiny_arch_file("tiny", n_macros=2)), "models": str(tiny_models_file)}


@pytest.mark.parametrize("command", [("map", "--phase", "decode"), ("compare",)])
def test_bad_objective_is_one_line(capsys, tmp_path, command):
    out = tmp_path / "x.json"
    extra = ("--json", str(out)) if command[0] == "map" else ("--out", str(tmp_path / "d"))
    code, _, err = run(capsys, *command, "--objective", "speed", *extra)
    assert code == 1
    line = one_line_error(err)
    assert "--objective" in line and "'speed'" in line and "energy, latency or edp" in line
    assert not out.exists() and not (tmp_path / "d").exists()


def test_json_and_report_name_every_ops_mapping(capsys, files, tmp_path):
    out_json, md = tmp_path / "r.json", tmp_path / "r.md"
    code, text, err = run(capsys, "map", "--arch", files["chip"], "--models", files["models"],
                          "--phase", "prefill", "--tokens", "8", "--objective", "latency",
                          "--json", str(out_json), "--ops", "--report", str(md))
    assert code == 0 and err == ""
    ops = json.loads(out_json.read_text())["ops"]
    cim = [o for o in ops if o["unit"] == "cim"]
    assert cim and all(o["loop_order"] in ("weights-outer", "K-outer", "input-outer")
                       for o in cim)
    assert all("tiles per wave" in o["mapping"] and "input from" in o["mapping"] for o in cim)
    attention = [o for o in ops if o["role"] in ("attn_qk", "attn_pv")]
    assert attention and all(o["mapping"] for o in attention)
    assert all(not o["mapping"] for o in ops if o["unit"] != "cim" and o not in attention)
    report = md.read_text()
    assert "## Mapping of every op" in report
    for o in cim:
        assert o["mapping"] in report
    assert "mapping of every op" in text
    notes = json.loads(out_json.read_text())["notes"]
    assert any(n.startswith("mapping search (latency)") for n in notes)


def test_compare_passes_the_objective(capsys, files, tmp_path):
    out = tmp_path / "cmp"
    code, _, _ = run(capsys, "compare", "--arch", files["chip"], "--models", files["models"],
                     "--phase", "decode", "--objective", "edp", "--out", str(out))
    assert code == 0
    data = json.loads((out / "comparison.json").read_text())
    assert any("mapping search (edp)" in n for n in data["results"][0]["notes"])
