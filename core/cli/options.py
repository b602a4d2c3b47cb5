"""Option parsing and console helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.console import Console

from grcim.errors import CMDLINE, SpecError

__all__ = ["CMDLINE", "add_command", "int_option", "console", "check_writable",
           "check_distinct"]


def add_command(subparsers: Any, run: Callable[[argparse.Namespace], int], help: str,  # noqa: A002
                description: str) -> argparse.ArgumentParser:
    """The parser of the sub-command that ``run``'s module implements, set to run it.

    The command is named as its module (``grcim.cli.main.COMMAND_MODULES`` lists them), so
    a module states only its help, its description and its options.
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        run.__module__.rsplit(".", 1)[-1], help=help, description=description)
    p.set_defaults(func=run)
    return p


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


def check_writable(option: str, path: str | os.PathLike[str] | None, directory: bool = False
                   ) -> None:
    """Fail early, with one line, when an output path breaks the output policy
    (:func:`grcim.cli.outputs.check_outputs` for this one output)."""
    from grcim.cli.outputs import DIRECTORY, FILE, check_outputs

    check_outputs([(option, path, DIRECTORY if directory else FILE)])


def check_distinct(outputs: Iterable[tuple[str, str | os.PathLike[str] | None]]) -> None:
    """Two output options must not name the same file."""
    seen: dict[Path, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        key = Path(os.path.realpath(path))
        if key in seen:
            raise SpecError(CMDLINE, option, str(path), f"a different path from {seen[key]}")
        seen[key] = option
