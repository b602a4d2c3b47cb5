"""Which YAML scalars were written in quotes.

AccelForge (ruamel.yaml) treats a quoted string as literal text and evaluates an unquoted
one as an expression. grcim follows the same rule, so it needs to know how each string
was written; PyYAML's constructed data forgets that, its node graph keeps it.
"""

from __future__ import annotations

import yaml

from grcim.yamlio import KeyPath, scalar_nodes

__all__ = ["Path", "quoted_paths"]

Path = KeyPath
# libyaml's composer keeps scalar styles as the pure-Python one does, ~10x faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def quoted_paths(text: str) -> frozenset[Path]:
    """Key paths (mapping keys as text, list indices as ints) of quoted scalar values.

    Parameters
    ----------
    text : str
        YAML text that :func:`grcim.yamlio.load_yaml_text` already accepted (so it is
        well-formed and bounded in size, depth and aliases).

    Notes
    -----
    Each node is visited once: content reached a second time through an alias, and keys
    merged with ``<<``, count as unquoted.
    """
    root = None
    for loader in dict.fromkeys((_LOADER, yaml.SafeLoader)):
        try:
            root = yaml.compose(text, Loader=loader)
            break
        except yaml.YAMLError:
            continue
    return frozenset(path for path, node in scalar_nodes(root, merge_keys=False)
                     if node.style in ("'", '"'))
