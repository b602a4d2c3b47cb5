"""grcim.yamlio: every malformed input becomes a one-line SpecError naming file and line."""

from __future__ import annotations

import pytest

from grcim.errors import SpecError
from grcim.yamlio import MAX_ALIASES, MAX_DEPTH, load_yaml_text


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
