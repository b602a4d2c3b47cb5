"""``grcim workload``: tables, JSON keys, one-line errors, exit codes, no partial files."""

from __future__ import annotations

import json

import pytest
import yaml

from grcim.cli.main import main

BUNDLED = ["gpt2", "gpt2-medium", "gpt2-xl", "opt-6.7b", "llama2-7b", "llama2-13b",
           "llama2-70b", "llama3-8b", "llama3-70b"]


def run(capsys, *argv):
    code = main(["workload", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_bundled_models(capsys):
    code, out, err = run(capsys, "list")
    assert code == 0 and err == ""
    for name in BUNDLED:
        assert name in out
    assert "llama3-8b *" in out  # the default is marked
    assert "128256" in out and "70.554" in out  # Llama-3-70B vocab and params (B)


def test_prefill_table_and_json(capsys, tmp_path):
    out_json = tmp_path / "out" / "gpt2.json"
    code, out, err = run(capsys, "gpt2", "--phase", "prefill", "--tokens", "16",
                         "--json", str(out_json))
    assert code == 0 and err == ""
    assert "124.4 Mparams" in out and "MACs" in out and "MB" in out
    data = json.loads(out_json.read_text())
    for key in ("parameters", "weight_macs_per_token", "attention_macs", "ops", "total_macs",
                "kv_cache_bytes", "weight_bytes", "vector_ops"):
        assert key in data
    assert data["parameters"] == 124_439_808
    # 12 layers x (QK + PV) x 12 heads x 64 x 16*17/2 causal scores
    assert data["attention_macs"] == 12 * 2 * 12 * 64 * 16 * 17 // 2
    assert data["ops"] == 3 + 12 * 14 + 2
    assert (data["phase"], data["tokens"], data["context"]) == ("prefill", 16, 16)


def test_decode_defaults_and_einsum(capsys, tmp_path):
    path = tmp_path / "w.yaml"
    code, out, _ = run(capsys, "llama3-8b", "--phase", "decode", "--context", "100",
                       "--batch", "2", "--einsum", str(path))
    assert code == 0
    doc = yaml.safe_load(path.read_text())
    assert doc["workload"]["rank_sizes"]["P"] == 100
    assert doc["workload"]["rank_sizes"]["B"] == 2
    assert path.read_text().startswith("# AccelForge einsum workload exported by grcim")


def test_custom_models_file(capsys, tmp_path):
    models = tmp_path / "m.yaml"
    models.write_text(
        "models:\n  mini:\n    d_model: 8\n    n_heads: 2\n    n_kv_heads: 1\n"
        "    head_dim: 4\n    d_ff: 16\n    n_layers: 1\n    vocab: 10\n    ffn: relu\n"
        "    norm: layernorm\n    tied_embeddings: true\n    positional: learned\n"
        "    biases: false\n    max_context: 32\n")
    out_json = tmp_path / "o.json"
    code, _, _ = run(capsys, "mini", "--phase", "decode", "--models", str(models),
                     "--json", str(out_json))
    assert code == 0
    data = json.loads(out_json.read_text())
    assert data["context"] == 32  # min(2048, max_context)
    # decode: 2 heads x 4 x 32 keys, QK + PV
    assert data["attention_macs"] == 2 * 2 * 4 * 32
    code, out, _ = run(capsys, "list", "--models", str(models))
    assert code == 0 and "mini" in out and "llama3-8b" not in out


@pytest.mark.parametrize("argv,fragments", [
    (["nosuch", "--phase", "decode"], ["NAME", "'nosuch'", "gpt2", "llama3-70b"]),
    (["gpt2"], ["--phase", "prefill or decode"]),
    (["gpt2", "--phase", "train"], ["--phase", "'train'"]),
    (["gpt2", "--phase", "decode", "--batch", "0"], ["--batch", "1..1048576"]),
    (["gpt2", "--phase", "decode", "--batch", "-4"], ["--batch", "1..1048576"]),
    (["gpt2", "--phase", "decode", "--batch", "1e9"], ["--batch", "1..1048576"]),
    (["gpt2", "--phase", "prefill", "--tokens", "5000"], ["--tokens", "1..1024", "gpt2"]),
    (["gpt2", "--phase", "prefill", "--tokens", "x"], ["--tokens", "1..1024"]),
    (["gpt2", "--phase", "decode", "--tokens", "4"], ["--tokens", "1..1"]),
    (["gpt2", "--phase", "prefill", "--tokens", "8", "--context", "4"], ["--context", "8..1024"]),
    (["gpt2", "--phase", "decode", "--context", "99999999999"], ["--context", "1..1024"]),
    (["gpt2", "--phase", "decode", "--weight-bits", "0"], ["--weight-bits", "1..64"]),
    (["gpt2", "--phase", "decode", "--kv-bits", "65"], ["--kv-bits", "1..64"]),
    (["gpt2", "--phase", "decode", "--einsum", "e.yaml", "--einsum-layer", "12"],
     ["--einsum-layer", "0..11"]),
    # without --einsum it selected nothing and was silently ignored
    (["gpt2", "--phase", "decode", "--einsum-layer", "3"], ["--einsum-layer", "--einsum"]),
])
def test_bad_input_is_one_line_error(capsys, tmp_path, monkeypatch, argv, fragments):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv, "--json", "o.json")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("grcim workload: error: ")
    for fragment in fragments:
        assert fragment in err
    assert list(tmp_path.iterdir()) == []  # no partial output


def test_bad_models_file_names_file_and_line(capsys, tmp_path):
    models = tmp_path / "bad.yaml"
    models.write_text("models:\n  m:\n    d_model: -1\n")
    code, _, err = run(capsys, "m", "--phase", "decode", "--models", str(models))
    assert code == 1
    assert f"{models}:3: models.m.d_model = -1" in err and err.count("\n") == 1


def test_output_path_is_a_directory(capsys, tmp_path):
    code, out, err = run(capsys, "gpt2", "--phase", "decode", "--json", str(tmp_path))
    assert code == 1 and "--json" in err and "directory" in err and out == ""
