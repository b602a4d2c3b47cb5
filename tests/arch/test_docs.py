"""docs/arch.md documents every key grcim accepts (the reference must not drift)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grcim.arch.nodes import NODE_KEYS
from grcim.arch.variables import VARIABLE_KEYS


@pytest.fixture(scope="module")
def doc(read_doc: Callable[[str], str]) -> str:
    return read_doc("arch.md")


@pytest.mark.parametrize("key", sorted(VARIABLE_KEYS))
def test_every_variable_key_is_documented(doc: str, key: str) -> None:
    assert f"| `{key}` |" in doc


@pytest.mark.parametrize("tag", sorted(NODE_KEYS))
def test_every_node_key_is_documented(doc: str, tag: str) -> None:
    row = next(line for line in doc.splitlines() if line.startswith(f"| `!{tag}` |"))
    for key in NODE_KEYS[tag]:
        if tag == "Toll" and key != "direction":
            continue  # the Toll row refers to the Memory row ("as !Memory ...")
        assert f"`{key}`" in row, (tag, key)
