"""grcim.errors: every message is one printable line, whatever user text it quotes."""

from __future__ import annotations

import pytest

from grcim.errors import GrcimError, MappingError, ModelDomainError, SpecError

ESC = "\x1b[2J"  # "clear the screen", if it reaches a terminal


def _printable(message: str) -> bool:
    return all(c.isprintable() for c in message)


def test_a_spec_error_escapes_its_file_and_key() -> None:
    err = SpecError(f"a\nb{ESC}.yaml", f"arch.variables.n_mac\nros{ESC}", 1, "a known key", 3)
    assert str(err) == ("a\\nb\\x1b[2J.yaml:3: arch.variables.n_mac\\nros\\x1b[2J = 1: "
                        "a known key")
    assert err.key == f"arch.variables.n_mac\nros{ESC}"  # the field keeps the text


def test_user_text_inside_the_allowed_part_is_escaped_too() -> None:
    # the program's own wrapping (line breaks, runs of spaces) still becomes one space
    err = SpecError("f.yaml", "k", "v", f"unknown;\n   did you mean 'x{ESC}'?\u2028", 1)
    assert str(err) == "f.yaml:1: k = 'v': unknown; did you mean 'x\\x1b[2J'?\\u2028"


@pytest.mark.parametrize("err", [
    GrcimError(f"arch {ESC}: no\n\tmacro"),
    MappingError(f"node '{ESC}' does not fit"),
    ModelDomainError(f"n_bits{ESC}", f"8{ESC}", f"1..20 {ESC}"),
])
def test_every_error_is_one_printable_line(err: GrcimError) -> None:
    message = str(err)
    assert _printable(message) and "\\x1b[2J" in message


def test_plain_messages_are_unchanged() -> None:
    assert str(SpecError("f.yaml", "a.b", 2, "at most 1", 4)) == "f.yaml:4: a.b = 2: at most 1"
    assert str(ModelDomainError("n_bits", 40, "1..20")) == "n_bits = 40: 1..20"
    assert str(GrcimError("one  line\n  wrapped")) == "one line wrapped"
