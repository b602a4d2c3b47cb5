"""Bundled arch files load unchanged in AccelForge, which evaluates them to grcim's values.

AccelForge is an optional, heavy dependency (~900 MB); without it these tests skip. Run
them in an environment with ``accelforge==1.0.466`` and grcim installed.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import grcim.arch
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
