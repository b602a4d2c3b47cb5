"""docs/sweep.md documents every spec key and every store column."""

from __future__ import annotations

from pathlib import Path

import pytest

from grcim.sweep.schema import Bound, Range, Sampling, SweepSpec, Workloads
from grcim.sweep.store import _FIXED, _TRAILER, _result_columns

DOC = Path(__file__).resolve().parents[2] / "docs" / "sweep.md"


@pytest.fixture(scope="module")
def text() -> str:
    if not DOC.is_file():
        pytest.skip("docs/ is not beside the tests (installed package only)")
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("model", [SweepSpec, Workloads, Sampling, Range, Bound])
def test_every_spec_key_is_documented(text: str, model: type) -> None:
    for key in model.model_fields:  # type: ignore[attr-defined]
        assert f"| `{key}` |" in text, f"{model.__name__}.{key} missing from docs/sweep.md"


def test_every_store_column_is_documented(text: str) -> None:
    for name, _ in (*_FIXED, *_result_columns(), *_TRAILER):
        assert f"`{name}`" in text, f"column {name} missing from docs/sweep.md"
