"""Every error a grcim user can cause.

Each class stores structured fields and prints exactly one line, so the CLI can show it
without a traceback. Anything that is not a ``GrcimError`` is a bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["GrcimError", "SpecError", "ModelDomainError", "MappingError", "CMDLINE",
           "did_you_mean", "shown"]

_SPACES = re.compile("[ \t\r\n]+")

CMDLINE = "<command line>"
"""``SpecError.file`` of a value given on the command line (or by a library caller)."""


def shown(value: Any, width: int = 80) -> str:
    """``repr(value)`` cut to ``width`` characters (``...`` at the end), for a message's one
    line; Python refuses to print an integer of more than 4300 digits, alone or inside a
    list, so such a value is described instead."""
    try:
        text = repr(value)  # repr escapes every character str.isprintable() refuses
    except ValueError:
        if isinstance(value, int):
            return f"<an integer of about {value.bit_length() * 0.30103:.0f} digits>"
        return "<a value holding an integer too long to print>"
    return text if len(text) <= width else text[:width - 3] + "..."



def did_you_mean(key: object, allowed: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` naming the allowed key closest to ``key``, or ``""``: the
    hint every unknown-key error gives before listing the keys."""
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped as Python writes it (``\\n``,
    ``\\x1b``, ``\\u2028``), so a message never carries a raw control character.

    Error messages quote user text (a YAML key, a file name, a value); an ESC sequence there
    would reach the terminal (``\\x1b[2J`` clears it) and a newline would split the one line
    every error is.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def one_line(text: str) -> str:
    """A message as one line: runs of spaces, tabs and line breaks become one space (the
    program's own wrapping), then anything else non-printable is escaped
    (:func:`printable`)."""
    return printable(_SPACES.sub(" ", text).strip(" "))


class GrcimError(Exception):
    """Base class of user-caused errors; ``str()`` is a single, printable line."""

    def __str__(self) -> str:
        return one_line(str(self.args[0])) if self.args else type(self).__name__


class SpecError(GrcimError, ValueError):
    """A value in an input file (YAML) or on the command line is not allowed.

    Attributes
    ----------
    file : str
        File the value came from, or :data:`CMDLINE`.
    key : str
        Dotted path of the key (``arch.nodes.3.size``).
    value : Any
        The offending value.
    allowed : str
        What would have been accepted.
    line : int | None
        1-based line number in ``file`` when known.
    """

    def __init__(
        self, file: str, key: str, value: Any, allowed: str, line: int | None = None
    ) -> None:
        super().__init__(file, key, value, allowed, line)
        self.file, self.key, self.value, self.allowed, self.line = file, key, value, allowed, line

    def __str__(self) -> str:
        # file and key are user text: every control character is escaped, line breaks
        # included (a key "a\\nb" is shown so, not as "a b")
        where = f"{printable(str(self.file))}:{self.line}" if self.line else printable(
            str(self.file))
        return f"{where}: {printable(str(self.key))} = {shown(self.value)}: " + one_line(
            str(self.allowed))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.key, self.value, self.allowed, self.line))


class ModelDomainError(GrcimError, ValueError):
    """A model was asked for a parameter outside the range it covers.

    Attributes
    ----------
    item : str
        Parameter name (``n_bits``, ``sqnr_target_db``, ``format``).
    value : Any
        The value asked for.
    allowed : str
        The range or set the model covers.
    """

    def __init__(self, item: str, value: Any, allowed: str) -> None:
        super().__init__(item, value, allowed)
        self.item, self.value, self.allowed = item, value, allowed

    def __str__(self) -> str:
        return f"{printable(str(self.item))} = {shown(self.value)}: {one_line(str(self.allowed))}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.item, self.value, self.allowed))


class MappingError(GrcimError, RuntimeError):
    """A workload cannot be mapped onto an architecture (says what does not fit where)."""
