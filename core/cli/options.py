"""Option parsing and console helpers shared by the command modules."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console

from grcim.errors import CMDLINE, ModelDomainError, SpecError

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


#: Step fields the workload check and the arch/models loaders name, and the ``map`` /
#: ``compare`` options that set them.
STEP_OPTIONS = {"batch": "--batch", "tokens": "--tokens", "context": "--context",
                "phase": "--phase", "arch": "--arch", "workload": "--workload"}


@contextmanager
def options_named(option_of: Mapping[str, str]) -> Iterator[None]:
    """Errors about a command-line value name the option the user typed (``--tokens = 4``),
    not the library's field (``tokens = 4``); an error naming a key of a file is kept."""
    try:
        yield
    except ModelDomainError as exc:
        if exc.item not in option_of:
            raise
        raise SpecError(CMDLINE, option_of[exc.item], exc.value, exc.allowed) from None
    except SpecError as exc:
        if exc.file != CMDLINE or exc.key not in option_of:
            raise  # a key of an arch or workload file: that file names it
        raise SpecError(CMDLINE, option_of[exc.key], exc.value, exc.allowed) from None

