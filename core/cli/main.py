"""Entry point of the ``grcim`` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from grcim import __version__
from grcim.errors import GrcimError

# Command-group modules under grcim.cli, each defining register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("paper", "workload", "arch", "validate", "table", "plugins",
                                    "map", "compare", "sweep", "export")


class OneLineParser(argparse.ArgumentParser):
    """argparse parser whose usage errors are a single line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="grcim",
        description="Floating-point analog CIM with Gain-Ranging MACs: physics, plug-ins, "
        "architectures, LLM workloads and mapping.",
    )
    parser.add_argument("--version", action="version", version=f"grcim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"grcim.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except GrcimError as exc:
        print(f"grcim {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # an output the user named could not be written
        where = exc.filename or ""
        print(f"grcim {args.command}: error: {where}: cannot write ({exc.strerror})",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("grcim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
