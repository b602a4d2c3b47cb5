"""Restricted arithmetic for the few YAML fields typed as expressions.

AccelForge evaluates YAML strings with Python's ``eval``; grcim never does. A field typed as
an expression may hold a number or a short formula such as ``"64*8"``, ``"rows * 2"`` or
``"log2(cols)"``. The text is parsed with :mod:`ast` and walked over an allow-list:

- numbers (int, float, bool constants), names from the caller's symbol table (plus ``inf``);
- binary ``+ - * / // % **``, unary ``- +`` and ``not``, comparisons, ``and``/``or``,
  ``a if c else b``;
- calls of a fixed set of functions by bare name (:data:`FUNCTIONS`), positional arguments
  only.

Everything else (attribute access, subscripts, lambdas, comprehensions, strings, keyword
arguments, starred arguments, f-strings, walrus) is refused. Bounds (why): text length, node
count and nesting depth keep the walk and the error messages small; the exponent guard
stops ``10**10**10`` from allocating a gigantic integer before any check could run.

AccelForge's *set* expressions (``tensors: {keep: input | output}``) use a second, even
smaller grammar checked by :func:`check_set_expression`.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from grcim.errors import SpecError

__all__ = [
    "FUNCTIONS",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_INT_BITS",
    "MAX_ROUND_DIGITS",
    "Number",
    "evaluate",
    "check_set_expression",
]

Number = int | float | bool

MAX_CHARS = 256
MAX_NODES = 64
MAX_DEPTH = 16
# Largest integer magnitude kept exact; beyond it a result is an error. 2**1100 exceeds
# every float, so nothing a float field could hold is lost.
MAX_INT_BITS = 1100
# round(x, n) of an int computes 10**-n first: n = -10**8 takes 20 s, -10**30 never ends.
# |n| <= 400 covers every digit of an int below 2**1100 (331 digits) and of any float.
MAX_ROUND_DIGITS = 400


def _log2(x: float) -> float:
    return math.log2(x)


FUNCTIONS: dict[str, Callable[..., Number]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "ceil": math.ceil,
    "floor": math.floor,
    "sqrt": math.sqrt,
    "log": math.log,
    "log2": _log2,
    "log10": math.log10,
    "exp": math.exp,
}
"""Functions an expression may call, by bare name."""

_ARITY = {"abs": (1, 1), "round": (1, 2), "ceil": (1, 1), "floor": (1, 1), "sqrt": (1, 1),
          "log": (1, 2), "log2": (1, 1), "log10": (1, 1), "exp": (1, 1), "min": (1, 8),
          "max": (1, 8)}

_CONSTANTS: dict[str, float] = {"inf": math.inf}

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}

ALLOWED = "arithmetic on numbers and known names: + - * / // % **, comparisons, " \
    "'a if c else b', and " + ", ".join(sorted(FUNCTIONS))


class _Refused(Exception):
    """Internal: carries the reason an expression is refused."""


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda",
        ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
        ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
        ast.JoinedStr: "f-strings", ast.NamedExpr: "assignment",
        ast.Starred: "starred arguments", ast.List: "lists", ast.Tuple: "tuples",
        ast.Dict: "dicts", ast.Set: "sets", ast.Await: "await", ast.Yield: "yield",
    }
    return kinds.get(type(node), type(node).__name__)


def _check_shape(tree: ast.AST) -> None:
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _Refused(f"too long: at most {MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise _Refused(f"nested too deeply: at most {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_magnitude(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _Refused(f"result too large: integers must stay below 2**{MAX_INT_BITS}")
    if isinstance(value, float) and math.isnan(value):
        raise _Refused("result is not a number (NaN)")
    return value


def _power(base: Any, exp: Any) -> Any:
    # Guard before computing: an int power's size is known from the operands' sizes.
    if isinstance(base, int) and isinstance(exp, int) and not isinstance(exp, bool):
        if exp > 0 and abs(base) > 1 and exp * max(1, abs(base).bit_length() - 1) > MAX_INT_BITS:
            raise _Refused(f"power too large: results must stay below 2**{MAX_INT_BITS}")
        if exp < 0 and base == 0:
            raise _Refused("zero raised to a negative power")
        if exp < 0:
            return float(base) ** exp
        return base**exp
    try:
        result = float(base) ** float(exp)
    except OverflowError:
        raise _Refused("power overflows a float") from None
    except ZeroDivisionError:
        raise _Refused("zero raised to a negative power") from None
    if isinstance(result, complex):
        raise _Refused("power of a negative number gives a complex result")
    return result


class _Evaluator:
    def __init__(self, names: Mapping[str, Number]) -> None:
        self.names = names

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise _Refused(f"{_describe(node)} not allowed")
        return _check_magnitude(method(node))

    def _Expression(self, node: ast.Expression) -> Any:
        return self.visit(node.body)

    def _Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool | int | float) and not isinstance(node.value, complex):
            return node.value
        raise _Refused(f"constant {node.value!r} not allowed (only numbers)")

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            value = self.names[node.id]
            if isinstance(value, bool | int | float):
                return value
            raise _Refused(f"name {node.id!r} is not a number")
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise _Refused(f"function {node.id!r} must be called")
        known = sorted(k for k, v in self.names.items() if isinstance(v, bool | int | float))
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        raise _Refused(f"unknown name {node.id!r} (known: {shown or 'none'})")

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        if isinstance(node.op, ast.Not):
            return not value
        raise _Refused("bitwise operators not allowed")

    def _BinOp(self, node: ast.BinOp) -> Any:
        left = self.visit(node.left)
        right = self.visit(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _Refused("bitwise and matrix operators not allowed")
        try:
            return op(left, right)
        except ZeroDivisionError:
            raise _Refused("division by zero") from None
        except OverflowError:
            raise _Refused("result overflows a float") from None

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        values = [self.visit(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return all(values)
        return any(values)

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op_node, right_node in zip(node.ops, node.comparators, strict=True):
            op = _CMPOPS.get(type(op_node))
            if op is None:
                raise _Refused("'is' and 'in' not allowed")
            right = self.visit(right_node)
            if not op(left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def _Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
            raise _Refused(f"call of {what!r} not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise _Refused("keyword arguments not allowed")
        name = node.func.id
        low, high = _ARITY[name]
        if not low <= len(node.args) <= high:
            raise _Refused(f"{name}() takes {low} to {high} arguments")
        args = [self.visit(a) for a in node.args]
        if name == "round" and len(args) == 2:
            digits = args[1]
            if isinstance(digits, bool) or not isinstance(digits, int) \
                    or abs(digits) > MAX_ROUND_DIGITS:
                raise _Refused(f"round() digits must be an integer from -{MAX_ROUND_DIGITS} "
                               f"to {MAX_ROUND_DIGITS}")
        try:
            return FUNCTIONS[name](*args)
        except ZeroDivisionError:  # log(x, 1): the base's log is 0
            raise _Refused(f"{name}() failed: division by zero") from None
        except (ValueError, OverflowError, TypeError) as exc:
            raise _Refused(f"{name}() failed: {exc}") from None


def _parse(text: str) -> ast.Expression:
    if len(text) > MAX_CHARS:
        raise _Refused(f"too long: at most {MAX_CHARS} characters")
    if not text.strip():
        raise _Refused("empty expression")
    try:
        with warnings.catch_warnings():
            # e.g. "1if" warns "invalid decimal literal"; the user gets our error instead
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise _Refused(f"not a valid expression ({exc.msg})") from None
    except (ValueError, MemoryError, RecursionError):
        raise _Refused("not a valid expression") from None
    _check_shape(tree)
    return tree


def evaluate(
    text: str | Number,
    names: Mapping[str, Number] | None = None,
    *,
    file: str = "<expression>",
    key: str = "<expression>",
    line: int | None = None,
) -> Number:
    """Evaluate one restricted expression.

    Parameters
    ----------
    text : str or number
        The expression text; a number is returned unchanged.
    names : mapping of str to number, optional
        Symbol table: the only names the expression may use (plus ``inf``).
    file, key, line
        Where the text came from; used in the :class:`~grcim.errors.SpecError`.

    Returns
    -------
    int, float or bool
        The value (ints stay exact; ``/`` gives a float, as in Python).

    Raises
    ------
    grcim.errors.SpecError
        For any text outside the allow-list, unknown names, too long or deep text, huge
        powers, division by zero or NaN results. Never any other exception.
    """
    if isinstance(text, bool | int | float):
        return text
    if not isinstance(text, str):
        raise SpecError(file, key, text, "a number or an arithmetic expression", line)
    try:
        tree = _parse(text)
        return _Evaluator(names or {}).visit(tree)
    except _Refused as why:
        raise SpecError(file, key, text, f"{why}; allowed: {ALLOWED}", line) from None
    except RecursionError:
        raise SpecError(file, key, text, f"nested too deeply; allowed: {ALLOWED}", line) from None


_SET_ALLOWED = "tensor names or sets (input, weight, output, All, Nothing, ...) combined " \
    "with | & - ~ and parentheses"


def check_set_expression(
    text: str, *, file: str = "<expression>", key: str = "<expression>", line: int | None = None
) -> None:
    """Check an AccelForge tensor-set expression such as ``~Intermediates`` or ``input | output``.

    grcim does not evaluate these (they refer to workload tensors); it only makes sure the
    text is a plain combination of names, so that AccelForge's evaluator sees nothing else.

    Raises
    ------
    grcim.errors.SpecError
        When the text is anything but names joined by ``| & - ~`` and parentheses.
    """
    try:
        tree = _parse(text)
        for node in ast.walk(tree):
            ok = isinstance(node, ast.Expression | ast.Name | ast.Load | ast.BinOp | ast.UnaryOp)
            ok = ok or isinstance(node, ast.BitOr | ast.BitAnd | ast.Sub | ast.Invert)
            if not ok:
                raise _Refused(f"{_describe(node)} not allowed")
            if isinstance(node, ast.Name) and node.id.startswith("_"):
                raise _Refused(f"name {node.id!r} not allowed")
    except _Refused as why:
        raise SpecError(file, key, text, f"{why}; allowed: {_SET_ALLOWED}", line) from None
