"""docs/sweep.md documents every spec key and every store column."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from grcim.sweep.schema import Bound, Range, Sampling, SweepSpec, Workloads
from grcim.sweep.store import _FIXED, _TRAILER, _result_columns


@pytest.fixture(scope="module")
def text(read_doc: Callable[[str], str]) -> str:
    return read_doc("sweep.md")


@pytest.mark.parametrize("model", [SweepSpec, Workloads, Sampling, Range, Bound])
def test_every_spec_key_is_documented(text: str, model: type) -> None:
    for key in model.model_fields:  # type: ignore[attr-defined]
        assert f"| `{key}` |" in text, f"{model.__name__}.{key} missing from docs/sweep.md"


def test_every_store_column_is_documented(text: str) -> None:
    for name, _ in (*_FIXED, *_result_columns(), *_TRAILER):
        assert f"`{name}`" in text, f"column {name} missing from docs/sweep.md"
