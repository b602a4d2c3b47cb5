"""Display units (grcim.report.display): SI prefixes for J and s, none below one for counts
and bytes (a "250 mB" reads as megabytes)."""

from __future__ import annotations

import pytest

from grcim.report.display import binary_bytes, si


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.25, "B", "0.25 B"), (0.5, "MACs", "0.5 MACs"), (1536.0, "B", "1.54 kB"),
    (2.5e-3, "J", "2.5 mJ"), (4.2e-9, "s", "4.2 ns"), (0.0, "B", "0 B"),
])
def test_prefixes(value: float, unit: str, text: str) -> None:
    assert si(value, unit) == text


@pytest.mark.parametrize(("n", "text"), [
    (1024, "1 KiB"), (4 * 2**20, "4 MiB"), (16 * 2**30, "16 GiB"), (512, "512 B"),
    (24 * 2**10, "24 KiB"), (1.5 * 2**20, "1.5 MiB")])
def test_memory_sizes_take_the_largest_binary_prefix(n: float, text: str) -> None:
    assert binary_bytes(n) == text
