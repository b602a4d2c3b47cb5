"""``grcim validate`` on Accelergy-format architectures that use grcim's component classes.

No Accelergy needed: the checks mirror what Accelergy 0.4 does with these files (shown by
``test_accelergy_real.py`` where it is installed). Every problem is one line naming the
file, line, ``<component>.attributes.<name>``, the value and what is allowed; the exit
status is 1; nothing else is printed.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grcim.cli.main import main
from grcim.plugins.models import CIMDAC, GainRangingMAC


def _validate(*paths: Path) -> tuple[int, str, list[str]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", *map(str, paths)])
    return code, out.getvalue(), err.getvalue().splitlines()


def _file(tmp_path: Path, text: str, name: str = "arch.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _system_file(tmp_path: Path, local: str, attributes: str | None = None) -> Path:
    """An Accelergy 0.4 file with one container, ``system`` (with ``attributes``, YAML flow
    text, if given), holding the list items ``local``: its first item is on line 6, or 7
    after the attributes, as the expected messages count."""
    head = "architecture:\n  version: 0.4\n  subtree:\n  - name: system\n"
    if attributes is not None:
        head += f"    attributes: {attributes}\n"
    return _file(tmp_path, head + "    local:\n" + textwrap.indent(textwrap.dedent(local), "    "))


GOOD_TREE = """\
variables:
  version: 0.4
  technology: "22nm"
  global_cycle_seconds: 1e-9
  bits: 4
architecture:
  version: 0.4
  subtree:
  - name: system
    attributes:
      technology: "22nm"
      global_cycle_seconds: 1e-9
    local:
    - name: dac
      class: cim_dac
      attributes: {n_bits: bits, n_dacs: 2 * bits, datawidth: 8}
    - name: mac
      class: gr_mac
      attributes: {normalization: "row", n_cols: 32, dynamic_range_bits: 2.5}
    - name: buffer
      class: SRAM
      attributes: {depth: 32, width: 64}
"""

GOOD_NODES = """\
architecture:
  version: 0.4
  nodes:
  - !Container
    name: system
    attributes: {technology: "22nm", global_cycle_seconds: 1e-9}
  - !Component
    name: DAC
    class: storage
    subclass: cim_dac
    attributes: {n_bits: 4, width: 8, depth: 64, datawidth: 8}
  - !Container
    name: Column
    spatial: {meshX: 32}
  - !Component
    name: MAC
    class: compute
    subclass: gr_mac
    attributes: {normalization: "unit", tech_node: 22e-9}
"""


def test_good_files_pass(tmp_path: Path) -> None:
    tree = _file(tmp_path, GOOD_TREE)
    nodes = _file(tmp_path, GOOD_NODES, "nodes.yaml")
    code, out, err = _validate(tree, nodes)
    # a grcim converter as a Timeloop storage level: Timeloop asks Accelergy for read,
    # write and update, and cim_dac has no write or update (it stopped: "No action with
    # name write"); the file is right with an ERT, so a warning, exit 0
    assert (code, err) == (0, [
        f"grcim validate: warning: {nodes}:10: DAC.subclass = 'cim_dac': priced only "
        "through an ERT: as a Timeloop storage level it is asked for read, write, update, "
        "and cim_dac has no write or update, so Accelergy cannot price it; run Timeloop "
        "with the export's ERT.yaml and ART.yaml (docs/timeloop.md)"])
    assert out.splitlines() == [
        f"OK {tree}: Accelergy architecture (3 components; grcim: cim_dac, gr_mac)",
        f"OK {nodes}: Accelergy architecture (2 components; grcim: cim_dac, gr_mac)"]


def test_each_problem_is_one_line(tmp_path: Path) -> None:
    path = _system_file(tmp_path, """\
        - name: mac
          class: gr_mac
          attributes:
            normalization: row
            dynamic_range: 4
            colour: 3
        - name: dac
          class: cim_dac
          attributes: {n_dacs: 2}
        - name: typo
          class: gr_mak
        - name: node
          class: cim_dac
          attributes: {n_bits: 4, tech_node: 28e-9}
        """, '{technology: "22nm", global_cycle_seconds: 1e-9, dynamic_rnge_bits: 2}')
    code, out, err = _validate(path)
    assert code == 1 and out == ""
    p = f"grcim validate: error: {path}"
    names = ", ".join(dict.fromkeys([*GainRangingMAC.attribute_defaults(), "technology"]))
    # line 20 gives tech_node 28e-9 under the container's technology "22nm" (Accelergy
    # requires it on every node): grcim's models scale the 22 nm file to 28 nm, not price
    # the 28 nm node that tech_node may mean alone; scaling is a feature, so a warning
    assert err[0] == (
        f"grcim validate: warning: {path}:20: system.node.attributes.tech_node = 2.8e-08: "
        "tech_node differs from technology = '22nm' (from system): grcim's models price the "
        "22 nm technology scaled to 28 nm, not the 28 nm technology (for that, set "
        "technology on this component)")
    assert err[1:] == [
        f"{p}:5: system.attributes.dynamic_rnge_bits = 2: not an attribute of gr_mac "
        "(inherited by system.mac): did you mean dynamic_range_bits?",
        f"{p}:10: system.mac.attributes.normalization = 'row': unquoted text: Accelergy "
        'evaluates unquoted text as Python: write it in quotes ("row")',
        f"{p}:11: system.mac.attributes.dynamic_range = 4: not an attribute of gr_mac "
        "(Accelergy would drop it and use the default): did you mean dynamic_range_bits?",
        f"{p}:12: system.mac.attributes.colour = 3: not an attribute of gr_mac (Accelergy would "
        f"drop it); its attributes: {names}",
        f"{p}:13: system.dac.attributes.n_bits = None: missing: cim_dac requires it "
        "(Accelergy would find no estimator)",
        f"{p}:17: system.typo.class = 'gr_mak': no such component class: did you mean gr_mac?",
    ]


def test_missing_technology_and_cycle(tmp_path: Path) -> None:
    path = _system_file(tmp_path, """\
        - name: dac
          class: cim_dac
          attributes: {n_bits: 4, tech_node: 22e-9}
        - name: dac2
          class: cim_dac
          attributes: {n_bits: 4, technology: "22nm"}
        """)
    code, _, err = _validate(path)
    assert CIMDAC.attribute_defaults()["tech_node"] is None  # the models' 28nm serves
    assert code == 1
    p = f"grcim validate: error: {path}"
    assert err == [
        f"{p}:6: system.dac.attributes.technology = None: missing: Accelergy 0.4 requires "
        'technology (e.g. "22nm") on the component or a container above it; with tech_node '
        "alone Accelergy stops, and without either grcim's models would use tech_node = "
        "2.8e-08 m",
        f"{p}:9: system.dac2.attributes.global_cycle_seconds = None: missing: Accelergy 0.4 "
        "requires global_cycle_seconds (e.g. 1e-9) on every component, set on it or a "
        "container above it (usually the top one)"]


@pytest.mark.parametrize(("attrs", "expected"), [
    ("{technology: 180}", "system.attributes.technology = 180: a bundled node (28nm, 22nm, "
     "7nm, 65nm, 130nm), a node size from 7nm to 130nm"),
    ('{technology: "22nm", n_dacs: 0}', "system.attributes.n_dacs = 0: an integer from 1 to"),
    ('{technology: "wide"}', "system.attributes.technology = 'wide': a bundled node"),
])
def test_values_outside_the_domain_name_what_the_user_wrote(tmp_path: Path, attrs: str,
                                                           expected: str) -> None:
    path = _system_file(tmp_path, """\
        - name: dac
          class: cim_dac
          attributes: {n_bits: 4, global_cycle_seconds: 1e-9}
        """, attrs)
    code, _, err = _validate(path)
    assert code == 1 and len(err) == 1
    assert err[0].startswith(f"grcim validate: error: {path}:5: {expected}")


def test_an_own_value_outside_the_domain(tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD_NODES.replace('normalization: "unit"', 'normalization: "diag"'))
    code, _, err = _validate(path)
    assert code == 1
    assert err[1:] == [f"grcim validate: error: {path}:19: MAC.attributes.normalization = 'diag': "
                   "one of unit, row, int"]


def test_variables_and_expressions_are_not_text(tmp_path: Path) -> None:
    path = _file(tmp_path, """\
        variables:
          version: 0.4
          technology: "7nm"
          global_cycle_seconds: 1e-9
          norm: "unit"
          rows: 128
        architecture:
          version: 0.4
          subtree:
          - name: system
            attributes: {technology: "7nm", global_cycle_seconds: 1e-9}
            local:
            - name: mac
              class: gr_mac
              attributes:
                normalization: norm
                n_rows: rows // 2
                n_cols: max(rows, 64)
                throughput: 2e8
        """)
    assert _validate(path)[0] == 0
    # the expression is evaluated: a value out of range is still caught
    path.write_text(path.read_text().replace("n_rows: rows // 2", "n_rows: rows * 64000"))
    code, _, err = _validate(path)
    assert code == 1 and "system.mac.attributes.n_rows = 8192000:" in err[0]


def test_cli_one_line_per_problem_no_traceback(tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD_TREE.replace('normalization: "row"', "normalization: row")
                 .replace("n_cols: 32", "n_colls: 32"))
    run = subprocess.run([str(Path(sys.executable).parent / "grcim"), "validate", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in run.stderr
    assert all(line.startswith(f"grcim validate: error: {path}:") for line in lines)
    assert "did you mean n_cols?" in lines[1]


def test_an_architecture_without_grcim_components_is_ok(tmp_path: Path) -> None:
    path = _system_file(tmp_path, """\
        - {name: buf, class: SRAM, attributes: {depth: 8}}
        """)
    code, out, _ = _validate(path)
    assert code == 0 and "(1 components, none of grcim's)" in out


def test_an_inherited_bad_attribute_is_reported_once(tmp_path: Path) -> None:
    # 'technology' set on the container is inherited by every grcim component below it:
    # the same error (file, line, key, value) was printed once per component
    from grcim.cli.main import main as grcim_main

    out_dir = tmp_path / "tl"
    assert grcim_main(["export", "timeloop", "--arch", "large_grmac", "--workload", "gpt2",
                       "--op", "q_proj", "--out", str(out_dir)]) == 0
    arch = out_dir / "arch.yaml"
    text = arch.read_text(encoding="utf-8")
    assert text.count('technology: "7nm"') == 1
    arch.write_text(text.replace('technology: "7nm"', 'technology: "3nm"'), encoding="utf-8")
    code, out, err = _validate(arch)
    errors = [e for e in err if ": error: " in e]  # the tolls' need of an ERT: warnings
    assert code == 1 and out == ""
    assert len(errors) == 1 and "technology = '3nm'" in errors[0], err


# Checked against the vendored Accelergy 0.4 (test_accelergy_real.py runs it on these).
VARIABLES_WITHOUT_KEYS = """\
variables:
  version: 0.4
  bits: 4
architecture:
  version: 0.4
  subtree:
  - name: system
    attributes: {technology: "22nm", global_cycle_seconds: 1e-9}
    local:
    - name: dac
      class: cim_dac
      attributes: {n_bits: bits}
"""


def test_variables_section_needs_technology_and_cycle(tmp_path: Path) -> None:
    # Accelergy: 'Required key "global_cycle_seconds" not found in variables.', exit 255
    path = _file(tmp_path, VARIABLES_WITHOUT_KEYS)
    code, _, err = _validate(path)
    assert code == 1
    p = f"grcim validate: error: {path}:2: variables"
    assert [e.split(" = ")[0] for e in err] == [f"{p}.global_cycle_seconds",
                                               f"{p}.technology"]
    assert "missing: Accelergy 0.4 requires global_cycle_seconds (e.g. 1e-9) in a " \
        "top-level variables section" in err[0]


def test_class_in_capitals_is_named(tmp_path: Path) -> None:
    # Accelergy: "Can not find an area estimator for GR_MAC(...)"
    path = _system_file(tmp_path, "- {name: mac, class: GR_MAC, attributes: {}}\n",
                        '{technology: "22nm", global_cycle_seconds: 1e-9}')
    code, _, err = _validate(path)
    assert code == 1 and err == [
        f"grcim validate: error: {path}:7: system.mac.class = 'GR_MAC': no such component "
        "class (Accelergy matches class names case-sensitively): did you mean gr_mac?"]


def test_required_keys_in_capitals_are_accepted(tmp_path: Path) -> None:
    # Accelergy copies TECHNOLOGY / GLOBAL_CYCLE_SECONDS to the lower-case keys (same ERT)
    path = _system_file(tmp_path, "- {name: mac, class: gr_mac, attributes: {}}\n",
                        '{TECHNOLOGY: "22nm", GLOBAL_CYCLE_SECONDS: 1e-9}')
    code, out, err = _validate(path)
    assert (code, err) == (0, []) and "grcim: gr_mac" in out
    bad = _system_file(tmp_path, "- {name: mac, class: gr_mac, attributes: {}}\n",
                       '{TECHNOLOGY: "3nm", GLOBAL_CYCLE_SECONDS: 1e-9}')
    code, _, err = _validate(bad)
    assert code == 1 and "system.attributes.TECHNOLOGY = '3nm'" in err[0], err


def test_missing_technology_never_says_none_m(tmp_path: Path) -> None:
    path = _system_file(tmp_path, "- {name: mac, class: gr_mac, attributes: {}}\n",
                        "{global_cycle_seconds: 1e-9}")
    code, _, err = _validate(path)
    assert code == 1 and "None m" not in err[0]


# Accelergy 0.4 evaluates every unquoted attribute and variable with Python's eval: grcim
# refuses (never evaluates) any that is not arithmetic, and reports values its models
# receive that it cannot compute, instead of saying OK.
NOT_ARITHMETIC = """\
variables:
  version: 0.4
  technology: "22nm"
  global_cycle_seconds: 1e-9
  evil: ().__class__
architecture:
  version: 0.4
  subtree:
  - name: system
    attributes: {technology: "22nm", global_cycle_seconds: 1e-9}
    local:
    - name: adc
      class: grcim_adc
      attributes:
        n_bits: 6
        n_adcs: __import__("os").getpid()
        pipeline: __import__("builtins").open("{marker}", "w")
        throughput: foo.bar
        sqnr_target_db: open("{marker}")
    - name: buf
      class: SRAM
      attributes:
        depth: __builtins__
        width: "[1][0]"
        datawidth: (lambda:8)()
"""


def test_expressions_that_are_not_arithmetic_are_refused_unevaluated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    marker = "evaluated"  # what open() would create, were anything evaluated
    path = _file(tmp_path, NOT_ARITHMETIC.replace("{marker}", marker))
    code, out, err = _validate(path)
    assert code == 1 and out == "" and not (tmp_path / marker).exists()
    p = f"grcim validate: error: {path}"
    refused = "refused, never evaluated: "
    assert [e.split(" (Accelergy runs")[0] for e in err] == [
        f"{p}:5: variables.evil = '().__class__': {refused}attribute access not allowed",
        f"{p}:16: system.adc.attributes.n_adcs = '__import__(\"os\").getpid()': {refused}"
        "name '__import__' (names beginning with _ are not arithmetic)",
        f"{p}:17: system.adc.attributes.pipeline = '__import__(\"builtins\").open(\"{marker}\", "
        f"\"w\")': {refused}name '__import__' (names beginning with _ are not arithmetic)",
        f"{p}:18: system.adc.attributes.throughput = 'foo.bar': {refused}attribute access not "
        "allowed",
        f"{p}:19: system.adc.attributes.sqnr_target_db = 'open(\"{marker}\")': {refused}call "
        "of 'open' (not one of Accelergy's math functions, nor a user function Accelergy is "
        "configured with)",
        f"{p}:23: system.buf.attributes.depth = '__builtins__': {refused}name '__builtins__' "
        "(names beginning with _ are not arithmetic)",
        f"{p}:25: system.buf.attributes.datawidth = '(lambda:8)()': {refused}a call of "
        "something other than a function name",
    ]
    assert all("allowed: a number, quoted text, or arithmetic over numbers and variables "
               "with Accelergy's math functions" in e for e in err)


def test_an_alias_does_not_hide_an_expression(tmp_path: Path) -> None:
    # the anchor sits outside 'attributes'; the alias puts the plain scalar there, where
    # Accelergy evaluates it (it was read as quoted text, never checked)
    path = _system_file(tmp_path, """\
        - name: adc
          class: grcim_adc
          attributes: {n_bits: 6, pipeline: *evil}
        """, '{technology: "22nm", global_cycle_seconds: 1e-9}')
    path.write_text("hidden: &evil ().__class__.__subclasses__()\n" + path.read_text())
    code, _, err = _validate(path)
    assert code == 1 and len(err) == 1
    assert "system.adc.attributes.pipeline = '().__class__.__subclasses__()': refused, never " \
        "evaluated: attribute access not allowed" in err[0]


@pytest.fixture(autouse=True)
def _no_accelergy_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user math functions but a test's own: a fresh HOME and working folder."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ACCELERGY_MATH_FUNCTIONS", raising=False)
    monkeypatch.chdir(tmp_path)


def _grmac_macro(n_bits: str) -> str:
    """docs/timeloop.md's grmac_macro.yaml recipe, with the DAC's n_bits as given."""
    return textwrap.dedent(f"""\
        variables:
          version: 0.4
          technology: "22nm"
          global_cycle_seconds: 1e-9
        architecture:
          version: 0.4
          subtree:
          - name: macro
            attributes: {{technology: "22nm", global_cycle_seconds: 1e-9}}
            local:
            - name: dac
              class: cim_dac
              attributes:
                n_bits: {n_bits}
                n_dacs: 128
            - name: mac
              class: gr_mac
              attributes: {{normalization: "row", n_rows: 128, n_cols: 128}}
        """)


def test_accelergy_functions_are_computed_and_checked(tmp_path: Path) -> None:
    # Accelergy 0.4 evaluates int(), float(), pow, pi, e, ... (its MATH_FUNCS): so does
    # grcim, without eval, and the value is range-checked as any other
    path = _file(tmp_path, _grmac_macro("int(log2(32))"))
    code, out, err = _validate(path)
    assert (code, err) == (0, []) and out.startswith(f"OK {path}: ")
    for ok in ("int(32.5) // 4", "float(4)", "pow(2, 2)", "round(pi)", "int(e)",
               "min(8, len(range(6)))", "sum([1, 2, 3])", "max([2, 4])",
               "3 if isnan(nan) else 1", "int(float('4.5'))", "ceil(tau)"):
        path.write_text(_grmac_macro(ok))
        assert _validate(path)[:3:2] == (0, []), ok
    # computed, so a value outside the DAC's domain (1..16 bits) is refused as before
    cases = {"int(log2(32)) * 10": "50", "pow(2, 6)": "64", "int(pi * 10)": "31",
             "int(e ** 4)": "54", "sum(range(12))": "66"}
    for expr, value in cases.items():
        path.write_text(_grmac_macro(expr))
        code, _, err = _validate(path)
        assert code == 1 and len(err) == 1, (expr, err)
        assert f"macro.dac.attributes.n_bits = {value}: " in err[0], err


def test_python_failures_are_errors(tmp_path: Path) -> None:
    # Accelergy's eval fails on these: still one error line each
    for expr, why in (("int(nan)", "int() failed: cannot convert float NaN to integer"),
                      ("1 // 0", "division by zero"), ("log2(0)", "log2() failed"),
                      ("bits + 1", "name 'bits' is not defined")):
        path = _file(tmp_path, _grmac_macro(expr))
        code, _, err = _validate(path)
        assert code == 1 and len(err) == 1, (expr, err)
        assert f"macro.dac.attributes.n_bits = '{expr}': Accelergy cannot evaluate it: " \
            f"{why}" in err[0], err


def test_values_grcim_does_not_compute_are_warnings(tmp_path: Path) -> None:
    # str() is Accelergy's, but grcim does not compute it: one warning line, exit 0
    path = _file(tmp_path, _grmac_macro('len(str(1234))'))
    code, out, err = _validate(path)
    assert code == 0 and out.startswith(f"OK {path}: ")
    assert err == [f"grcim validate: warning: {path}:14: macro.dac.attributes.n_bits = "
                   "'len(str(1234))': not checked: call of 'str' not computed by grcim "
                   "(Accelergy may compute it; grcim's models receive it unchecked)"]
    # through a variable: named
    path.write_text(GOOD_TREE.replace("bits: 4", "bits: len(str(1234))"))
    code, _, err = _validate(path)
    assert code == 0 and len(err) == 2, err
    assert "system.dac.attributes.n_bits = 'bits': not checked: variable bits: call of " \
        "'str' not computed by grcim" in err[0]


USER_FUNCTIONS = """\
import math
from math import floor as my_floor


def bits_for(levels):
    return math.ceil(math.log2(levels))


open("never-run", "w")  # grcim parses this file, never runs it
"""


@pytest.mark.parametrize("how", ["env", "config", "globals"])
def test_user_math_functions_are_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          how: str) -> None:
    funcs = _file(tmp_path, USER_FUNCTIONS, "funcs.py")
    text = _grmac_macro("bits_for(32)")
    if how == "env":  # Accelergy 0.4's ACCELERGY_MATH_FUNCTIONS (':'-separated paths)
        monkeypatch.setenv("ACCELERGY_MATH_FUNCTIONS", f"/nonexistent.py:{funcs}")
    elif how == "config":  # math_functions in ./accelergy_config.yaml
        (tmp_path / "accelergy_config.yaml").write_text(f"math_functions: [{funcs}]\n")
    else:  # the file's own globals: {expression_custom_functions: [...]}
        text = "globals: {expression_custom_functions: [funcs.py]}\n" + text
    path = _file(tmp_path, text)
    line = 15 if how == "globals" else 14  # n_bits' line
    code, out, err = _validate(path)
    assert code == 0 and out.startswith(f"OK {path}: "), err
    assert err == [f"grcim validate: warning: {path}:{line}: macro.dac.attributes.n_bits = "
                   "'bits_for(32)': not checked: call of 'bits_for' not computed by grcim "
                   "(Accelergy may compute it; grcim's models receive it unchecked)"]
    assert not (tmp_path / "never-run").exists()
    # an imported name is bound too; anything else is still refused
    path.write_text(text.replace("bits_for(32)", "my_floor(4.5)"))
    assert _validate(path)[0] == 0
    path.write_text(text.replace("bits_for(32)", "open(32)"))
    code, _, err = _validate(path)
    assert code == 1 and "call of 'open' (not one of Accelergy's math functions" in err[0]
    # without the configuration, the same call is refused
    monkeypatch.delenv("ACCELERGY_MATH_FUNCTIONS", raising=False)
    (tmp_path / "accelergy_config.yaml").unlink(missing_ok=True)
    path.write_text(_grmac_macro("bits_for(32)"))
    code, _, err = _validate(path)
    assert code == 1 and "refused, never evaluated: call of 'bits_for'" in err[0]

    # Accelergy's functions do not open the door to anything else: still refused, unevaluated
    for expr in ("int.__class__", "int(4).real", "range(4)[0]", "_x", "(lambda:4)()",
                 "sum(x for x in range(3))", "getcwd().upper()"):
        path = _file(tmp_path, _grmac_macro(expr))
        code, _, err = _validate(path)
        assert code == 1 and any("refused, never evaluated: " in e for e in err), (expr, err)


@pytest.mark.parametrize("cycle", ["-1", "0", "-1e-9", "inf", "nan", '"1ns"', "true"])
def test_global_cycle_seconds_is_a_positive_number(tmp_path: Path, cycle: str) -> None:
    path = _system_file(tmp_path, "- {name: dac, class: cim_dac, attributes: {n_bits: 4}}\n",
                        f'{{technology: "22nm", global_cycle_seconds: {cycle}}}')
    code, _, err = _validate(path)
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith(f"grcim validate: error: {path}:5: system.attributes."
                             "global_cycle_seconds = ")
    assert err[0].endswith(": a positive finite number of seconds (e.g. 1e-9)")
    # in capitals, and in the variables section Accelergy reads first
    path.write_text(path.read_text().replace("global_cycle_seconds", "GLOBAL_CYCLE_SECONDS"))
    code, _, err = _validate(path)
    assert code == 1 and "system.attributes.GLOBAL_CYCLE_SECONDS = " in err[0]
    path = _file(tmp_path, GOOD_TREE.replace("  global_cycle_seconds: 1e-9\n  bits",
                                             f"  global_cycle_seconds: {cycle}\n  bits"))
    code, _, err = _validate(path)
    assert code == 1 and len(err) == 1 and ":4: variables.global_cycle_seconds = " in err[0]


@pytest.mark.parametrize(("top", "own", "warned"), [
    ('{technology: "22nm", global_cycle_seconds: 1e-9}', "{n_bits: 4, tech_node: 22 * 1e-9}",
     False),  # 22 * 1e-9 is 22 nm within the models' tolerance (not bit-equal to 22e-9)
    ('{technology: "22nm", global_cycle_seconds: 1e-9}', "{n_bits: 4, tech_node: 28e-9}",
     True),
    ('{global_cycle_seconds: 1e-9}',
     '{n_bits: 4, technology: "28nm", tech_node: 22e-9}', False),  # scaling asked for
])
def test_tech_node_beside_technology_warns_only_when_technology_is_inherited(
        tmp_path: Path, top: str, own: str, warned: bool) -> None:
    path = _system_file(tmp_path, f"""\
        - name: node
          class: cim_dac
          attributes: {own}
        """, top)
    code, out, err = _validate(path)
    assert code == 0, err
    assert any("tech_node differs from technology" in line for line in err) == warned


def test_instance_ranges_in_names_are_evaluated_as_accelergy_does(tmp_path: Path) -> None:
    # Accelergy 0.4 evaluates both ends over the variables and attributes and stops on an
    # unknown name ("adc[0..n_adc]") or an end below the start ("dac2[3..1]"); a fractional
    # end it truncates silently (a warning); "dac[0..n_pe - 1]" is 4 instances, fine
    path = _system_file(tmp_path, """\
        - name: dac[0..n_pe - 1]
          class: cim_dac
          attributes: {n_bits: 4}
        - name: adc[0..n_adc]
          class: grcim_adc
          attributes: {n_bits: 6}
        - name: dac2[3..1]
          class: cim_dac
          attributes: {n_bits: 4}
        - name: dac3[0..1.5]
          class: cim_dac
          attributes: {n_bits: 4}
        """, '{technology: "22nm", global_cycle_seconds: 1e-9, n_pe: 4}')
    code, out, err = _validate(path)
    assert code == 1 and out == ""
    p = f"grcim validate: error: {path}"
    assert err == [
        f"grcim validate: warning: {path}:16: system.dac3[0..1.5].name = '[0..1.5]': its "
        "ends compute to 0 and 1.5, not integers: Accelergy counts 2 instances",
        f"{p}:10: system.adc[0..n_adc].name = '[0..n_adc]': an instance range [A..B] whose "
        "ends compute to integers over the variables and attributes (name 'n_adc' is not "
        "defined)",
        f"{p}:13: system.dac2[3..1].name = '[3..1]': an instance range [A..B] with B >= A "
        "(it computes to [3..1]; Accelergy stops)",
    ]

