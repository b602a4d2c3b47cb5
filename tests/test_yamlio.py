"""grcim.yamlio: every malformed input becomes a one-line SpecError naming file and line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grcim import yamlio
from grcim.errors import SpecError
from grcim.yamlio import (
    LIBYAML,
    MAX_ALIASES,
    MAX_BYTES,
    MAX_DEPTH,
    _loader_class,
    load_yaml_text,
    read_bytes_capped,
    read_text_file,
)


def test_lines_and_tags_are_kept() -> None:
    data = load_yaml_text("a: 1\nb: !Memory\n  size: 2\n", "f.yaml")
    assert data == {"a": 1, "b": {"size": 2}}
    assert data.lines == {"a": 1, "b": 2} and data["b"].tag == "Memory"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('"\\U900010000": 0\n', "not valid YAML"),  # escape beyond Unicode (found by fuzzing)
        ("a: 1\na: 2\n", "duplicate key"),
        ("a: [1, 2\n", "not valid YAML"),
        ("? [1, 2]\n: 3\n", "mapping keys must be scalars"),
        ("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", "levels of nesting"),
        ("a: &x 1\n" + "".join(f"b{i}: *x\n" for i in range(MAX_ALIASES + 1)), "aliases"),
    ],
)
def test_bad_yaml_is_a_spec_error(text: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        load_yaml_text(text, "f.yaml")
    msg = str(info.value)
    assert msg.startswith("f.yaml") and fragment in msg and "\n" not in msg


# ---------------------------------------------------------------------------------------
# Issue 12: the C loader with the same line-numbered errors; the input policy (R12, R13);
# one parse per command (R20); no lone surrogates (R11).

MALFORMED = [  # (text, 1-based line of the problem, counted by hand)
    ("a: 1\nb: [1, 2\n", 3),          # unclosed flow sequence: reported at the stream end
    ("a: b: c\n", 1),
    ("a:\n  - 1\n - 2\n", 3),
    ("{a: 1\n", 2),
    ("a: 'x\n", 2),
    ("- a\nb: 1\n", 2),
    ("a: *x\n", 1),
    ("x: 1\ny: \x07\n", 2),            # a control character
    ('a: 1\n"\\U900010000": 0\n', 2),  # an escape beyond Unicode
    ('a: 1\nb: "\\udc80"\n', 2),       # a lone surrogate escape
]


@pytest.mark.skipif(not LIBYAML, reason="PyYAML was built without libyaml (optional C "
                    "extension): only the pure-Python loader exists")
@pytest.mark.parametrize(("text", "line"), MALFORMED)
def test_c_and_pure_loaders_give_the_same_line(text: str, line: int) -> None:
    errors = []
    for pure in (False, True):
        with pytest.raises(SpecError) as info:
            load_yaml_text(text, "f.yaml", pure=pure)
        errors.append(info.value)
    assert [e.line for e in errors] == [line, line]
    assert all(str(e).startswith(f"f.yaml:{line}: ") and "\n" not in str(e) for e in errors)


@pytest.mark.skipif(not LIBYAML, reason="PyYAML was built without libyaml (optional C "
                    "extension): nothing to compare the pure-Python loader with")
def test_c_loader_is_used_and_keeps_lines_and_tags() -> None:
    assert _loader_class(pure=False).__mro__[1] is yaml.CSafeLoader
    text = "a: 1\nb: !Memory\n  size: 2\n  c: [x, {d: 3}]\n"
    fast, slow = load_yaml_text(text, "f.yaml"), load_yaml_text(text, "f.yaml", pure=True)
    assert fast == slow == {"a": 1, "b": {"size": 2, "c": ["x", {"d": 3}]}}
    assert fast.lines == slow.lines == {"a": 1, "b": 2}
    assert fast["b"].tag == "Memory" and fast["b"].lines == {"size": 3, "c": 4}


def test_lone_surrogates_in_text_are_refused() -> None:
    # R11: a "\udc80" escape made a string no output encoding can write
    for pure in (False, True):
        with pytest.raises(SpecError) as info:
            load_yaml_text('d: "ok"\ndescription: "\\udc80 chip"\n', "f.yaml", pure=pure)
        assert info.value.line == 2
    with pytest.raises(SpecError, match="surrogate"):
        load_yaml_text("a: \udc80\n", "f.yaml")


def _char_device() -> str:
    for name in ("/dev/zero", "/dev/null"):
        if os.path.exists(name) and stat.S_ISCHR(os.stat(name).st_mode):
            return name
    pytest.skip("no /dev/zero or /dev/null character device on this system")


def test_a_device_is_refused_without_reading() -> None:
    # R12: /dev/zero was read without end (the size limit only covered regular files)
    with pytest.raises(SpecError) as info:
        read_text_file(_char_device())
    assert "a character device" in str(info.value)


def test_an_allowed_device_is_capped_while_streaming() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(SpecError) as info:
        read_bytes_capped("/dev/zero", limit=1000, allow_special=True)
    assert "at most 1000 bytes" in str(info.value)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    # R13: opening a FIFO without a writer blocked forever. A subprocess with a timeout
    # keeps a regression from hanging the suite.
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    code = ("import sys\nfrom grcim.yamlio import read_text_file\nfrom grcim.errors import "
            f"SpecError\ntry:\n    read_text_file({str(fifo)!r})\nexcept SpecError as e:\n"
            "    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, check=False)
    assert "a FIFO" in proc.stdout and proc.returncode == 0, proc.stderr


def test_growing_regular_file_is_capped(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(SpecError, match=f"at most {MAX_BYTES} bytes"):
        read_text_file(big)


def test_empty_path_is_refused() -> None:
    with pytest.raises(SpecError, match="non-empty"):
        read_text_file("")


def test_models_file_is_parsed_once_per_command(tmp_path: Path, monkeypatch) -> None:
    # R20: validate / workload list / map parsed a 4 MiB models file several times
    import yaml as pyyaml

    from grcim.cli.main import main

    models = tmp_path / "models.yaml"
    models.write_text(pyyaml.safe_dump({"models": {"tiny": {
        "d_model": 16, "n_heads": 4, "n_kv_heads": 2, "head_dim": 4, "d_ff": 24,
        "n_layers": 2, "vocab": 50, "ffn": "swiglu", "norm": "rmsnorm",
        "tied_embeddings": False, "positional": "rope", "biases": False,
        "max_context": 64}}}), encoding="utf-8")
    constructed = []
    original = yamlio._mapping

    def counting(loader, node, tag=None):
        if node.start_mark.line == 0:  # the document's top-level mapping
            constructed.append(1)
        return original(loader, node, tag)

    for cls in yamlio._LOADERS:
        monkeypatch.setitem(cls.yaml_constructors, "tag:yaml.org,2002:map", counting)
    for argv in (["validate", str(models)], ["workload", "list", "--models", str(models)]):
        yamlio._parse.cache_clear()
        constructed.clear()
        assert main(argv) == 0
        assert len(constructed) == 1, argv


# ---------------------------------------------------------------------------------------
# A key written after ``<<: *anchor`` overrides the merged one (YAML's merge rule); only a
# key written twice in the mapping itself is a duplicate. The check ran after the merge
# was inlined, so every override was refused as "duplicate key".

MERGES = [  # (text, expected data)
    ("b: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", {"x": 1, "y": 3}),
    ("b: &b {x: 1, y: 2}\nd:\n  y: 3\n  <<: *b\n", {"x": 1, "y": 3}),  # order irrelevant
    ("a: &a {x: 1}\nb: &b {x: 2, z: 0}\nd:\n  <<: [*a, *b]\n  z: 5\n", {"x": 1, "z": 5}),
    # an anchor that merges and overrides, first flattened inside another merge, then
    # aliased: its own keys are still told apart from the merged ones
    ("a: &a {x: 1}\nc: {<<: &b {<<: *a, x: 2}, y: 1}\nd: *b\n", {"x": 2}),
]


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize(("text", "expected"), MERGES)
def test_explicit_keys_override_merged_ones(text: str, expected: dict, pure: bool) -> None:
    data = load_yaml_text(text, "f.yaml", pure=pure)
    assert data["d"] == expected


@pytest.mark.parametrize("pure", [False, True])
def test_override_keeps_the_line_of_the_explicit_key(pure: bool) -> None:
    data = load_yaml_text("b: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", "f.yaml", pure=pure)
    assert data["d"].lines == {"x": 1, "y": 4}


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize("text", [
    "b: &b {x: 1}\nd:\n  <<: *b\n  y: 3\n  y: 4\n",   # twice after a merge
    "b: &b {x: 1}\nd:\n  y: 3\n  <<: *b\n  y: 4\n",   # twice around a merge
])
def test_a_key_written_twice_is_still_a_duplicate(text: str, pure: bool) -> None:
    with pytest.raises(SpecError) as info:
        load_yaml_text(text, "f.yaml", pure=pure)
    assert str(info.value) == "f.yaml:5: y = 'y': duplicate key"


# ---------------------------------------------------------------------------------------
# Spellings YAML 1.1 (PyYAML, grcim) and YAML 1.2 (ruamel.yaml, AccelForge) read
# differently are refused: `n_macros: 010` was 8 chips in grcim and 10 in AccelForge.

# (token, what to write, counted by hand): 010 octal = 8; 0400 octal = 4 * 64 = 256;
# 4:16 base 60 = 4 * 60 + 16 = 256; 1:30.5 = 60 + 30.5 = 90.5
AMBIGUOUS = [
    ("010", "write 10, or 8 if octal was meant"),
    ("0400", "write 400, or 256 if octal was meant"),
    ("-010", "write -10, or -8 if octal was meant"),
    ("08", "write 8"),                 # 1.1: text (no octal 8), 1.2: 8
    ("00", "write 0"),                 # the same 0 in both, refused with every leading zero
    ("4:16", "write 256 if"),
    ("1:30.5", "write 90.5 if"),
    ("yes", "true or false"),
    ("Off", "true or false"),
    ("!!int 010", "write 10"),         # explicit tag: 8 in PyYAML, 10 in ruamel.yaml
]
SAME_IN_BOTH = [("0", 0), ("-0", 0), ("12", 12), ("0x1F", 31), ("-0x1F", -31), ("0b101", 5),
                ("1_000", 1000), ("0.5", 0.5), ("01.5", 1.5), ("true", True), ("y", "y"),
                ("'010'", "010"), ('"4:16"', "4:16"), ('"yes"', "yes"), ("1:60", "1:60")]


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize(("token", "advice"), AMBIGUOUS)
def test_a_spelling_yaml_1_1_and_1_2_read_differently_is_refused(token: str, advice: str,
                                                                  pure: bool) -> None:
    with pytest.raises(SpecError) as info:
        load_yaml_text(f"arch:\n  variables:\n    n_macros: {token}\n", "f.yaml", pure=pure)
    err = info.value
    assert (err.file, err.line, err.key) == ("f.yaml", 3, "arch.variables.n_macros")
    assert err.value == token.removeprefix("!!int ") and advice in err.allowed
    assert "YAML 1.2" in err.allowed and "\n" not in str(err)


@pytest.mark.parametrize(("text", "key", "line"), [
    ("010: a\n", "010", 1),                      # a key
    ("a:\n- 1\n- 4:16\n", "a.1", 3),             # a list item
    ("a: &x yes\nb: *x\n", "a", 1),              # named where the anchor is
])
def test_the_refusal_names_the_key_path(text: str, key: str, line: int) -> None:
    with pytest.raises(SpecError) as info:
        load_yaml_text(text, "f.yaml")
    assert (info.value.key, info.value.line) == (key, line)


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize(("token", "value"), SAME_IN_BOTH)
def test_spellings_both_versions_read_alike_stay(token: str, value: object, pure: bool) -> None:
    got = load_yaml_text(f"v: {token}\n", "f.yaml", pure=pure)["v"]
    assert got == value and type(got) is type(value)


def test_the_two_lists_match_what_ruamel_yaml_reads() -> None:
    # The reference: AccelForge's loader (ruamel.yaml, YAML 1.2) against plain PyYAML
    ruamel = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml comes with accelforge")
    rt = ruamel.YAML(typ="rt")

    def kind(v: object) -> tuple[str, object]:
        if isinstance(v, bool) or v is None:
            return ("const", v)
        if isinstance(v, int | float):
            return ("number", float(v))
        return ("text", str(v))

    for token, _ in AMBIGUOUS:
        if token == "00":
            continue
        assert kind(yaml.safe_load(f"v: {token}\n")["v"]) != kind(rt.load(f"v: {token}\n")["v"])
    for token, value in SAME_IN_BOTH:
        assert kind(rt.load(f"v: {token}\n")["v"]) == kind(value), token


# ---------------------------------------------------------------------------------------
# every_scalar_path: a scalar reached through an alias or a merge is at every path that
# reaches it (arch quoting reads how each was written from it).

@pytest.mark.parametrize("text", [
    "a: &m {x: 1, y: [2, 3]}\nb: *m\nc: {<<: *m, y: 4}\n",
    *(t for t, _ in MERGES),
])
def test_every_scalar_path_matches_the_loaded_data(text: str) -> None:
    def leaves(data: object, path: tuple) -> set[tuple]:
        if isinstance(data, dict):
            return set().union(*(leaves(v, (*path, k)) for k, v in data.items()))
        if isinstance(data, list):
            return set().union(*(leaves(v, (*path, i)) for i, v in enumerate(data)))
        return {path}

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    paths = [p for p, _ in yamlio.every_scalar_path(root, "f.yaml", 1000)]
    assert len(paths) == len(set(paths))
    assert set(paths) == leaves(load_yaml_text(text, "f.yaml"), ())


def test_every_scalar_path_is_bounded() -> None:
    text = "a: &a [1, 1, 1, 1]\n" + "".join(
        f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}]\n" for p, k in zip("abcdefg", "bcdefgh", strict=True))
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # 4**8 = 65536 leaves under h
    with pytest.raises(SpecError) as info:
        list(yamlio.every_scalar_path(root, "f.yaml", 1000))
    assert "at most 1000" in info.value.allowed and info.value.file == "f.yaml"
