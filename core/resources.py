"""Find files bundled inside the installed package (works from wheels and checkouts)."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["bundled"]


def bundled(package: str, *parts: str) -> Traversable:
    """Path-like handle to a data file shipped in ``package`` (e.g. ``grcim.arch``)."""
    node = files(package)
    for part in parts:
        node = node.joinpath(part)
    return node
