"""Property-based fuzzing of arch files, models files and table sweeps through the commands.

Each case writes its inputs into a fresh folder, runs ``validate`` and ``map`` (or
``table``) in process, and checks the invariants of ``conftest.py``. Sizes are reduced but
sufficient: about 250 arch cases, 120 models cases and 150 sweeps, in well under a minute
each; the bases are the tiny hand-priced chip of the mapper tests (explicit costs, so a case
costs milliseconds) and, for about one case in six, the bundled edge chips (every node priced
by the plug-in models, as users' files are).
"""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import grcim.arch

TESTS = Path(__file__).resolve().parents[1]
ARCH_DIR = Path(grcim.arch.__file__).parent


def _tiny_module() -> Any:
    spec = importlib.util.spec_from_file_location("mapper_conftest",
                                                  TESTS / "mapper" / "conftest.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


TINY = _tiny_module()
TINY_CHIP = TINY.chip_yaml()
EDGE = [(ARCH_DIR / "chips" / f"{n}.yaml").read_text(encoding="utf-8")
        for n in ("edge_grmac", "edge_int8")]
TINY_MODEL = {k: v for k, v in TINY.TINY_LLAMA.items() if k != "name"}
MODELS_TEXT = yaml.safe_dump({"default": "tiny-llama", "models": {"tiny-llama": TINY_MODEL}},
                             sort_keys=False)

# "<indent>[- ]key: value" lines (not comments): where mutations hit.
KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_][A-Za-z0-9_]*):(.*)$")
FACTORS = ["0", "0.5", "2", "3", "10", "1000", "1e6", "-1", "1e300", "1e-30"]
NASTY = [
    "-1", "0", "1", "1.5", "1e999", "1.0e+300", ".nan", ".inf", "-.inf", "inf", "10**10**10",
    "round(16, -10**30)", "log(10, 1)", "2**1099", "__import__('os')", "().__class__",
    "true", "null", "[]", "{}", '"text"', "text", '"\\udc80"', "rows / 0", "!Memory {}",
    "*nope", "&a 1", "'" + "x" * 300 + "'", "[" * 70 + "]" * 70, "65537", "1e-300",
]
KEYS = ["rows", "kind", "size", "energy", "throughput", "fanout", "n_macros", "leak_power",
        "area", "energy_scale", "n_bits", "include_terms", "dram_size_bytes", "actions",
        "bits_per_action", "n_parallel_instances", "spatial", "tensors"]
TAGS = ["!Memory", "!Toll", "!Compute", "!Container", "!Fork", "!Nope"]


@st.composite
def arch_texts(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from([TINY_CHIP] * 5 + EDGE))
    lines = base.splitlines()
    spots = [i for i, line in enumerate(lines) if KEY_LINE.match(line)]
    # Half the cases only rescale numbers, so many files stay valid and the validate ==
    # map property is exercised on files that validate accepts.
    kinds = (["scale"] if draw(st.booleans()) else
             ["scale", "scale", "nasty", "key", "delete", "dup", "tag", "garbage"])
    factors = FACTORS[1:6] if kinds == ["scale"] else FACTORS
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(spots))
        m = KEY_LINE.match(lines[i])
        if m is None:  # an earlier mutation rewrote this line
            continue
        indent, key, value = m.groups()
        kind = draw(st.sampled_from(kinds))
        if kind == "scale" and value.strip() and not value.strip().startswith(('"', "{",
                                                                               "[", "!")):
            body = value.split("#", 1)[0].strip()
            lines[i] = f"{indent}{key}: ({body}) * {draw(st.sampled_from(factors))}"
        elif kind == "nasty":
            lines[i] = f"{indent}{key}: {draw(st.sampled_from(NASTY))}"
        elif kind == "key":
            lines[i] = f"{indent}{draw(st.sampled_from(KEYS))}:{value}"
        elif kind == "delete":
            lines[i] = ""
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "tag":
            tagged = [j for j, line in enumerate(lines) if re.search(r"- !\w+", line)]
            j = draw(st.sampled_from(tagged))
            lines[j] = re.sub(r"!\w+", draw(st.sampled_from(TAGS)), lines[j])
        else:
            lines[i] = draw(st.text(max_size=30))
    return "\n".join(lines) + "\n"


def _map_case(harness: Any, folder: Path, arch_text: str, models_text: str, phase: str,
              ) -> tuple[str, str | None]:
    """Run validate (arch and models) and map on one case; (outcome, problem or None)."""
    arch, models, out = folder / "arch.yaml", folder / "models.yaml", folder / "out.json"
    arch_bytes, models_bytes = arch_text.encode("utf-8"), models_text.encode("utf-8")
    arch.write_bytes(arch_bytes)
    models.write_bytes(models_bytes)
    validate = harness.cli(["validate", str(arch), str(models)])
    if validate.code not in (0, 1):
        return "broken", harness.error_problem(validate) or f"validate exit {validate.code}"
    if validate.code == 1:
        bad = [line for line in validate.err.splitlines()
               if not line.startswith("grcim validate: error: ")]
        if "Traceback" in validate.err or bad:
            return "broken", f"validate stderr: {validate.err[-1500:]}"
    run = harness.cli(["map", "--arch", str(arch), "--models", str(models), "--phase",
                       phase, "--json", str(out)])
    problem = None
    if run.code == 0:
        outcome = "mapped"
        problem = harness.json_problem(out.read_text(encoding="utf-8")) if out.exists() \
            else "exit 0 without the --json file"
        if validate.code != 0:
            problem = problem or f"validate refused what map accepts: {validate.err}"
    else:
        problem = harness.error_problem(run)
        if out.exists():
            problem = problem or "an error left the --json file"
        if validate.code == 0:
            outcome = "domain error"
            if not any(e in run.err for e in harness.domain_errors):
                problem = problem or f"validate passed but map refused: {run.err}"
        else:
            outcome = "refused"
    if arch.read_bytes() != arch_bytes or models.read_bytes() != models_bytes:
        problem = problem or "an input file was modified"
    left = harness.temporaries(folder)
    if left:
        problem = problem or f"temporary files left: {left}"
    return outcome, problem


def test_arch_files_through_validate_and_map(tmp_path: Path, capsys, harness, tally) -> None:
    counter = iter(range(10**9))

    @settings(parent=harness.settings, max_examples=400)
    @given(text=arch_texts(), phase=st.sampled_from(["prefill", "decode"]))
    def case(text: str, phase: str) -> None:
        folder = tmp_path / f"c{next(counter)}"
        folder.mkdir()
        try:
            outcome, problem = _map_case(harness, folder, text, MODELS_TEXT, phase)
        except Exception as exc:  # a bug in the harness itself is a failure too
            outcome, problem = "harness error", repr(exc)
        tally.record(outcome, problem, text)

    case()
    tally.finish(capsys, minimum=300)


# ----------------------------------------------------------------------------- models files
MODEL_FIELDS = ["d_model", "n_heads", "n_kv_heads", "head_dim", "d_ff", "n_layers", "vocab",
                "max_context", "ffn", "norm", "tied_embeddings", "positional", "biases",
                "position_embeddings", "decoupled_head_dim", "title", "name"]
SMALL_SIZES = [1, 2, 3, 4, 8, 16, 24, 64, 100, 1000]
BAD = [0, -1, 2**70, 2**24 + 1, 1.5, "16", "x", None, True, [], {}, float("inf"),
       float("nan"), "__import__('os')", "\udc80"]


@st.composite
def models_texts(draw: st.DrawFn) -> str:
    entry = copy.deepcopy(TINY_MODEL)
    doc: dict[str, Any] = {"default": "tiny-llama", "models": {"tiny-llama": entry}}
    if draw(st.booleans()):  # meant to load: a consistent shape, small enough to map fast
        heads = draw(st.sampled_from([1, 2, 4, 8]))
        head_dim = draw(st.sampled_from([2, 4, 8, 16]))
        entry.update(d_model=heads * head_dim, n_heads=heads, head_dim=head_dim,
                     n_kv_heads=draw(st.sampled_from([k for k in (1, 2, 4, 8)
                                                      if heads % k == 0])),
                     d_ff=draw(st.sampled_from([4, 24, 100, 1000])),
                     n_layers=draw(st.sampled_from([1, 2, 3])),
                     vocab=draw(st.sampled_from([10, 50, 1000, 50000])),
                     max_context=draw(st.sampled_from([16, 64, 2048])),
                     ffn=draw(st.sampled_from(["gelu", "relu", "swiglu"])),
                     norm=draw(st.sampled_from(["layernorm", "rmsnorm"])),
                     tied_embeddings=draw(st.booleans()), biases=draw(st.booleans()))
        return yaml.safe_dump(doc, sort_keys=False)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["size", "size", "size", "bad", "delete", "rename",
                                     "default", "second"]))
        fld = draw(st.sampled_from(MODEL_FIELDS))
        if kind == "size":  # n_layers stays small: the graph has ~20 ops per layer
            entry[fld] = draw(st.sampled_from([1, 2, 3] if fld == "n_layers" else SMALL_SIZES))
        elif kind == "bad":
            entry[fld] = draw(st.sampled_from(BAD))
        elif kind == "delete":
            entry.pop(fld, None)
        elif kind == "rename":
            doc["models"] = {draw(st.sampled_from(["", "list", "Big", "a b", "x" * 70,
                                                   "ok-2"])): entry}
            doc["default"] = None
        elif kind == "default":
            doc["default"] = draw(st.sampled_from(["nope", "", None, 3]))
        else:
            doc["models"]["second"] = dict(entry)
    doc = {k: v for k, v in doc.items() if v is not None}
    try:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=False)
    except yaml.YAMLError:  # pragma: no cover - every value above is dumpable
        return "models: {}\n"


def test_models_files_through_validate_and_map(tmp_path: Path, capsys, harness,
                                               tally) -> None:
    counter = iter(range(10**9))

    @settings(parent=harness.settings, max_examples=120)
    @given(text=models_texts(), phase=st.sampled_from(["prefill", "decode"]))
    def case(text: str, phase: str) -> None:
        folder = tmp_path / f"c{next(counter)}"
        folder.mkdir()
        try:
            outcome, problem = _map_case(harness, folder, TINY_CHIP, text, phase)
        except Exception as exc:
            outcome, problem = "harness error", repr(exc)
        tally.record(outcome, problem, text)

    case()
    tally.finish(capsys, minimum=100)


# ----------------------------------------------------------------------------- table sweeps
# Components whose points cost microseconds (gr_mac and the gain stage compute operating
# points, about a second each): the sweep parser and the output checks are what is fuzzed.
COMPONENTS = ["cim_dac", "grcim_adc", "exponent_normalizer", "nope"]
ATTRS = ["n_bits", "n_dacs", "n_adcs", "throughput", "tech_node", "adc_law", "pipeline",
         "sqnr_target_db", "n_rows", "bogus", "1x", ""]
VALUES = ["4", "8", "0", "-3", "1e9", "1e-9", "inf", "nan", "none", "auto", "thermal",
          "walden", "hwcomponents", "2:8:2", "8:2:1", "1:3:0", "0:1e7:1", "1,2,,3", "x",
          "28e-9", "1e400", "4,6"]


#: Attribute values each component accepts (the half of the cases meant to succeed).
GOOD = {
    "cim_dac": {"n_bits": ["1", "4", "8", "2:8:2"], "n_dacs": ["1", "64", "1,16"],
                "tech_node": ["28e-9", "22e-9,7e-9"]},
    "grcim_adc": {"n_bits": ["4", "6", "8", "4:10:2"], "throughput": ["1e6", "1e8,1e9"],
                  "adc_law": ["thermal", "walden,envelope", "hwcomponents"],
                  "n_adcs": ["1", "32"]},
}
REQUIRED = {"cim_dac": "n_bits", "grcim_adc": "n_bits"}


@st.composite
def table_argvs(draw: st.DrawFn) -> list[str]:
    if draw(st.booleans()):  # meant to succeed: known attributes, values in range
        component = draw(st.sampled_from(sorted(GOOD)))
        keys = draw(st.lists(st.sampled_from(sorted(GOOD[component])), unique=True,
                             max_size=3))
        if REQUIRED[component] not in keys:
            keys.append(REQUIRED[component])
        argv = ["table", component]
        for key in keys:
            value = draw(st.sampled_from(GOOD[component][key]))
            argv += ["--sweep" if ("," in value or ":" in value) else "--set",
                     f"{key}={value}"]
        return [*argv, "--format", draw(st.sampled_from(["csv", "json", "yaml"]))]
    argv = ["table", draw(st.sampled_from(COMPONENTS))]
    for _ in range(draw(st.integers(0, 3))):
        option = draw(st.sampled_from(["--set", "--sweep", "--sweep"]))
        argv += [option, f"{draw(st.sampled_from(ATTRS))}={draw(st.sampled_from(VALUES))}"]
    if draw(st.booleans()):
        argv += ["--action", draw(st.sampled_from(["convert", "read", "nope"]))]
    argv += ["--format", draw(st.sampled_from(["csv", "json", "yaml", "text", "xml"]))]
    return argv


def test_table_sweeps(tmp_path: Path, capsys, harness, tally) -> None:
    counter = iter(range(10**9))

    @settings(parent=harness.settings, max_examples=150)
    @given(argv=table_argvs())
    def case(argv: list[str]) -> None:
        folder = tmp_path / f"c{next(counter)}"
        folder.mkdir()
        out = folder / "table.out"
        run = harness.cli([*argv, "--out", str(out)])
        problem = None
        if run.code == 0:
            outcome = "table"
            text = out.read_text(encoding="utf-8") if out.exists() else None
            if text is None:
                problem = "exit 0 without the --out file"
            elif "json" in argv:
                problem = harness.json_problem(text)
            elif "csv" in argv:
                problem = harness.csv_problem(text)
        else:
            outcome = "refused"
            problem = harness.error_problem(run) or ("an error left the --out file"
                                                     if out.exists() else None)
        problem = problem or (f"temporary files: {harness.temporaries(folder)}"
                              if harness.temporaries(folder) else None)
        tally.record(outcome, problem, " ".join(argv))

    case()
    tally.finish(capsys, minimum=120)


@pytest.mark.parametrize("options", [["--sweep", "n_bits=4:8:2"],
                                     ["--set", "n_bits=6", "--sweep", "throughput=1e6,1e8"]])
def test_a_valid_sweep_writes_finite_numbers(tmp_path: Path, harness,
                                             options: list[str]) -> None:
    """A control case: the harness's checks pass on a normal table (they can pass), and
    catch a planted NaN cell (they can fail)."""
    out = tmp_path / "t.csv"
    run = harness.cli(["table", "grcim_adc", *options, "--format", "csv", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert run.code == 0 and harness.csv_problem(text) is None
    assert harness.csv_problem(text.replace(",", ",nan,", 1)) is not None
