"""Shared tiny model configs for the workload tests (shapes chosen so sums are easy by hand)."""

from __future__ import annotations

import pytest

from grcim.workloads import ModelConfig

TINY_GQA = dict(
    name="tiny-gqa", d_model=16, n_heads=4, n_kv_heads=2, head_dim=4, d_ff=24, n_layers=2,
    vocab=50, ffn="swiglu", norm="rmsnorm", tied_embeddings=False, positional="rope",
    biases=False, max_context=64,
)
"""Llama-style: SwiGLU, RMSNorm, RoPE, 2 query heads per KV head, no biases."""

TINY_GPT = dict(
    name="tiny-gpt", d_model=8, n_heads=2, n_kv_heads=2, head_dim=4, d_ff=32, n_layers=2,
    vocab=20, ffn="gelu", norm="layernorm", tied_embeddings=True, positional="learned",
    biases=True, max_context=16,
)
"""GPT-2-style: GELU 2-matrix FFN, LayerNorm, learned positions, biases, tied embeddings."""


@pytest.fixture
def tiny_gqa() -> ModelConfig:
    return ModelConfig(**TINY_GQA)


@pytest.fixture
def tiny_gpt() -> ModelConfig:
    return ModelConfig(**TINY_GPT)
