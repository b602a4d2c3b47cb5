"""The step a workload graph describes: one frozen record instead of the graph's dict.

:func:`grcim.workloads.build_graph` stores ``model``, ``phase``, ``batch``, ``tokens``,
``context`` (and the operand widths and model config) as graph attributes; a hand-built
graph (tests, one-op cross-checks) sets them itself. :meth:`Step.of` reads them once, so a
missing or ill-typed value is one error naming the attribute instead of a silent default
deep inside the mapper.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import networkx as nx

from grcim.errors import MappingError

from .config import ModelConfig

__all__ = ["Step", "PHASES"]

PHASES = ("prefill", "decode")
_REQUIRED = ("model", "phase", "batch", "tokens", "context")
_WIDTHS = ("weight_bits", "act_bits", "kv_bits")


def _positive(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise MappingError(f"the workload graph's {key} = {value!r}: a positive integer")
    return int(value)


@dataclass(frozen=True)
class Step:
    """One prefill or decode step of a workload.

    Attributes
    ----------
    model : str
        Workload name (shown in results).
    phase : {"prefill", "decode"}
        Prefill (``tokens`` prompt tokens) or decode (one new token per sequence).
    batch, tokens, context : int
        Sequences, new tokens per sequence, tokens per sequence after the step.
    weight_bits, act_bits, kv_bits : int or None
        Bits per element of weights, activations and KV cache (None: not stated).
    config : ModelConfig or None
        The model's configuration (None for a hand-built graph: storage is its ops' own).
    """

    model: str
    phase: str
    batch: int
    tokens: int
    context: int
    weight_bits: int | None = None
    act_bits: int | None = None
    kv_bits: int | None = None
    config: ModelConfig | None = None

    @property
    def rows(self) -> int:
        """Token rows the step processes: ``batch * tokens``."""
        return self.batch * self.tokens

    @classmethod
    def of(cls, graph: nx.DiGraph) -> Step:
        """The step of ``graph`` (its attributes; rules in the module docstring)."""
        attrs: dict[str, Any] = graph.graph
        missing = [k for k in _REQUIRED if k not in attrs]
        if missing:
            raise MappingError(f"the workload graph lacks the step attribute(s) "
                               f"{', '.join(missing)} (build it with "
                               "grcim.workloads.build_graph, or set them on the graph)")
        if attrs["phase"] not in PHASES:
            raise MappingError(f"the workload graph's phase = {attrs['phase']!r}: "
                               "prefill or decode")
        counts = {k: _positive(k, attrs[k]) for k in ("batch", "tokens", "context")}
        if counts["context"] < counts["tokens"]:
            raise MappingError(f"the workload graph's context = {counts['context']}: at "
                               f"least its tokens ({counts['tokens']})")
        widths = {k: None if attrs.get(k) is None else _positive(k, attrs[k])
                  for k in _WIDTHS}
        config = attrs.get("config")
        if config is not None and not isinstance(config, ModelConfig):
            raise MappingError("the workload graph's config is not a ModelConfig")
        return cls(model=str(attrs["model"]), phase=str(attrs["phase"]),
                   batch=counts["batch"], tokens=counts["tokens"], context=counts["context"],
                   weight_bits=widths["weight_bits"], act_bits=widths["act_bits"],
                   kv_bits=widths["kv_bits"], config=config)
