"""Fuzz the models-file loader: any mutation yields valid configs or a GrcimError, nothing else.

Mutations act on the data (wrong types, missing keys, negative or huge sizes, strings that
look like code, deep nesting, odd model names) and then on the YAML text (characters
inserted, deleted or replaced). About 200 random examples per run (no example database),
about a second.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grcim.errors import GrcimError
from grcim.workloads import ModelConfig, build_graph, load_model_configs

ENTRY: dict[str, Any] = {
    "title": "Fuzz base", "d_model": 64, "n_heads": 4, "n_kv_heads": 2, "head_dim": 16,
    "d_ff": 128, "n_layers": 2, "vocab": 100, "ffn": "swiglu", "norm": "rmsnorm",
    "tied_embeddings": False, "positional": "rope", "biases": False, "max_context": 256,
}
FIELDS = [*ENTRY, "position_embeddings", "decoupled_head_dim", "source", "name"]

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)


def nested(depth: int) -> Any:
    value: Any = 1
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


BAD_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=70000),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
    st.sampled_from(["__import__('os')", "eval('1')", "${HOME}", "1e400", "0x40", "nan",
                     "{{ 7*7 }}", "64", "!!python/object/apply:os.system"]),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(TEXT, st.integers(), max_size=3),
    st.integers(min_value=1, max_value=120).map(nested),
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    entry = copy.deepcopy(ENTRY)
    doc: Any = {"models": {"fuzz": entry}}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        action = draw(st.sampled_from(
            ["tweak", "tweak", "set", "set", "set", "delete", "rename", "entry", "models",
             "default"]))
        if action == "tweak":  # an in-range size: often still valid, or a cross-field error
            field = draw(st.sampled_from(["d_model", "n_heads", "n_kv_heads", "head_dim",
                                          "d_ff", "n_layers", "vocab", "max_context"]))
            entry[field] = draw(st.sampled_from([1, 2, 4, 8, 16, 64, 256, 3, 1000]))
        elif action == "set":
            entry[draw(st.sampled_from(FIELDS))] = draw(BAD_VALUES)
        elif action == "delete" and entry:
            entry.pop(draw(st.sampled_from(sorted(entry))), None)
        elif action == "rename":
            key = draw(st.one_of(TEXT, st.integers(), st.booleans(), st.sampled_from(["list"])))
            doc["models"] = {key: entry}
        elif action == "entry":
            doc["models"] = {"fuzz": draw(BAD_VALUES)}
        elif action == "models":
            doc["models"] = draw(BAD_VALUES)
        elif action == "default":
            doc["default"] = draw(st.one_of(st.just("fuzz"), BAD_VALUES))
    # now and then the whole document is something else entirely
    return draw(st.one_of(st.just(doc), st.just(doc), st.just(doc), BAD_VALUES))


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    text = yaml.safe_dump(draw(mutated_documents()), sort_keys=False)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if not text:
            break
        i = draw(st.integers(min_value=0, max_value=len(text) - 1))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from([":", "-", " ", "\n", "[", "{", "&a", "*a", "!", "'",
                                     "\t", "\x00", "9", "#"]))
        if kind == "insert":
            text = text[:i] + char + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i] + char + text[i + 1:]
    return text


def test_fuzz_models_yaml() -> None:
    counts = {"cases": 0, "valid": 0, "errors": 0}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "models.yaml"

        @settings(max_examples=200, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(text=mutated_text())
        def check(text: str) -> None:
            counts["cases"] += 1
            path.write_text(text, encoding="utf-8")
            try:
                configs = load_model_configs(path)
            except GrcimError as exc:
                assert "\n" not in str(exc)
                counts["errors"] += 1
                return
            assert configs and all(isinstance(c, ModelConfig) for c in configs.values())
            for config in configs.values():  # a valid config must also build
                build_graph(config, "decode", context=min(8, config.max_context))
            counts["valid"] += 1

        check()
    print(f"fuzzed models YAML: {counts['cases']} cases, {counts['valid']} valid, "
          f"{counts['errors']} GrcimError")
    assert counts["cases"] >= 100
