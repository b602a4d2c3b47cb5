"""Which YAML scalars were written in quotes.

AccelForge (ruamel.yaml) treats a quoted string as literal text and evaluates an unquoted
one as an expression. grcim follows the same rule, so it needs to know how each string
was written; PyYAML's constructed data forgets that, its node graph keeps it.

Quoting belongs to the scalar, wherever the loaded data holds it: a value written
``&ns "sqnr"`` is quoted text at its anchor and at every ``*ns`` (ruamel.yaml hands both
places the same quoted string), and so is a quoted value merged with ``<<``.
"""

from __future__ import annotations

import yaml

from grcim.yamlio import KeyPath, every_scalar_path

__all__ = ["Path", "quoted_paths", "MAX_NODES"]

Path = KeyPath
# libyaml's composer keeps scalar styles as the pure-Python one does, ~10x faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_NODES = 400_000
"""Nodes the walk may visit, aliases expanded (why: ten aliases of ten aliases ... describe
exponentially many paths in a kilobyte). A file the arch reader accepts holds at most
``grcim.arch.fields.MAX_VALUES`` (20 000) values, each node with a handful of collections
around them, far below this."""


def quoted_paths(text: str, source: str = "<string>") -> frozenset[Path]:
    """Key paths (mapping keys as text, list indices as ints) of quoted scalar values.

    Parameters
    ----------
    text : str
        YAML text that :func:`grcim.yamlio.load_yaml_text` already accepted (so it is
        well-formed and bounded in size, depth and aliases).
    source : str
        File name for the error below.

    Notes
    -----
    Every path that reaches a scalar counts, through aliases and ``<<`` merges (a merged
    key the mapping overrides is the mapping's own value).

    Raises
    ------
    grcim.errors.SpecError
        The aliases expand past :data:`MAX_NODES` nodes.
    """
    root = None
    for loader in dict.fromkeys((_LOADER, yaml.SafeLoader)):
        try:
            root = yaml.compose(text, Loader=loader)
            break
        except yaml.YAMLError:
            continue
    return frozenset(path for path, node in every_scalar_path(root, source, MAX_NODES)
                     if node.style in ("'", '"'))
