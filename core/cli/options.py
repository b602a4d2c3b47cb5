"""Option parsing and console helpers shared by the command modules."""

from __future__ import annotations

import re

from rich.console import Console

from grcim.errors import SpecError

__all__ = ["CMDLINE", "int_option", "console"]

CMDLINE = "<command line>"


def int_option(option: str, text: str, lo: int, hi: int, why: str = "") -> int:
    """Parse a decimal integer option and check ``lo <= value <= hi`` (one-line SpecError)."""
    allowed = f"an integer {lo}..{hi}{why}"
    if not re.fullmatch(r"[+-]?\d{1,30}", text.strip()):
        raise SpecError(CMDLINE, option, text, allowed)
    value = int(text)
    if not lo <= value <= hi:
        raise SpecError(CMDLINE, option, value, allowed)
    return value


def console() -> Console:
    """A rich console; 120 columns when not a terminal (pipe, file, test capture), where rich
    would otherwise assume 80 and squeeze the tables."""
    c = Console()
    return c if c.is_terminal else Console(width=120)
