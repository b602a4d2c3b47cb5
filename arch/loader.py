"""Load arch files: bundled ones by name, user files by path.

Bundled archs live in ``grcim.arch`` as ``macros/<name>.yaml`` and ``chips/<name>.yaml``
and are found through :func:`grcim.resources.bundled`, never relative to a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from grcim.arch.fields import Reader
from grcim.arch.quoting import quoted_paths
from grcim.arch.spec import Arch, build_arch
from grcim.errors import CMDLINE, SpecError
from grcim.resources import bundled
from grcim.yamlio import load_yaml_text, read_text_file

__all__ = ["DEFAULT_ARCH", "BUNDLED_DIRS", "list_bundled", "load_arch", "load_arch_text",
           "bundled_path", "is_arch_document"]

DEFAULT_ARCH = "edge_grmac"
"""Name of the arch used when none is given: the edge chip with GR-MAC macros."""
BUNDLED_DIRS = ("chips", "macros")
"""Folders of ``grcim.arch`` holding bundled arch files."""


def _bundled_files() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for folder in BUNDLED_DIRS:
        node = bundled("grcim.arch", folder)
        if not node.is_dir():
            continue
        for entry in sorted(node.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml") and entry.is_file():
                found.setdefault(entry.name.removesuffix(".yaml"), entry)
    return found


def list_bundled() -> list[str]:
    """Names of the bundled archs (chips first, then macros; alphabetical in each)."""
    return list(_bundled_files())


def bundled_path(name: str) -> Any:
    """Resource handle of the bundled arch ``name``; SpecError if there is none."""
    files = _bundled_files()
    if name not in files:
        raise SpecError(CMDLINE, "arch", name,
                        f"a bundled arch ({', '.join(files)}) or a path to a .yaml file")
    return files[name]


def is_arch_document(data: Any) -> bool:
    """Whether loaded YAML looks like an arch file (a mapping with an ``arch`` key)."""
    return isinstance(data, dict) and "arch" in data


def load_arch_text(text: str, source: str = "<string>", name: str | None = None) -> Arch:
    """Parse and validate arch YAML ``text``; ``source`` names it in errors.

    Raises
    ------
    grcim.errors.SpecError
        For unreadable YAML or any invalid value (file, line, key path, value, allowed).
    """
    data = load_yaml_text(text, source)
    reader = Reader(file=source, quoted=quoted_paths(text))
    if not isinstance(data, dict):
        raise SpecError(source, "<top>", type(data).__name__,
                        "a mapping with the single top-level key 'arch'", 1)
    for key in data:
        if key != "arch":
            line = data.line_of(key) if hasattr(data, "line_of") else None
            raise SpecError(source, str(key), key, "unknown top-level key; an arch file has "
                            "only 'arch' (AccelForge refuses other keys next to it)", line)
    if "arch" not in data:
        raise SpecError(source, "arch", None, "missing top-level key 'arch'", 1)
    stem = name or Path(source).stem or "arch"
    return build_arch(reader, data["arch"], stem, source)


def load_arch(path_or_name: str | os.PathLike[str]) -> Arch:
    """Load a bundled arch by name (``edge_grmac``) or an arch file by path.

    A string without a path separator and without a ``.yaml``/``.yml`` suffix is looked
    up among :func:`list_bundled`; anything else is read as a file.

    Raises
    ------
    grcim.errors.SpecError
        Unknown name, unreadable file, invalid YAML or invalid values.
    """
    text_name = os.fspath(path_or_name)
    is_path = (isinstance(path_or_name, os.PathLike) or os.sep in text_name
               or "/" in text_name or text_name.endswith((".yaml", ".yml")))
    if not is_path:
        entry = bundled_path(text_name)
        return load_arch_text(entry.read_text(encoding="utf-8"), str(entry), text_name)
    p = Path(text_name)
    text = read_text_file(p)
    return load_arch_text(text, str(p))
