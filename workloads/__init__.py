"""LLM transformer workloads: model configs -> operator graph -> totals and einsum export.

Rules of this subpackage: it imports only the grcim core (``errors``, ``yamlio``,
``atomic``, ``resources``) plus pydantic and networkx, never ``grcim.arch``,
``grcim.plugins`` or ``grcim.mapper``. Records are immutable (frozen pydantic models and
frozen dataclasses); counts are exact integers, bytes are SI bytes.

Modules: ``config`` (ModelConfig, YAML loading), ``ops`` (Op record), ``transformer``
(build_graph), ``step`` (the step a graph describes), ``totals`` (parameter counts, graph
totals), ``einsum_export`` (AccelForge einsum YAML). The bundled model library is ``models.yaml``.
"""

from .config import (
    ModelConfig,
    default_model_name,
    is_workload_file,
    load_model_configs,
    validate_workload_file,
)
from .ops import Op, OperandKind, OpKind
from .step import Step
from .totals import graph_totals, parameter_breakdown, parameter_count
from .transformer import build_graph

__all__ = [
    "ModelConfig",
    "load_model_configs",
    "default_model_name",
    "is_workload_file",
    "validate_workload_file",
    "Op",
    "OpKind",
    "OperandKind",
    "build_graph",
    "Step",
    "graph_totals",
    "parameter_count",
    "parameter_breakdown",
]
