"""Physics-only sweeps (SQNR target x rows per ADC -> ADC bits, energy per MAC) through the
same spec, store and runner: the stored energy equals a hwcomponents query of the GR-MAC
model, its terms add up, and the ADC bits follow the SQNR target at 6.02 dB per bit."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import hwcomponents
import numpy as np
import pytest

from grcim.plugins.models import MODELS
from grcim.sweep import RunOptions, Store, load_spec, run_sweep
from grcim.sweep.report import build_report


def test_physics_sweep_on_a_macro(write_spec: Callable[..., Path], tmp_path: Path,
                                  op_cache: Path) -> None:
    # 2 SQNR targets on the 5 dB cache grid x 2 row counts: 4 Monte Carlo ensembles, shared
    # with the rest of the session through the disk cache
    ls = load_spec(write_spec("""\
        sweep:
          mode: physics
          archs: [grmac_unit]
          variables:
            sqnr_target_db: [30, 35]
            rows_per_adc: [32, 64]
            adc_law: [thermal, walden]
        """))
    summary = run_sweep(ls, tmp_path / "p.sqlite", RunOptions(workers=1,
                                                              op_cache_dir=str(op_cache)))
    assert summary.counts["done"] == 8
    s = Store.open(tmp_path / "p.sqlite")
    rows = list(s.rows())
    s.close()
    for r in rows:
        assert r["workload"] is None and r["phase"] is None and r["pipeline"] == "grmac"
        attrs = {"input_format": "fp8_e4m3", "weight_format": "fp8_e4m3",
                 "n_rows": r["rows_per_adc"], "n_cols": 256, "normalization": "unit",
                 "sqnr_target_db": r["sqnr_target_db"], "adc_law": r["adc_law"],
                 "tech_node": 22e-9, "include_terms": "all"}
        # the same model asked through hwcomponents (the plug-in path), with the macro's
        # attributes (n_cols = cols = 256)
        e = hwcomponents.get_action_cost("gr_mac", attrs, "compute", {}, models=list(MODELS))
        assert r["energy_per_mac_j"] == pytest.approx(e.energy, rel=1e-12, abs=0)
        terms = json.loads(r["breakdown_json"])
        assert set(terms) == {"dac", "mac", "array", "gain_stage", "output_gain", "adc",
                              "digital"}
        assert sum(terms.values()) == pytest.approx(r["energy_per_mac_j"], rel=1e-12, abs=0)
    # the ADC resolution follows the SQNR target at 6.02 dB per bit (quantization noise
    # power falls 4x per bit): 5 dB more asks for 5 / 6.02 = 0.83 bit more; the tolerance
    # covers the Monte Carlo ensembles behind each target (a few hundredths of a bit)
    by = {(r["sqnr_target_db"], r["rows_per_adc"], r["adc_law"]): r for r in rows}
    for n in (32, 64):
        step = by[35.0, n, "thermal"]["adc_enob_bits"] - by[30.0, n, "thermal"]["adc_enob_bits"]
        assert step == pytest.approx(5.0 / 6.02, abs=0.1)
        assert by[35.0, n, "walden"]["adc_enob_bits"] == by[35.0, n, "thermal"]["adc_enob_bits"]
    # more rows per conversion share the ADC among more MACs: its per-MAC term falls
    adc = {k: json.loads(v["breakdown_json"])["adc"] for k, v in by.items()}
    assert adc[35.0, 64, "thermal"] < adc[35.0, 32, "thermal"]
    # the report's front: energy/MAC (min), SQNR target (max, swept), area/MAC (min)
    s = Store.open(tmp_path / "p.sqlite")
    files = build_report(s)
    s.close()
    c = np.array([[r["energy_per_mac_j"], -r["sqnr_target_db"], r["mac_area_m2"]]
                  for r in rows])
    dominated = [bool(np.any(np.all(c <= c[i], axis=1) & np.any(c < c[i], axis=1)))
                 for i in range(len(c))]
    expected = {r["key"] for r, d in zip(rows, dominated, strict=True) if not d}
    got = {r["key"] for r in csv.DictReader(io.StringIO(str(files["pareto.csv"])))}
    assert got == expected and "figures/pareto_1.png" in files


def test_an_edited_swept_technology_file_is_priced_again(write_spec: Callable[..., Path],
                                                         tmp_path: Path, op_cache: Path
                                                         ) -> None:
    # the swept path alone keyed the point: after an edit of the file the re-run stored
    # "0 of 0 points (1 were already stored)" and kept the energy of the old file
    from grcim.resources import bundled

    tech = tmp_path / "mytech.yaml"
    text = bundled("grcim.physics", "tech", "28nm.yaml").read_text(encoding="utf-8")
    tech.write_text(text, encoding="utf-8")
    spec = write_spec(f"sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                      f"  variables: {{technology: [{tech}]}}\n")
    store, opts = tmp_path / "t.sqlite", RunOptions(workers=1, op_cache_dir=str(op_cache))
    run_sweep(load_spec(spec), store, opts)
    tech.write_text(text.replace("analog_swing_v: ", "analog_swing_v: 0.6 # was ", 1),
                    encoding="utf-8")
    second = run_sweep(load_spec(spec), store, RunOptions(workers=1, force_append=True,
                                                          op_cache_dir=str(op_cache)))
    assert second.written == 1
    fresh = run_sweep(load_spec(spec), tmp_path / "fresh.sqlite", opts)
    assert fresh.written == 1
    s, f = Store.open(store), Store.open(tmp_path / "fresh.sqlite")
    energies = [r["energy_per_mac_j"] for r in s.rows()]
    (new,) = [r["energy_per_mac_j"] for r in f.rows()]
    s.close()
    f.close()
    assert len(energies) == 2 and energies[0] != new and energies[1] == new


def test_a_swept_pipeline_is_stored_in_infeasible_rows(write_spec: Callable[..., Path],
                                                       tmp_path: Path, op_cache: Path
                                                       ) -> None:
    # the result row's pipeline (None: the arch was never built) overwrote the planned
    # value, and the report's variable columns left pipeline out
    ls = load_spec(write_spec("sweep:\n  mode: physics\n  archs: [grmac_unit]\n"
                              "  variables: {pipeline: [grmac, conventional, int]}\n"))
    run_sweep(ls, tmp_path / "p.sqlite", RunOptions(workers=1, op_cache_dir=str(op_cache)))
    s = Store.open(tmp_path / "p.sqlite")
    rows = list(s.rows())
    columns = s.variable_columns()
    s.close()
    assert "pipeline" in columns
    assert sorted(r["pipeline"] for r in rows) == ["conventional", "grmac", "int"]
    assert any(r["status"] == "infeasible" for r in rows)
