"""Which scalar operations (add, mul, exp, div) the vector unit performs for each op.

The workload graph counts vector operations per element (``grcim.workloads.ops``,
``VECTOR_OPS_PER_ELEMENT``); the vector unit prices adds, multiplies, exponentials and
divisions differently (``VectorUnitSpec.energy_per_op_j``), so each per-element recipe is
split here. Compares and subtractions cost an add; tanh (GELU) and rsqrt are priced as one
exponential. The splits sum to the workload's per-element counts (a test checks it).

| recipe | add | mul | exp | div | steps |
|---|---|---|---|---|---|
| softmax | 3 | 1 | 1 | 0 | running max (compare), subtract max, exp, sum, scale by 1/sum |
| layernorm | 4 | 3 | 0 | 0 | mean, subtract, square, variance, rsqrt scale, gain, bias |
| rmsnorm | 1 | 3 | 0 | 0 | square, accumulate, rsqrt scale, gain |
| gelu | 2 | 6 | 1 | 0 | x², x³, ×c, +x, ×√(2/π), tanh, +1, ×0.5, ×x |
| relu | 1 | 0 | 0 | 0 | compare |
| silu | 1 | 0 | 1 | 1 | exp, add, divide |
| rope | 1 | 2 | 0 | 0 | two multiplies and one add |
| add / mul | 1 / 0 | 0 / 1 | 0 | 0 | residual or embedding add / gate multiply |

A matmul's ``vector_ops`` are its bias adds. A QK^T or PV on the vector unit costs one
multiply and one add per MAC.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from grcim.errors import MappingError
from grcim.mapper.optable import OpTable
from grcim.workloads import OpKind

__all__ = ["OP_MIX", "VECTOR_ACTIONS", "recipe_of", "vector_op_counts"]

F64 = NDArray[np.float64]
VECTOR_ACTIONS: tuple[str, ...] = ("add", "mul", "exp", "div")
"""Vector-unit actions, in the column order of :func:`vector_op_counts`."""
OP_MIX: dict[str, tuple[int, int, int, int]] = {
    "softmax": (3, 1, 1, 0),
    "layernorm": (4, 3, 0, 0),
    "rmsnorm": (1, 3, 0, 0),
    "gelu": (2, 6, 1, 0),
    "relu": (1, 0, 0, 0),
    "silu": (1, 0, 1, 1),
    "rope": (1, 2, 0, 0),
    "add": (1, 0, 0, 0),
    "mul": (0, 1, 0, 0),
    "lookup": (0, 0, 0, 0),
}
"""(add, mul, exp, div) per element of each recipe."""
_BY_ROLE = {"softmax": "softmax", "rope": "rope", "residual": "add", "embed_add": "add",
            "gate_mul": "mul", "embedding": "lookup", "pos_embedding": "lookup"}


def recipe_of(role: str, kind: OpKind, config: object | None) -> str:
    """The per-element recipe of an op from its role (norm and activation from the config)."""
    if kind in (OpKind.WEIGHT_MATMUL, OpKind.DYNAMIC_MATMUL):
        return "add"  # bias adds
    if role in _BY_ROLE:
        return _BY_ROLE[role]
    if role == "norm":
        return str(getattr(config, "norm", "rmsnorm"))
    if role == "act":
        ffn = str(getattr(config, "ffn", "gelu"))
        return "silu" if ffn == "swiglu" else ffn
    if kind is OpKind.EMBEDDING:
        return "lookup"
    return "add"


def vector_op_counts(t: OpTable, on_vector_unit: NDArray[np.bool_]) -> F64:
    """Scalar adds, multiplies, exponentials and divisions of each op on the vector unit.

    Parameters
    ----------
    t : OpTable
        The ops.
    on_vector_unit : ndarray of bool
        Dynamic matmuls that run on the vector unit (one mul + one add per MAC).

    Returns
    -------
    ndarray of float64, shape (n_ops, 4)
        Columns in :data:`VECTOR_ACTIONS` order.

    Raises
    ------
    grcim.errors.MappingError
        A vector op's ``vector_ops`` differs from ``elements`` times its recipe's operations
        per element.
    """
    config = t.step.config
    mix = np.zeros((len(t), len(VECTOR_ACTIONS)))
    for i, op in enumerate(t.ops):
        if op.vector_ops == 0:
            continue
        name = recipe_of(op.role, op.kind, config)
        recipe = OP_MIX[name]
        per = sum(recipe)
        matmul = op.kind in (OpKind.WEIGHT_MATMUL, OpKind.DYNAMIC_MATMUL)
        expected = op.vector_ops if matmul else op.elements * per
        if per == 0 or op.vector_ops != expected or op.vector_ops % per:
            raise MappingError(f"op {op.name!r}: vector_ops = {op.vector_ops} inconsistent "
                               f"with {op.elements} elements x {per} operations per element "
                               f"({name!r})")
        mix[i] = np.asarray(recipe, dtype=np.float64) * (op.vector_ops // per)
    dyn = on_vector_unit.astype(np.float64) * t.macs
    mix[:, 0] += dyn
    mix[:, 1] += dyn
    return mix
