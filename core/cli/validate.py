"""``grcim validate FILE...``: check arch files, workload model files and Accelergy files.

The kind of each file is read from its content: a mapping with a top-level ``arch`` key is
an arch file (:func:`grcim.arch.load_arch`), one with a ``models`` key is a workload
models file (:func:`grcim.workloads.config.validate_workload_file`), one whose
``architecture`` holds ``subtree``/``local``/``nodes`` is an Accelergy (or Timeloop v0.4
front-end) architecture whose grcim components are checked
(:mod:`grcim.plugins.accelergy.check`). An arch file is also priced the way ``grcim map``
prices it (:func:`grcim.mapper.run.check_arch_prices`: every component model must accept
its attributes and every cost must be finite), so a file ``validate`` passes is one ``map``
accepts. Prints one ``OK`` line per valid file on stdout and one line per problem on
stderr; exits 0 only when every file is valid. Nothing is written. Only regular files are
read (:mod:`grcim.yamlio`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from grcim.arch import is_arch_document, load_arch
from grcim.cli.options import add_command
from grcim.errors import GrcimError, SpecError
from grcim.yamlio import load_yaml_file

__all__ = ["register", "run", "check_file"]


def register(subparsers: Any) -> None:
    """Add the ``validate`` sub-command."""
    p = add_command(subparsers, run, "check arch and workload YAML files",
                    "Check arch files (top-level key 'arch'), workload model files (top-level "
                    "key 'models') and Accelergy/Timeloop architectures that use grcim's "
                    "components (top-level key 'architecture'); one OK line per valid file, one "
                    "line per problem.")
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files to check")


def check_file(path: str) -> str:
    """Validate one file; return its OK description or raise :class:`GrcimError`."""
    data = load_yaml_file(path)
    if is_arch_document(data):
        arch = load_arch(Path(path))  # a path object is always read as a file
        from grcim.errors import MappingError
        from grcim.mapper.run import check_arch_prices

        try:
            check_arch_prices(arch)
        except MappingError as exc:  # name the file, as every other validate error does
            raise MappingError(f"{path}: {exc}") from None
        what = f"{arch.n_macros} macros, " if arch.kind == "chip" else ""
        return f"arch ({arch.kind}, {what}{arch.macro.pipeline.value} pipeline)"
    if isinstance(data, dict) and "models" in data:
        from grcim.workloads.config import validate_workload_file

        configs = validate_workload_file(path)
        return f"workload models ({len(configs)} model{'s' if len(configs) != 1 else ''})"
    from grcim.plugins.accelergy.check import check_accelergy_file, is_accelergy_document

    if is_accelergy_document(data):
        return check_accelergy_file(path)
    line = getattr(data, "line", None) or 1
    found = ", ".join(map(str, list(data)[:5])) if isinstance(data, dict) else type(data).__name__
    raise SpecError(path, "<top>", found, "unknown kind of file: expected top-level key 'arch' "
                    "(arch file), 'models' (workload models file) or 'architecture' with "
                    "subtree, local or nodes (Accelergy architecture)", line)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check every file; return 0 if all are valid, else 1."""
    out = out or sys.stdout
    err = err or sys.stderr
    failed = 0
    for path in args.files:
        try:
            what = check_file(path)
        except GrcimError as exc:
            failed += 1
            for problem in getattr(exc, "problems", None) or [exc]:
                print(f"grcim validate: error: {problem}", file=err)
            continue
        print(f"OK {path}: {what}", file=out)
    return 1 if failed else 0
