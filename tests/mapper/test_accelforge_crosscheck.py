"""grcim's mapping search is never beaten by AccelForge's FFM mapper, einsum by einsum, and
the bundled arch files map in plain AccelForge.

Needs ``accelforge==1.0.466`` (the ``grcim[accelforge]`` extra). AccelForge takes seconds
per einsum, so the layer is a reduced Llama-3 (d_model 256, 2 query heads sharing one KV
head of 128, SwiGLU FFN of 512) and the edge chips are scaled down with it (4 macros
instead of 16, 24 KiB of SRAM instead of 4 MiB: everything else, models included, is the
bundled file). At this scale the FFN's down projection reads an input larger than the
SRAM with an output two thirds of it, and the projections need several waves of tiles:
the regime of a 512-token Llama-3-8B prefill on the full chip, where AccelForge used to
win (``benchmarks/bench_mapper.py --crosscheck`` runs the real layer).

What the comparison removes (:mod:`grcim.mapper.engines.crosscheck`): nothing for the
weight matmuls. Both engines map each einsum reading its input from DRAM and writing its
output to DRAM (AccelForge maps einsums one by one and its DRAM keeps every tensor), with
the weights starting in DRAM, and both count leakage over their own latency. v_proj,
o_proj and ffn_gate have the shapes of k_proj, q_proj and ffn_up, so they are not mapped
again; q_proj (256 x 256) lies between k_proj (256 x 128) and ffn_up (256 x 512) and is left
out for time (AccelForge takes 5-10 s per einsum here), and so is decode's q_proj: on one
token both engines find the same mapping (ratio 1.000 on both chips when last measured).
Decode keeps ffn_down, the largest reduction.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from grcim.arch import load_arch
from grcim.mapper.engines.crosscheck import compare_einsums
from grcim.workloads import ModelConfig, build_graph

af = pytest.importorskip("accelforge", reason="accelforge is not installed (optional extra "
                         "grcim[accelforge])")

MINI = ModelConfig(name="mini-llama", d_model=256, n_heads=2, n_kv_heads=1, head_dim=128,
                   d_ff=512, n_layers=1, vocab=100, ffn="swiglu", norm="rmsnorm",
                   tied_embeddings=False, positional="rope", biases=False, max_context=256)
ROLES = {"prefill": ("k_proj", "ffn_up", "ffn_down"), "decode": ("ffn_down",)}


def scaled_chip(name: str, folder: Path) -> Path:
    """The bundled chip with 4 macros and 24 KiB of SRAM (text edits of its variables)."""
    source = Path(load_arch(name).source).read_text(encoding="utf-8")
    for old, new in (("n_macros: 16", "n_macros: 4"),
                     ("sram_size_bytes: 4 * 2**20", "sram_size_bytes: 24 * 2**10")):
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path = folder / f"{name}_scaled.yaml"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["edge_grmac", "edge_conventional"])
def rows(request, tmp_path_factory):
    arch = load_arch(scaled_chip(request.param, tmp_path_factory.mktemp(request.param)))
    out = []
    for phase in ("prefill", "decode"):
        graph = build_graph(MINI, phase, tokens=64 if phase == "prefill" else None,
                            context=64)
        out += [(phase, r) for r in compare_einsums(arch, graph, roles=ROLES[phase])]
    return out


def test_grcim_never_costs_more_than_accelforge(rows):
    assert len(rows) == 4
    for phase, r in rows:
        where = f"{phase} {r.einsum} ({r.grcim_mapping})"
        assert r.counts_equal, (where, r.grcim_counts, r.accelforge_counts)
        assert r.grcim_energy_j <= 1.02 * r.accelforge_energy_j, (where, r.ratio)
        assert not r.adjustments  # weight matmuls: nothing removed from the comparison


def test_the_scaled_layer_exercises_the_search(rows):
    # the regime of the issue: several waves, partial sums, a streamed input
    prefill = {r.role: r for phase, r in rows if phase == "prefill"}
    down = prefill["ffn_down"].grcim_mapping
    assert "tiles per wave" in down and "input from DRAM" in down
    assert any("partial sums" in r.grcim_mapping or "staged" in r.grcim_mapping
               for r in prefill.values())


def test_bundled_file_maps_a_layer_in_plain_accelforge(tmp_path):
    # The bundled file as it is, no engine: every kind of einsum of a (tiny) decode layer
    # maps, one by one: a weight matmul in the macros (Q; K_new, V_new, Z and the FFN's
    # take the same path and 10-25 s each, so they are left out), QK^T and PV on the vector
    # unit, the softmax and the gate multiply. For time only, the mapper's search is
    # narrowed (explore_loop_orders=False) and grcim's models are named in the config
    # (hwcomponents would find the same ones among every installed model, trying each:
    # minutes).
    from grcim.mapper.components import bind_components
    from grcim.mapper.pricing import model_classes, price_components
    from grcim.workloads.einsum_export import einsum_yaml

    arch = load_arch("edge_grmac")
    tiny = MINI.model_copy(update={"d_model": 128, "n_heads": 1, "d_ff": 256})
    graph = build_graph(tiny, "decode", context=8)
    workload = tmp_path / "layer.yaml"
    workload.write_text(einsum_yaml(graph, 0), encoding="utf-8")
    with warnings.catch_warnings():  # AccelForge's own pandas deprecation warnings
        warnings.simplefilter("ignore")
        spec = af.Spec.from_yaml(arch.source, str(workload))
        spec.mapper.explore_loop_orders = False
        spec.config.add_component_models(list(model_classes()))
        spec.config.use_installed_component_models = False
        names = [e.name for e in spec.workload.einsums
                 if not getattr(e, "is_copy_operation", False)]
        assert names == ["Q", "K_new", "V_new", "QK", "QK_softmax", "AV", "Z", "FU", "FG",
                         "FM", "FD"]
        mapped = {name: spec.map_workload_to_arch(einsum_names=[name], print_progress=False)
                  for name in ("Q", "QK", "QK_softmax", "AV", "FM")}
    leak_w = price_components(arch, bind_components(arch), ()).leak_power_w
    macro = arch.macro
    for name, m in mapped.items():
        acts = {k: float(v) for k, v in m.actions(per_component=True).items()}
        if name == "Q":  # 1 token x 128 x 128 weights: toll actions are physical events
            # conversions: 128 outputs x 2 row groups x 8 bit-columns x 1 input slice
            assert acts["ADC", "read"] == 128 * 2 * macro.n_weight_slices
            assert acts["GainRangingStage", "read"] == acts["ADC", "read"]
            assert acts["DAC", "read"] == 128 * 4 * macro.n_input_slices  # 4 column tiles
            assert acts["CimCells", "write"] == 128 * 128 * 8
            # MAC leakage per weight: AccelForge's equals grcim's power over its latency (to
            # 1e-6: AccelForge evaluates the scales and sums in its own order)
            leak = m.energy(per_component=True, per_action=True)["MAC", "leak"]
            assert leak == pytest.approx(leak_w["MAC"] * float(m.latency()), rel=1e-6)
        if acts.get(("VectorUnit", "compute"), 0.0) > 0:  # QK, AV, softmax, gate multiply
            # operands reach the lanes from the registers, not from the SRAM per MAC (at
            # most one write per output bit there, 1024 MACs of 8-bit operands here)
            assert acts.get(("VectorRegisters", "read"), 0.0) > 0, name
            assert acts.get(("GlobalBuffer", "write"), 0.0) <= 128 * 8, name
