"""Option parsing and console helpers shared by the command modules."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from grcim.errors import SpecError

__all__ = ["CMDLINE", "int_option", "console", "check_writable", "check_distinct"]

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


def check_writable(option: str, path: str | os.PathLike[str] | None, directory: bool = False
                   ) -> None:
    """Fail early, with one line, when an output path cannot be written.

    ``directory``: the output is a directory (it may exist); otherwise a file, which must
    not be an existing directory. The nearest existing ancestor must be a writable
    directory, so the missing parents can be created.
    """
    if path is None:
        return
    p = Path(path)
    if str(path) == "":
        raise SpecError(CMDLINE, option, str(path), "a non-empty path")
    if p.exists():
        if directory and not p.is_dir():
            raise SpecError(CMDLINE, option, str(p), "a directory path (this is a file)")
        if not directory and p.is_dir():
            raise SpecError(CMDLINE, option, str(p), "a file path, not a directory")
    parent = p.parent if not p.exists() else (p if directory else p.parent)
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise SpecError(CMDLINE, option, str(p), f"a path under a directory ({parent} is a file)")
    try:  # a real probe: permission bits say nothing for root or special file systems
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".grcim-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SpecError(CMDLINE, option, str(p),
                        f"a writable location ({parent}: {exc.strerror})") from None


def check_distinct(outputs: Iterable[tuple[str, str | os.PathLike[str] | None]]) -> None:
    """Two output options must not name the same file."""
    seen: dict[Path, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        key = Path(path).resolve()
        if key in seen:
            raise SpecError(CMDLINE, option, str(path), f"a different path from {seen[key]}")
        seen[key] = option
