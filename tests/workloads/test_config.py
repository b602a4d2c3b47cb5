"""Loading and validating models YAML files (bundled and user-written)."""

from __future__ import annotations

import textwrap

import pytest

from grcim.errors import SpecError
from grcim.resources import bundled
from grcim.workloads import (
    ModelConfig,
    default_model_name,
    is_workload_file,
    load_model_configs,
    validate_workload_file,
)
from grcim.yamlio import load_yaml_text

# numbers.md table (from each config.json): d_model, heads, kv heads, head dim, d_ff,
# layers, vocab
SHAPES = {
    "gpt2": (768, 12, 12, 64, 3072, 12, 50257),
    "gpt2-medium": (1024, 16, 16, 64, 4096, 24, 50257),
    "gpt2-xl": (1600, 25, 25, 64, 6400, 48, 50257),
    "opt-6.7b": (4096, 32, 32, 128, 16384, 32, 50272),
    "llama2-7b": (4096, 32, 32, 128, 11008, 32, 32000),
    "llama2-13b": (5120, 40, 40, 128, 13824, 40, 32000),
    "llama2-70b": (8192, 64, 8, 128, 28672, 80, 32000),
    "llama3-8b": (4096, 32, 8, 128, 14336, 32, 128256),
    "llama3-70b": (8192, 64, 8, 128, 28672, 80, 128256),
}

VALID = """\
models:
  mini:
    d_model: 64
    n_heads: 4
    n_kv_heads: 2
    head_dim: 16
    d_ff: 128
    n_layers: 2
    vocab: 100
    ffn: swiglu
    norm: rmsnorm
    tied_embeddings: false
    positional: rope
    biases: false
    max_context: 256
"""


def write(tmp_path, text, name="models.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_bundled_models_have_published_shapes():
    configs = load_model_configs()
    assert set(configs) == set(SHAPES)
    for name, shape in SHAPES.items():
        c = configs[name]
        got = (c.d_model, c.n_heads, c.n_kv_heads, c.head_dim, c.d_ff, c.n_layers, c.vocab)
        assert got == shape, name
        assert c.source.startswith("https://huggingface.co/")
    assert default_model_name() == "llama3-8b"
    assert configs["gpt2"].ffn == "gelu" and configs["opt-6.7b"].ffn == "relu"
    assert configs["llama3-8b"].ffn == "swiglu" and configs["llama3-8b"].norm == "rmsnorm"
    assert configs["gpt2"].tied_embeddings and not configs["llama2-7b"].tied_embeddings


def test_bundled_file_documents_its_grammar():
    text = bundled("grcim.workloads", "models.yaml").read_text(encoding="utf-8")
    header = text.split("\nmodels:", 1)[0]
    for field in ModelConfig.model_fields:
        if field != "name":
            assert field in header, field
    assert "Sources" in header


def test_user_file_of_same_shape_loads(tmp_path):
    configs = load_model_configs(write(tmp_path, VALID))
    assert list(configs) == ["mini"]
    assert configs["mini"].kv_dim == 32
    assert default_model_name(write(tmp_path, VALID)) == "mini"


def test_is_workload_file_and_validate(tmp_path):
    assert is_workload_file(load_yaml_text(VALID))
    assert not is_workload_file({"arch": {}})
    assert not is_workload_file([1, 2])
    assert "mini" in validate_workload_file(write(tmp_path, VALID))


@pytest.mark.parametrize("old,new,key,line,fragment", [
    ("    d_model: 64\n", "    d_model: -64\n", "models.mini.d_model", 3, "1..1048576"),
    ("    d_model: 64\n", "    d_model: 2097152\n", "models.mini.d_model", 3, "1..1048576"),
    ("    d_model: 64\n", "    d_model: '64'\n", "models.mini.d_model", 3, "integer"),
    ("    d_model: 64\n", "    d_model: 64.0\n", "models.mini.d_model", 3, "integer"),
    ("    d_model: 64\n", "    d_model: true\n", "models.mini.d_model", 3, "integer"),
    ("    n_kv_heads: 2\n", "    n_kv_heads: 3\n", "models.mini.n_kv_heads", 5, "divisor"),
    ("    n_kv_heads: 2\n", "    n_kv_heads: 8\n", "models.mini.n_kv_heads", 5, "divisor"),
    ("    head_dim: 16\n", "    head_dim: 15\n", "models.mini.head_dim", 6, "decoupled"),
    ("    ffn: swiglu\n", "    ffn: geglu\n", "models.mini.ffn", 10, "gelu, relu, swiglu"),
    ("    biases: false\n", "    biases: 'no'\n", "models.mini.biases", 14, "true or false"),
    ("    vocab: 100\n", "    vocab: 100\n    dmodel: 3\n", "models.mini.dmodel", 10, "unknown"),
    ("    vocab: 100\n", "", "models.mini.vocab", 2, "required"),
    ("    vocab: 100\n", "    vocab: __import__('os')\n", "models.mini.vocab", 9, "integer"),
    ("  mini:\n", "  Mini Model:\n", "models.Mini Model", 2, "model name"),
    ("    max_context: 256\n", "    max_context: 256\n    position_embeddings: 300\n",
     "models.mini.position_embeddings", 16, "learned"),
])
def test_bad_values_name_file_line_key_and_allowed(tmp_path, old, new, key, line, fragment):
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(SpecError) as info:
        load_model_configs(path)
    err = info.value
    assert err.file == str(path)
    assert err.key == key
    assert err.line == line
    assert fragment in err.allowed
    assert "\n" not in str(err) and str(path) in str(err)


def test_decoupled_head_dim_allows_mismatch(tmp_path):
    text = VALID.replace("    head_dim: 16\n", "    decoupled_head_dim: true\n    head_dim: 32\n")
    assert load_model_configs(write(tmp_path, text))["mini"].q_dim == 128


@pytest.mark.parametrize("text,key", [
    ("[1, 2]\n", "<document>"),
    ("modelz: {}\n", "modelz"),
    ("models: {}\n", "models"),
    ("models: 3\n", "models"),
    ("default: nope\n" + VALID, "default"),
    ("models:\n  list:\n    d_model: 1\n", "models.list"),
    ("models:\n  mini:\n    name: other\n", "models.mini.name"),
    ("models:\n  mini: 3\n", "models.mini"),
    ("models: {a: 1\n", "<yaml>"),
])
def test_bad_documents(tmp_path, text, key):
    with pytest.raises(SpecError) as info:
        load_model_configs(write(tmp_path, text))
    assert info.value.key == key


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_model_configs(tmp_path / "nope.yaml")
