"""``grcim workload`` prints sizes and counts readably: decimal prefixes k..E, none below
one (a quarter byte is "0.25 B", never "250 mB"), scientific notation past E, and the
parameter count of a toy model in ``workload list`` (it printed "0.000" billions)."""

from __future__ import annotations

import pytest
import yaml

from grcim.cli.main import main
from grcim.report.workload_summary import amount

# every size 1: one layer, one head of dimension 1, d_ff 1, vocab 1, learned positions
RELU1 = {"d_model": 1, "n_heads": 1, "n_kv_heads": 1, "head_dim": 1, "d_ff": 1,
         "n_layers": 1, "vocab": 1, "ffn": "relu", "norm": "rmsnorm",
         "tied_embeddings": False, "positional": "learned", "biases": False,
         "max_context": 5}


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.25, "B", "0.25 B"),             # was "250 mB"
    (0.0, "B", "0 B"),
    (16, "", "16"),
    (999.9, "B", "999.9 B"),
    (999_960, "B", "1 MB"),            # rounds up to the next prefix, not "1000 kB"
    (6.19e14, "MACs", "619 TMACs"),
    (1.5e15, "B", "1.5 PB"),
    (2.5e18, "ops", "2.5 Eops"),
    (6.19e26, "MACs", "6.19e+26 MACs"),  # was "6.19e+14 TMACs"
])
def test_amounts(value: float, unit: str, text: str) -> None:
    assert amount(value, unit) == text


def _models(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"default": "relu1", "models": {"relu1": RELU1}}),
                    encoding="utf-8")
    return str(path)


def test_a_quarter_byte_is_not_millibytes(capsys, tmp_path) -> None:
    # decode at context 5 with 1-bit KV: one layer writes K and V of one head of
    # dimension 1 for the new token: 2 x 1 bit = 0.25 B
    code = main(["workload", "relu1", "--phase", "decode", "--models", _models(tmp_path),
                 "--kv-bits", "1"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    line = next(x for x in out.splitlines() if "KV cache written" in x)
    assert "0.25 B" in line
    assert "mB" not in out


def test_list_prints_a_toy_models_parameters(capsys, tmp_path) -> None:
    # token embedding 1, learned positions 5 (max_context) x 1, attention Q K V O 4,
    # FFN 2 matrices 2, norms (2 per layer + final) 3, untied LM head 1: 16 parameters
    code = main(["workload", "list", "--models", _models(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 0
    row = next(x for x in out.splitlines() if "relu1" in x)
    assert row.strip(" │|").split("│")[-1].strip() == "16"
    assert "0.000" not in out
