"""Find files bundled inside the installed package (works from wheels and checkouts), and
the files an argument names: a path, or else the name of a bundled file.

Arch names (``edge_grmac``), technology nodes (``28nm``) and example sweep specs
(``edge_dse``) are all given the same way, on the command line or in a YAML file: a value
that :func:`names_a_file` is read as a file, any other value must be a bundled name.
:func:`bundled_or_file` is that one rule; every loader resolves its argument with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from grcim.errors import SpecError

__all__ = ["bundled", "names_a_file", "bundled_or_file", "file_path", "YAML_SUFFIXES"]

YAML_SUFFIXES = (".yaml", ".yml")
"""Suffixes that make a value a file name even without a folder (``arch.yaml``)."""


def bundled(package: str, *parts: str) -> Traversable:
    """Path-like handle to a data file shipped in ``package`` (e.g. ``grcim.arch``)."""
    node = files(package)
    for part in parts:
        node = node.joinpath(part)
    return node


def names_a_file(value: str | os.PathLike[str]) -> bool:
    """Whether an argument names a file rather than a bundled file: a path object, or text
    with a path separator or a ``.yaml`` / ``.yml`` suffix.

    Bundled names are bare stems, so the text alone decides, without looking at the file
    system: a mistyped path is then reported as a missing file and a mistyped name as an
    unknown name (with the list of names), whatever files the current folder holds.
    """
    if isinstance(value, os.PathLike):
        return True
    return os.sep in value or "/" in value or value.endswith(YAML_SUFFIXES)


def file_path(value: str | os.PathLike[str], base: str | os.PathLike[str] | None = None
              ) -> Path:
    """A file argument as a path; with ``base``, a relative path is relative to ``base``."""
    if base is None:
        return Path(value)
    # a path written in a file: the shell expanded no "~" in it, and a relative path means
    # relative to that file (``base``: its folder), not to where grcim runs
    p = Path(value).expanduser()
    return p if p.is_absolute() else Path(base) / p


def bundled_or_file(value: str | os.PathLike[str], names: Mapping[str, Traversable], *,
                    file: str, key: str, allowed: str, line: int | None = None,
                    base: str | os.PathLike[str] | None = None,
                    existing_file_wins: bool = False) -> Traversable | Path:
    """The file an argument names: a :class:`~pathlib.Path` if :func:`names_a_file`, else
    the bundled file of that name (``names``: name -> handle).

    Parameters
    ----------
    value : str or path-like
        The argument.
    names : mapping of str to Traversable
        The bundled files that may be named.
    file, key, allowed, line
        Where the value was given and what is allowed, for the error (``file`` is
        :data:`grcim.errors.CMDLINE` for a command-line value).
    base : path-like, optional
        Folder a relative path is relative to (the folder of the file the value was
        written in); a ``~`` in a path is expanded only then.
    existing_file_wins : bool
        Read a bare name as a file when a file of that name exists (``grcim sweep run``
        takes a spec file named without suffix).

    Returns
    -------
    pathlib.Path or Traversable
        A ``Path`` for a file argument (it may not exist: the reader reports that), the
        bundled handle for a name.

    Raises
    ------
    grcim.errors.SpecError
        ``SpecError(file, key, value, allowed, line)`` for a name that is not bundled.
    """
    if names_a_file(value) or (existing_file_wins and Path(value).exists()):
        return file_path(value, base)
    name = os.fspath(value)
    if name not in names:
        raise SpecError(file, key, name, allowed, line)
    return names[name]
