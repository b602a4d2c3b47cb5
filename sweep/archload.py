"""Build an :class:`~grcim.arch.Arch` from a base arch file with some variables replaced.

The replaced values go into the loaded ``arch.variables`` mapping before the arch is
built, so everything else in the file follows them exactly as if the file had been edited:
expressions of later variables and of the node tree (``fanout: rows // rows_per_adc``)
use the new values, and every check of the arch loader runs (a combination that breaks
one raises its one-line :class:`~grcim.errors.SpecError`, which a sweep records as the
point's infeasibility reason). A variable the base file does not set is appended at the
end of ``arch.variables``; a variable that was an expression in the file becomes the
given constant.

This lives in the sweep package (not ``grcim.arch``) to keep the arch loader untouched;
it uses the loader's public pieces (``load_yaml_text``, ``quoted_paths``, ``Reader``,
``build_arch``).
"""

from __future__ import annotations

import functools
from typing import Any

from grcim.arch import Arch
from grcim.arch.fields import Reader
from grcim.arch.quoting import quoted_paths
from grcim.arch.spec import build_arch
from grcim.sweep.variables import is_text
from grcim.yamlio import LineDict, load_yaml_text

__all__ = ["arch_with"]


@functools.lru_cache(maxsize=32)
def _parsed(text: str, source: str) -> tuple[Any, frozenset[tuple[Any, ...]]]:
    return load_yaml_text(text, source), quoted_paths(text, source)


def _copy(d: LineDict) -> LineDict:
    out = LineDict(d)
    out.lines = dict(d.lines)
    out.line, out.tag = d.line, d.tag
    return out


def arch_with(name: str, source: str, text: str, overrides: tuple[tuple[str, Any], ...] = ()
              ) -> Arch:
    """The arch of ``text`` (named ``name``, errors citing ``source``) with ``overrides``.

    Raises
    ------
    grcim.errors.SpecError
        The base file or the combination is invalid (file, line, key, value, allowed).
    """
    data, quoted = _parsed(text, source)
    if not overrides:
        return build_arch(Reader(file=source, quoted=quoted), data["arch"], name, source)
    top = _copy(data)
    arch = _copy(top["arch"])
    variables = _copy(arch["variables"])
    extra = set()
    for key, value in overrides:
        variables[key] = value
        if is_text(key) or isinstance(value, str):
            extra.add(("arch", "variables", key))
        else:
            extra.discard(("arch", "variables", key))
            quoted = quoted - {("arch", "variables", key)}
    arch["variables"] = variables
    top["arch"] = arch
    reader = Reader(file=source, quoted=frozenset(quoted | extra))
    return build_arch(reader, top["arch"], name, source)
