"""Which YAML scalars were written in quotes.

AccelForge (ruamel.yaml) treats a quoted string as literal text and evaluates an unquoted
one as an expression. grcim follows the same rule, so it needs to know how each string
was written; PyYAML's constructed data forgets that, its node graph keeps it.
"""

from __future__ import annotations

import yaml

__all__ = ["Path", "quoted_paths"]

Path = tuple[str | int, ...]
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
    found: set[Path] = set()
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Path]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("'", '"'):
                found.add(path)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                    stack.append((value, (*path, key.value)))
    return frozenset(found)
