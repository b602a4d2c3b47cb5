"""Entry point of the ``grcim`` command.

Signals: from the first line of :func:`main`, Ctrl-C (SIGINT) and SIGTERM become
exceptions, so every ``finally`` runs (temporary output files are removed) and the command
ends with one line, ``grcim: interrupted`` (exit 130) or ``grcim: terminated`` (exit 143),
never a traceback, even while the command modules are still being imported. A second
signal during that clean-up is ignored. Forked worker processes (``paper --jobs``) die by
the signal's default action instead.

A handler that fires while Python runs a weakref callback, a ``__del__`` or a garbage
collector callback cannot raise into the program: Python prints the exception as
"Exception ignored in ..." and carries on, so the signal would be lost behind a traceback
(seen: SIGINT during an import's weakref clean-up ended with exit 0 and that traceback).
``sys.unraisablehook`` catches such an interrupt silently and raises it again a moment
later from SIGALRM, outside the callback.
"""

from __future__ import annotations

# Only what main() needs before it installs its signal handlers: every import here widens
# the window in which Ctrl-C still gives Python's KeyboardInterrupt traceback.
import os
import signal
import sys
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from types import FrameType
    from typing import Any

    # What signal.signal takes and returns (typeshed's alias is private).
    _Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

# Command-group modules under grcim.cli, each defining register(subparsers).
COMMAND_MODULES: tuple[str, ...] = ("paper", "workload", "arch", "validate", "table", "plugins",
                                    "map", "compare", "sweep", "export")


# Delay before an interrupt lost inside a callback is raised again (s): long enough for
# the unraisable hook to return, short enough to feel immediate.
REDELIVERY_DELAY_S = 0.01
_ALARM: signal.Signals | None = getattr(signal, "SIGALRM", None)  # None on Windows


class Terminated(BaseException):
    """SIGTERM, raised like ``KeyboardInterrupt`` so clean-up code runs."""


def _one_line_parser() -> type[argparse.ArgumentParser]:
    import argparse

    class OneLineParser(argparse.ArgumentParser):
        """argparse parser whose usage errors are a single line and exit 2."""

        def error(self, message: str) -> NoReturn:
            self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    return OneLineParser


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from grcim import __version__

    OneLineParser = _one_line_parser()  # noqa: N806 - a class
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


def _install_handlers() -> dict[signal.Signals, _Handler]:
    """SIGINT -> KeyboardInterrupt, SIGTERM -> Terminated, once; returns the previous
    handlers ({} outside the main thread, where handlers cannot be set)."""
    owner = os.getpid()

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:  # a forked worker: die as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # clean-up must not be cut short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    previous: dict[signal.Signals, _Handler] = {}
    try:
        for s in (signal.SIGINT, signal.SIGTERM):
            previous[s] = signal.signal(s, handler)
        if _ALARM is not None:  # POSIX: redeliver interrupts lost in callbacks
            previous[_ALARM] = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    except ValueError:  # not the main thread
        for s, h in previous.items():
            signal.signal(s, h)
        return {}
    if _ALARM in previous:
        sys.unraisablehook = _redelivering_hook(sys.unraisablehook, owner)
    return previous


def _redelivering_hook(default: Callable[[Any], object], owner: int) -> Callable[[Any], None]:
    """An unraisable-exception hook that takes an interrupt raised inside a callback and
    raises it again from SIGALRM shortly after; anything else goes to ``default``."""

    def hook(unraisable: Any) -> None:
        lost = unraisable.exc_value
        if os.getpid() != owner or not isinstance(lost, KeyboardInterrupt | Terminated):
            default(unraisable)
            return

        def again(signum: int, frame: FrameType | None) -> None:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            raise type(lost)  # inside another callback, this hook catches it once more

        signal.signal(signal.SIGALRM, again)
        # Later than this hook's own return, which must not be where it fires.
        signal.setitimer(signal.ITIMER_REAL, REDELIVERY_DELAY_S)

    return hook


def _run(argv: Sequence[str] | None) -> int:
    from grcim.errors import GrcimError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        # an interrupt that code between us and the signal wrapped in its own error (a
        # library that re-raises whatever it catches `from` it) is still the interrupt
        interrupt = _interrupt_in_chain(exc)
        if interrupt is not None:
            raise interrupt from None
        if isinstance(exc, GrcimError):
            print(f"grcim {args.command}: error: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError):  # an output the user named could not be written
            where = exc.filename or ""
            print(f"grcim {args.command}: error: {where}: cannot write ({exc.strerror})",
                  file=sys.stderr)
            return 1
        raise


def _interrupt_in_chain(exc: BaseException) -> KeyboardInterrupt | Terminated | None:
    """The ``KeyboardInterrupt`` / ``Terminated`` among ``exc``'s causes and contexts."""
    seen: set[int] = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        if isinstance(at, KeyboardInterrupt | Terminated):
            return at
        seen.add(id(at))
        at = at.__cause__ or at.__context__
    return None


def main(argv: Sequence[str] | None = None, *, last: bool = False) -> int:
    """Run one command; ``last``: the process exits right after, so a signal arriving
    then is ignored rather than handed back to Python's default (a shutdown traceback)."""
    previous_hook = sys.unraisablehook
    previous = _install_handlers()
    try:
        # Paths and texts echoed to the terminal may hold undecodable bytes (a file name
        # from the shell): show them escaped instead of failing to print.
        for stream in (sys.stdout, sys.stderr):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="backslashreplace")
        return _run(argv)
    except KeyboardInterrupt:
        print("grcim: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("grcim: terminated", file=sys.stderr)
        return 143
    finally:
        if _ALARM in previous:
            signal.signal(signal.SIGALRM, signal.SIG_IGN)  # a pending redelivery: dropped
            signal.setitimer(signal.ITIMER_REAL, 0.0)
        sys.unraisablehook = previous_hook
        for s, h in previous.items():
            signal.signal(s, signal.SIG_IGN if last else h)


def command() -> NoReturn:
    """The ``grcim`` console script."""
    raise SystemExit(main(last=True))


if __name__ == "__main__":
    command()
