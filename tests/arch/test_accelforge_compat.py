"""Bundled arch files load unchanged in AccelForge, which evaluates them to grcim's values.

AccelForge is an optional, heavy dependency (~900 MB); without it these tests skip. Run
them in an environment with ``accelforge==1.0.466`` and grcim installed.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import grcim.arch
import grcim.errors
from grcim.arch import load_arch
from grcim.arch.nodes import walk_all

af = pytest.importorskip("accelforge", reason="accelforge is not installed (optional extra)")

ARCH_DIR = Path(grcim.arch.__file__).parent
FILES = sorted(p for folder in ("macros", "chips") for p in (ARCH_DIR / folder).glob("*.yaml"))

# The smallest einsum over the canonical tensor names the arch nodes use.
WORKLOAD = """\
workload:
  rank_sizes: {M: 1, N: 64, K: 64}
  einsums:
  - name: Matmul
    tensor_accesses:
    - {name: input, projection: [m, k], bits_per_value: 8}
    - {name: weight, projection: [k, n], bits_per_value: 8}
    - {name: output, projection: [m, n], output: True, bits_per_value: 8}
"""


def _same(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-12) or (math.isinf(a) and a == b)
    return str(a) == str(b)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_accelforge_parses_and_agrees(path: Path, tmp_path: Path) -> None:
    workload = tmp_path / "workload.yaml"
    workload.write_text(WORKLOAD, encoding="utf-8")
    spec = af.Spec.from_yaml(str(path), str(workload))
    ours = load_arch(path)
    names = [getattr(n, "name", None) for n in spec.arch.nodes]
    assert [n for n in names if n] == [getattr(n, "name", None) for n in ours.nodes
                                       if getattr(n, "name", None)]
    if not hasattr(spec, "_spec_eval_expressions"):
        pytest.skip("this accelforge has no expression evaluation entry point")
    evaluated = spec._spec_eval_expressions()
    variables = evaluated.arch.variables.shallow_model_dump()
    for key, value in ours.variables.items():
        assert _same(variables[key], value), key
    all_attrs = set(ours.component_attributes)
    for node in walk_all(ours.nodes):
        attrs = getattr(node, "extra_attributes_for_component_model", None)
        if not attrs:
            continue
        theirs = evaluated.arch.find(node.name).extra_attributes_for_component_model
        theirs = {k: v for k, v in theirs.shallow_model_dump().items() if k not in all_attrs}
        assert set(theirs) == set(attrs), node.name
        for key, value in attrs.items():
            assert _same(theirs[key], value), (node.name, key)


MACRO = (ARCH_DIR / "macros" / "grmac_row.yaml").read_text(encoding="utf-8")


def _edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _evaluated(text: str, tmp_path: Path) -> object:
    path, workload = tmp_path / "arch.yaml", tmp_path / "workload.yaml"
    path.write_text(text, encoding="utf-8")
    workload.write_text(WORKLOAD, encoding="utf-8")
    spec = af.Spec.from_yaml(str(path), str(workload))
    if not hasattr(spec, "_spec_eval_expressions"):
        pytest.skip("this accelforge has no expression evaluation entry point")
    return spec._spec_eval_expressions().arch


@pytest.mark.parametrize(("pairs", "where"), [
    ((('    noise_standard: "sqnr" ', '    noise_standard: &ns "sqnr" '),
      ("    noise_standard: noise_standard", "    noise_standard: *ns")), "all"),
    ((('    adc_bits: "auto" ', '    adc_bits: &ab "auto" '),
      ("      n_bits: adc_bits", "      n_bits: *ab")), "ADC"),
])
def test_an_aliased_quoted_value_is_text_in_both(pairs: tuple, where: str,
                                                 tmp_path: Path) -> None:
    # grcim refused these files ("quoted text, e.g. "sqnr"", "unknown name 'auto'")
    text = _edit(MACRO, *pairs)
    theirs = _evaluated(text, tmp_path)
    ours = grcim.arch.load_arch_text(text, str(tmp_path / "arch.yaml"))
    if where == "all":
        key = "noise_standard"
        mine = ours.component_attributes[key]
        other = theirs.extra_attributes_for_all_component_models.shallow_model_dump()[key]
    else:
        key = "n_bits"
        mine = ours.node(where).extra_attributes_for_component_model[key]
        node = theirs.find(where).extra_attributes_for_component_model
        other = node.shallow_model_dump()[key]
    assert mine == other == pairs[0][1].split('"')[1]


def test_accelforge_reads_a_leading_zero_as_decimal(tmp_path: Path) -> None:
    # the reason grcim refuses `rows: 0400`: PyYAML (YAML 1.1) read 256, AccelForge 400
    text = _edit(MACRO, ("    rows: 256 ", "    rows: 0400 "))
    assert _evaluated(text, tmp_path).variables.shallow_model_dump()["rows"] == 400
    with pytest.raises(grcim.errors.SpecError, match="arch.variables.rows = '0400'"):
        grcim.arch.load_arch_text(text, "arch.yaml")
