"""Entry point of the ``grcim`` command.

Signals: from the first line of :func:`main`, Ctrl-C (SIGINT) and SIGTERM become
exceptions, so every ``finally`` runs (temporary output files are removed) and the command
ends with one line, ``grcim: interrupted`` (exit 130) or ``grcim: terminated`` (exit 143),
never a traceback, even while the command modules are still being imported. A second
signal during that clean-up is ignored. Forked worker processes (``paper --jobs``) die by
the signal's default action instead.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import NoReturn

# Command-group modules under grcim.cli, each defining register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("paper", "workload", "arch", "validate", "table", "plugins",
                                    "map", "compare")


class Terminated(BaseException):
    """SIGTERM, raised like ``KeyboardInterrupt`` so clean-up code runs."""


class OneLineParser(argparse.ArgumentParser):
    """argparse parser whose usage errors are a single line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    from grcim import __version__

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


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGINT -> KeyboardInterrupt, SIGTERM -> Terminated, once; restored on exit."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    owner = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked worker: die as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # clean-up must not be cut short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _run(argv: Sequence[str] | None) -> int:
    from grcim.errors import GrcimError

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


def main(argv: Sequence[str] | None = None) -> int:
    with _signals():
        try:
            # Paths and texts echoed to the terminal may hold undecodable bytes (a file
            # name from the shell): show them escaped instead of failing to print.
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(AttributeError, ValueError):
                    stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
            return _run(argv)
        except KeyboardInterrupt:
            print("grcim: interrupted", file=sys.stderr)
            return 130
        except Terminated:
            print("grcim: terminated", file=sys.stderr)
            return 143


if __name__ == "__main__":
    raise SystemExit(main())
