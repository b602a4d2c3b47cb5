"""AccelForge einsum export: structure against the graph, and parsing by AccelForge itself."""

from __future__ import annotations

import re

import pytest
import yaml

from grcim.errors import ModelDomainError
from grcim.workloads import build_graph
from grcim.workloads.einsum_export import einsum_workload, einsum_yaml

# einsums of one layer: Q, K, V, QK, softmax, AV, Z, FFN up/down (+ gate and gate*up)
PER_LAYER = {"swiglu": 11, "gelu": 9}


def strings(doc):
    return [e if isinstance(e, str) else e["einsum"] for e in doc["workload"]["einsums"]]


def outputs(doc):
    return [re.match(r"\s*(\w+)\[", s).group(1) for s in strings(doc)]


def test_one_layer_structure_matches_graph(tiny_gqa):
    g = build_graph(tiny_gqa, "prefill", batch=2, tokens=4)
    doc = yaml.safe_load(einsum_yaml(g, layer=1))
    w = doc["workload"]
    assert w["rank_sizes"] == {"B": 2, "M": 4, "P": 4, "D": 16, "G": 2, "R": 2, "E": 4,
                               "F": 4, "C": 24}
    assert len(w["einsums"]) == 1 + PER_LAYER["swiglu"]  # + the input copy
    assert w["einsums"][0]["is_copy_operation"] is True
    assert outputs(doc) == ["I", "Q", "K", "V", "QK", "QK_softmax", "AV", "Z", "FU", "FG",
                            "FM", "FD"]
    # one einsum per matmul of the layer, plus copy, softmax and the gate multiply
    matmuls = [n for n in g if g.nodes[n]["op"].is_matmul and g.nodes[n]["op"].layer == 1]
    assert len(matmuls) == len(w["einsums"]) - 3
    # causal mask on the three attention einsums only
    causal = [e["einsum"] for e in w["einsums"]
              if isinstance(e, dict) and "iteration_space_shape" in e]
    assert len(causal) == 3 and all(e["iteration_space_shape"] == ["p <= m"]
                                    for e in w["einsums"] if e["einsum"] in causal)
    assert doc["renames"]["einsums"][0]["name"] == "default"


def einsum_macs(doc, name):
    """MACs of one einsum from rank sizes, with the causal constraint applied by hand."""
    w = doc["workload"]
    entry = next(e for e in w["einsums"] if e["einsum"].startswith(f"{name}["))
    variables = set(re.findall(r"\b([a-z])\b", entry["einsum"].replace("M: p", "p")))
    size = {v: w["rank_sizes"][v.upper()] for v in variables}
    dense = 1
    for v in variables:
        dense *= size[v]
    shape = entry.get("iteration_space_shape")
    if not shape:
        return dense
    past = int(shape[0].split("+")[1]) if "+" in shape[0] else 0
    visible = sum(min(size["p"], past + m + 1) for m in range(size["m"]))
    return dense // (size["m"] * size["p"]) * visible


@pytest.mark.parametrize("phase,kw", [("prefill", {"tokens": 4}),
                                      ("prefill", {"tokens": 4, "context": 9}),
                                      ("decode", {"context": 9})])
def test_einsum_macs_equal_graph_macs(tiny_gqa, phase, kw):
    g = build_graph(tiny_gqa, phase, batch=2, **kw)
    doc = einsum_workload(g, layer=0)
    pairs = {"Q": "L0.q_proj", "QK": "L0.attn_qk", "AV": "L0.attn_pv", "Z": "L0.o_proj",
             "FU": "L0.ffn_up", "FG": "L0.ffn_gate", "FD": "L0.ffn_down"}
    pairs.update({"K": "L0.k_proj", "V": "L0.v_proj"} if phase == "prefill" and "context"
                 not in kw else {"K_new": "L0.k_proj", "V_new": "L0.v_proj"})
    for einsum, node in pairs.items():
        assert einsum_macs(doc, einsum) == g.nodes[node]["op"].macs, einsum


def test_decode_reads_kv_cache_as_input(tiny_gqa):
    doc = einsum_workload(build_graph(tiny_gqa, "decode", context=9, kv_bits=4), layer=0)
    assert doc["workload"]["rank_sizes"]["P"] == 9 and doc["workload"]["rank_sizes"]["M"] == 1
    qk = next(e for e in doc["workload"]["einsums"] if e["einsum"].startswith("QK["))
    assert "K[b, p, g, e]" in qk["einsum"]
    assert "iteration_space_shape" not in qk  # one query sees every cached key
    assert {"name": "K", "bits_per_value": 4} in qk["tensor_accesses"]


def test_whole_model_chains_layers_and_lm_head(tiny_gpt):
    g = build_graph(tiny_gpt, "prefill", tokens=5)
    doc = einsum_workload(g, layer=None)
    assert len(doc["workload"]["einsums"]) == 1 + 2 * PER_LAYER["gelu"] + 1
    names = outputs(doc)
    assert names[-1] == "LOGITS" and "L1_Q" in names
    assert "L0_FD[b, m, d]" in strings(doc)[names.index("L1_Q")]
    head = doc["workload"]["einsums"][-1]
    assert head["iteration_space_shape"] == ["m >= 4"]  # last token only
    assert doc["workload"]["rank_sizes"]["N"] == 20
    assert "R" not in doc["workload"]["rank_sizes"]  # no grouping in this model


def test_bad_layer(tiny_gqa):
    with pytest.raises(ModelDomainError):
        einsum_workload(build_graph(tiny_gqa, "decode"), layer=2)


def test_export_parses_in_accelforge(tiny_gqa, tiny_gpt, tmp_path):
    pytest.importorskip("accelforge", reason="accelforge is not installed (optional)")
    from accelforge.frontend.spec import Spec

    cases = [
        (build_graph(tiny_gqa, "prefill", batch=2, tokens=4, weight_bits=4, kv_bits=6), 0),
        (build_graph(tiny_gqa, "prefill", batch=2, tokens=4, context=10), None),
        (build_graph(tiny_gqa, "decode", batch=2, context=9), 1),
        (build_graph(tiny_gpt, "prefill", tokens=5), None),
    ]
    for i, (graph, layer) in enumerate(cases):
        path = tmp_path / f"w{i}.yaml"
        path.write_text(einsum_yaml(graph, layer), encoding="utf-8")
        spec = Spec.from_yaml(str(path))
        workload = spec.workload
        doc = einsum_workload(graph, layer)
        assert workload.einsum_names == outputs(doc)
        for name in workload.einsum_names:
            # per-einsum evaluation checks the renames (input/output/weight counts) too;
            # AccelForge has no public call for it
            spec._spec_eval_expressions(einsum_name=name, eval_arch=False)
        ops = [graph.nodes[n]["op"] for n in graph]
        want = sum(o.macs for o in ops if o.is_matmul and (layer is None or o.layer == layer))
        skip = ("I", "QK_softmax", "FM")
        got = sum(workload.n_computes(e) for e in workload.einsum_names
                  if re.sub(r"^L\d+_", "", e) not in skip)
        assert got == want
