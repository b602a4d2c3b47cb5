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
from grcim.resources import bundled, bundled_or_file
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


def bundled_path(name: str | os.PathLike[str], *, file: str = CMDLINE, key: str = "arch",
                 line: int | None = None, base: str | os.PathLike[str] | None = None,
                 allowed: str | None = None) -> Any:
    """The arch file ``name`` names (:func:`grcim.resources.bundled_or_file`): a
    :class:`~pathlib.Path` for a file, else the bundled arch's resource handle.

    Raises
    ------
    grcim.errors.SpecError
        ``(file, key, name, allowed, line)`` for a name that is not bundled (``allowed``
        defaults to the bundled names or a path).
    """
    files = _bundled_files()
    if allowed is None:
        allowed = f"a bundled arch ({', '.join(files)}) or a path to a .yaml file"
    return bundled_or_file(name, files, file=file, key=key, line=line, base=base,
                           allowed=allowed)


def is_arch_document(data: Any) -> bool:
    """Whether loaded YAML looks like an arch file (a mapping with an ``arch`` key)."""
    return isinstance(data, dict) and "arch" in data


#: Top-level keys of grcim's other YAML files, to say which file was given instead.
_OTHER_FILES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"models"}), "; this looks like a workload models file (top-level "
     "'models'): pass it with --models"),
    (frozenset({"sweep"}), "; this looks like a sweep spec (top-level 'sweep'): run it "
     "with `grcim sweep run`"),
    (frozenset({"architecture"}), "; this looks like a classic Accelergy architecture "
     "(top-level 'architecture'): check it with `grcim validate`, price it with accelergy"),
)


def load_arch_text(text: str, source: str = "<string>", name: str | None = None) -> Arch:
    """Parse and validate arch YAML ``text``; ``source`` names it in errors.

    Raises
    ------
    grcim.errors.SpecError
        For unreadable YAML or any invalid value (file, line, key path, value, allowed).
    """
    data = load_yaml_text(text, source)
    reader = Reader(file=source, quoted=quoted_paths(text, source))
    if not isinstance(data, dict):
        raise SpecError(source, "<top>", type(data).__name__,
                        "a mapping with the single top-level key 'arch'", 1)
    for key in data:
        if key != "arch":
            line = data.line_of(key) if hasattr(data, "line_of") else None
            other = next((what for keys, what in _OTHER_FILES if keys & set(data)), "")
            raise SpecError(source, str(key), key, "unknown top-level key; an arch file has "
                            "only 'arch' (AccelForge refuses other keys next to it)" + other,
                            line)
    if "arch" not in data:
        raise SpecError(source, "arch", None, "missing top-level key 'arch'", 1)
    stem = name or Path(source).stem or "arch"
    return build_arch(reader, data["arch"], stem, source)


def load_arch(path_or_name: str | os.PathLike[str]) -> Arch:
    """Load a bundled arch by name (``edge_grmac``) or an arch file by path.

    A path object, or a string with a path separator or a ``.yaml``/``.yml`` suffix, is
    read as a file; anything else is looked up among :func:`list_bundled`
    (:func:`grcim.resources.names_a_file`).

    Raises
    ------
    grcim.errors.SpecError
        Unknown name, unreadable file, invalid YAML or invalid values.
    """
    found = bundled_path(path_or_name)
    if isinstance(found, Path):
        return load_arch_text(read_text_file(found), str(found))
    return load_arch_text(found.read_text(encoding="utf-8"), str(found), os.fspath(path_or_name))
