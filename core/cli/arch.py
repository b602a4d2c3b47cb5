"""``grcim arch``: list the bundled architectures and show one.

``grcim arch list`` prints a table of the bundled archs (the default marked);
``grcim arch show NAME|FILE`` prints a summary of one arch. Values are SI inside;
:mod:`grcim.report.arch_summary` renders them in display units (nm, GHz, MiB, GB/s, pJ,
mm²).
"""

from __future__ import annotations

import argparse
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grcim.arch import DEFAULT_ARCH, list_bundled, load_arch
from grcim.report.arch_summary import LIST_COLUMNS, list_row, summary_rows

__all__ = ["register", "run_list", "run_show"]


def register(subparsers: Any) -> None:
    """Add the ``arch`` sub-command with ``list`` and ``show``."""
    p = subparsers.add_parser(
        "arch",
        help="list the bundled CIM architectures or show one",
        description="Bundled macro and chip architectures (AccelForge arch YAML).",
    )
    sub = p.add_subparsers(dest="arch_command", metavar="ACTION", parser_class=type(p))
    sub.required = True
    p_list = sub.add_parser("list", help="table of the bundled archs (* = default)")
    p_list.set_defaults(func=run_list)
    p_show = sub.add_parser("show", help="summary of one arch")
    p_show.add_argument("name", metavar="NAME", help="bundled arch name or path to a YAML file")
    p_show.set_defaults(func=run_show)


def run_list(args: argparse.Namespace, console: Console | None = None) -> int:
    """Print the bundled archs as a table."""
    console = console or Console(soft_wrap=False)
    table = Table(title="bundled architectures", box=box.SIMPLE_HEAD,
                  caption=f"* = default ({DEFAULT_ARCH}), used when no arch is given")
    for column in LIST_COLUMNS:
        table.add_column(column, no_wrap=True)
    for name in list_bundled():
        # rich reads '[...]' in a cell as markup: arch text is escaped to print as written
        table.add_row(*map(escape, list_row(name, load_arch(name), name == DEFAULT_ARCH)))
    console.print(table)
    return 0


def run_show(args: argparse.Namespace, console: Console | None = None) -> int:
    """Print a summary of one arch."""
    arch = load_arch(args.name)
    console = console or Console(soft_wrap=False)
    # The arch's own text (name, description, node names, path) goes through rich, which
    # reads '[...]' as markup: escaped, it prints as written and '[/bold]' cannot crash it.
    table = Table(title=f"arch {escape(arch.name)}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for label, value in summary_rows(arch):
        table.add_row(label, escape(value))
    console.print(table)
    return 0
