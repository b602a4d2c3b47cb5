"""How Timeloop's loop factors split an einsum's ``N``, ``K`` and rows into grcim's waves.

Timeloop needs loop factors whose product is the problem's bound; grcim's tiling has a
partial last tile, wave, reduction round or row chunk. A bound with no divisor near
grcim's split gets either an exact split (other factors: more waves, rounds or chunks) or
grcim's split with the bound *padded* to the next product the factors reach (Timeloop then
computes on zeros: more MACs, DAC drives, weights or inputs, by the padding). Each
candidate gets an estimate of what it costs beyond grcim's schedule, and the cheapest is
exported, then the one with the least padding (docs/timeloop.md):

- ``N`` (:func:`column_split`): Timeloop's estimated cycles;
- ``K`` (:func:`row_split`): the largest of the estimated cycles, the ADC conversions and
  the reduction rounds, each relative to grcim's (one conversion per output per row group:
  a split of ``K`` into more row groups than grcim's ``ceil(K / rows_per_adc)`` converts
  more; every round beyond grcim's moves the partial sums once more);
- the row chunks (:func:`chunk_split`): the larger of the padding and the weight passes
  relative to grcim's (every chunk streams the weights again).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ColumnSplit", "column_split", "RowSplit", "row_split", "ChunkSplit",
           "chunk_split"]


@dataclass(frozen=True)
class ColumnSplit:
    """How Timeloop's loops split ``N``: ``padded_n = weights x tiles_per_wave x waves``.

    Attributes
    ----------
    weights : int
        Weights per macro-tile row (the ``Column`` factor).
    tiles_per_wave : int
        Column tiles per wave (the ``Macro`` level's ``N`` factor).
    waves : int
        Column groups (grcim's count: every wave costs the same time).
    padded_n : int
        Timeloop's ``N``: the einsum's, or the nearest larger bound these factors reach.
    """

    weights: int
    tiles_per_wave: int
    waves: int
    padded_n: int


def column_split(n: int, cols: int, waves: int, macros: int, latency_cycles: float,
                 wave_cycles: float) -> ColumnSplit:
    """Timeloop's split of ``N`` for grcim's ``waves`` column groups of tiles of up to
    ``cols`` weights, with ``macros`` free per wave for N.

    Timeloop needs loop factors whose product is the bound, and a number of column tiles
    with no divisor near grcim's wave (GPT-2's 50257 = 29 x 1733 vocabulary) has no good
    exact split: waves of the largest divisor were 1733 waves of one tile, 77 x the cycles.
    The candidates are, for every tile width ``weights <= cols``, the exact split in the
    fewest waves of at most ``macros`` tiles, and grcim's ``waves`` with ``N`` padded to
    the next multiple (by fewer than ``waves x weights``). Each gets Timeloop's estimated
    cycles, the larger of grcim's ``latency_cycles`` scaled by the padding (what the data
    traffic takes) and its waves times ``wave_cycles`` (what one column group's weight
    loads and MVMs take; Timeloop takes the slowest level's time); the split with the
    fewest, then the smallest ``N``, then the fewest tiles (each tile's rows cost DAC
    drives), then the widest tiles is exported.
    """
    best: tuple[tuple[float, int, int, int], ColumnSplit] | None = None
    for w in range(1, min(n, cols) + 1):
        splits = [ColumnSplit(w, t, waves, w * t * waves)
                  for t in (-(-n // (waves * w)),) if t <= macros]
        if n % w == 0:
            t = max(d for d in range(1, min(n // w, macros) + 1) if (n // w) % d == 0)
            splits.append(ColumnSplit(w, t, n // w // t, n))
        for split in splits:
            cycles = max(latency_cycles * split.padded_n / n, split.waves * wave_cycles)
            key = (cycles, split.padded_n, split.tiles_per_wave * split.waves, -w)
            if best is None or key < best[0]:
                best = (key, split)
    assert best is not None  # w = 1 divides n
    return best[1]


@dataclass(frozen=True)
class RowSplit:
    """How Timeloop's loops split ``K``: ``padded_k = rows x groups x tiles_per_wave x
    rounds``.

    Attributes
    ----------
    rows : int
        Rows of a row group (the ``Row`` factor; one ADC conversion sums them).
    groups : int
        Row groups of a macro tile (the ``RowGroup`` factor).
    tiles_per_wave : int
        Row tiles per wave (the ``Macro`` level's ``K`` factor).
    rounds : int
        Reduction rounds (the ``K`` loops above the macros).
    padded_k : int
        Timeloop's ``K``: the einsum's, or the nearest larger bound these factors reach.
    """

    rows: int
    groups: int
    tiles_per_wave: int
    rounds: int
    padded_k: int

    @property
    def row_groups(self) -> int:
        """Row groups each output is summed over: one ADC conversion each."""
        return self.groups * self.tiles_per_wave * self.rounds


def _divisor_at_most(n: int, cap: int) -> int:
    return max(d for d in range(1, min(n, cap) + 1) if n % d == 0)


def row_split(k: int, rows_per_adc: int, row_groups: int, tiles: int, rounds: int,
              latency_cycles: float, row_load_cycles: float, mvm_cycles: float) -> RowSplit:
    """Timeloop's split of ``K`` for grcim's ``rounds`` reduction rounds of ``tiles`` row
    tiles (of ``row_groups`` groups of ``rows_per_adc`` rows) per wave.

    The candidates are, for every row-group height ``rows <= rows_per_adc`` and ``groups
    <= row_groups`` per tile, the exact split (when ``rows x groups`` divides ``K``) in the
    fewest rounds of at most ``tiles`` tiles, and grcim's ``rounds`` with ``K`` padded to
    the next multiple of ``rows x groups x rounds``. Each gets Timeloop's estimated cycles:
    the larger of grcim's ``latency_cycles`` scaled by the padding (the data traffic) and
    its rounds times one round's time, the larger of loading a tile (its rows times
    ``row_load_cycles``) and the round's MVMs (``mvm_cycles``); and its ADC conversions,
    its row groups per output against grcim's ``ceil(K / rows_per_adc)``; and its rounds
    against grcim's (each moves the partial sums through the SRAM or DRAM). The split with
    the smallest largest ratio of the three to grcim's, then the smallest ``K``, then the
    tallest row groups is exported. ``row_load_cycles`` and ``mvm_cycles`` are a round's
    over the step (all its column groups and row chunks).
    """
    grcim_groups = -(-k // rows_per_adc)
    best: tuple[tuple[float, int, int], RowSplit] | None = None
    for r in range(1, min(k, rows_per_adc) + 1):
        for rg in range(1, row_groups + 1):
            splits = [RowSplit(r, rg, t, rounds, r * rg * t * rounds)
                      for t in (-(-k // (rounds * r * rg)),) if t <= tiles]
            if k % (r * rg) == 0:
                t_k = k // (r * rg)
                t = _divisor_at_most(t_k, tiles)
                splits.append(RowSplit(r, rg, t, t_k // t, k))
            for split in splits:
                cycles = max(latency_cycles * split.padded_k / k, split.rounds * max(
                    r * rg * row_load_cycles, mvm_cycles))
                cost = max(cycles / latency_cycles if latency_cycles > 0 else 1.0,
                           split.row_groups / grcim_groups, split.rounds / rounds)
                key = (cost, split.padded_k, -r)
                if best is None or key < best[0]:
                    best = (key, split)
    assert best is not None  # r = rg = 1 divides k
    return best[1]


@dataclass(frozen=True)
class ChunkSplit:
    """How Timeloop's loops split the ``M`` input vectors: ``padded_m = chunks x
    vectors``.

    Attributes
    ----------
    chunks : int
        Row chunks (the outermost ``M`` loop: each reads the weights again).
    vectors : int
        Input vectors per chunk.
    padded_m : int
        Timeloop's ``M``: the einsum's, or ``chunks x vectors`` above it.
    """

    chunks: int
    vectors: int
    padded_m: int


def chunk_split(m: int, chunks: int) -> ChunkSplit:
    """Timeloop's split of ``m`` vectors for grcim's ``chunks`` row chunks of
    ``ceil(m / chunks)``: the exact split into the fewest chunks ``c >= chunks`` dividing
    ``m``, or grcim's chunks with ``M`` padded to ``chunks x ceil(m / chunks)``, whichever
    costs less beyond grcim's: the exact split streams the weights ``c / chunks`` times as
    often, the padding computes ``padded_m / m`` of the vectors; then the least padding.

    2048 vectors in grcim's 3 chunks of 683: exactly, 4 chunks of 512 read the weights a
    third more often (Timeloop's energy was 9.2 % above grcim's on edge_grmac); padded,
    3 x 683 = 2049 vectors, +0.05 %.
    """
    c = next(c for c in range(min(chunks, m), m + 1) if m % c == 0)
    exact = ChunkSplit(c, m // c, m)
    v = -(-m // chunks)
    padded = ChunkSplit(chunks, v, chunks * v)
    return padded if padded.padded_m / m < c / chunks else exact
