"""Fuzz: mutated arch YAML gives a valid Arch or a GrcimError, never another exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grcim.arch
from grcim.arch import Arch, load_arch_text
from grcim.errors import GrcimError

ARCH_DIR = Path(grcim.arch.__file__).parent
BASES = [
    (ARCH_DIR / "macros" / "grmac_unit.yaml").read_text(encoding="utf-8"),
    (ARCH_DIR / "macros" / "int8_cim.yaml").read_text(encoding="utf-8"),
    (ARCH_DIR / "chips" / "edge_conventional.yaml").read_text(encoding="utf-8"),
]
# Lines of the form "<indent>[- ]key: value" (not comments): the places mutations hit.
KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][A-Za-z0-9_]*):(.*)$")

NASTY_VALUES = [
    "-1", "0", "-256", "1e999", "1.0e+300", ".nan", ".inf", "-.inf", "10**10**10",
    "2**4096", "9**9**9", "__import__('os').system('true')", "().__class__.__bases__",
    "open('/etc/passwd')", "lambda: 1", "[x for x in ()]", "rows.real", "true", "null",
    "~", "[]", "{}", "[1, [2, [3, [4, [5]]]]]", "{a: {b: {c: {d: 1}}}}", '"text"', "text",
    "'quoted'", "rows / 0", "rows // rows_per_adc", "log2(cols)", "sqrt(-1)", "1 +",
    "!Memory {name: x}", "&a 1", "*nope", "'" + "x" * 300 + "'", "x" * 300,
    "[" * 70 + "]" * 70, "2.5", "65537", "0.5", "!!python/object:os.system 'x'",
]
KEYS = ["rows", "kind", "nodes", "variables", "name", "size", "fanout", "pipeline",
        "component_class", "tensors", "__class__", "n_macros", "sram_size_bytes", "spatial"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(BASES)).splitlines()
    spots = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(spots))
        m = KEY_LINE.match(lines[i])
        if m is None:  # an earlier mutation rewrote this line
            continue
        indent, key, _ = m.groups()
        kind = draw(st.sampled_from(["value", "value", "text", "key", "delete", "dup",
                                     "garbage"]))
        if kind == "value":
            lines[i] = f"{indent}{key}: {draw(st.sampled_from(NASTY_VALUES))}"
        elif kind == "text":
            value = draw(st.text(max_size=40))
            lines[i] = f"{indent}{key}: {value}"
        elif kind == "key":
            lines[i] = f"{indent}{draw(st.sampled_from(KEYS))}:{m.group(3)}"
        elif kind == "delete":
            lines[i] = ""
        elif kind == "dup":
            lines.insert(i, lines[i])
        else:
            lines[i] = draw(st.text(max_size=30))
    return "\n".join(lines) + "\n"


def test_fuzz_arch_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    counts = {"cases": 0, "valid": 0, "errors": 0}

    @settings(max_examples=200, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutated())
    def run(text: str) -> None:
        counts["cases"] += 1
        try:
            arch = load_arch_text(text, "fuzz.yaml")
        except GrcimError as exc:
            counts["errors"] += 1
            message = str(exc)
            assert "\n" not in message and message.startswith("fuzz.yaml")
            return
        counts["valid"] += 1
        assert isinstance(arch, Arch)

    run()
    with capsys.disabled():
        print(f"\n[fuzz arch yaml] {counts['cases']} cases: {counts['valid']} valid arch, "
              f"{counts['errors']} GrcimError")
    assert counts["cases"] >= 100 and counts["errors"] > 0
