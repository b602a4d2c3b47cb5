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
    "ACCELERGY_FUNCTIONS",
    "ACCELERGY_CONSTANTS",
    "NotComputed",
    "evaluate_accelergy",
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


class _Unsupported(_Refused):
    """Internal: refused for a limit of grcim's evaluator, not because Python would fail
    (too long or deep, a huge integer, a construct it does not compute)."""


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
            raise _Unsupported(f"too long: at most {MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise _Unsupported(f"nested too deeply: at most {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_magnitude(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _Unsupported(f"result too large: integers must stay below 2**{MAX_INT_BITS}")
    if isinstance(value, float) and math.isnan(value):
        raise _Refused("result is not a number (NaN)")
    return value


def _power(base: Any, exp: Any) -> Any:
    # Guard before computing: an int power's size is known from the operands' sizes.
    if isinstance(base, int) and isinstance(exp, int) and not isinstance(exp, bool):
        if exp > 0 and abs(base) > 1 and exp * max(1, abs(base).bit_length() - 1) > MAX_INT_BITS:
            raise _Unsupported(f"power too large: results must stay below 2**{MAX_INT_BITS}")
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
        raise _Unsupported("power of a negative number gives a complex result")
    return result


class _Evaluator:
    #: What a construct without a ``_<NodeType>`` method raises, and the words it says.
    _absent: type[Exception] = _Refused
    _absent_text = "not allowed"

    def __init__(self, names: Mapping[str, Number]) -> None:
        self.names = names

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise self._absent(f"{_describe(node)} {self._absent_text}")
        return self._checked(method(node))

    @staticmethod
    def _checked(value: Any) -> Any:
        return _check_magnitude(value)

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
        raise _Unsupported(f"too long: at most {MAX_CHARS} characters")
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


# ---------------------------------------------------------------------------------------
# Accelergy 0.4's expressions, computed without eval
# ---------------------------------------------------------------------------------------

ACCELERGY_CONSTANTS: dict[str, float] = {
    "pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf, "nan": math.nan}
"""The constants Accelergy 0.4 binds for its ``eval`` (``accelergy.parsing_utils.MATH_FUNCS``)."""

ACCELERGY_FUNCTIONS = frozenset({
    "ceil", "comb", "copysign", "fabs", "factorial", "floor", "fmod", "frexp", "fsum", "gcd",
    "isclose", "isfinite", "isinf", "isnan", "isqrt", "ldexp", "modf", "perm", "prod",
    "remainder", "trunc", "exp", "expm1", "log", "log1p", "log2", "log10", "pow", "sqrt",
    "acos", "asin", "atan", "atan2", "cos", "dist", "hypot", "sin", "tan", "degrees",
    "radians", "acosh", "asinh", "atanh", "cosh", "sinh", "tanh", "erf", "erfc", "gamma",
    "lgamma", "abs", "round", "sum", "range", "len", "min", "max", "float", "int", "str",
    "bool", "list", "tuple", "enumerate", "getcwd", "map",
})
"""The functions Accelergy 0.4 binds for its ``eval`` (``accelergy.parsing_utils.MATH_FUNCS``:
``math``'s functions and ``abs round pow sum range len min max float int str bool list tuple
enumerate getcwd map``; its ``pow`` is the built-in one). Every one but ``str``,
``enumerate``, ``getcwd`` and ``map`` is computed by :func:`evaluate_accelergy`."""

MAX_SEQUENCE = 10_000
"""Longest ``range`` whose items :func:`evaluate_accelergy` walks (``sum(range(n))``)."""

_MANY = 64  # variadic functions: at most as many arguments as an expression has nodes
_ACC_ARITY: dict[str, tuple[int, int]] = {
    "comb": (2, 2), "copysign": (2, 2), "fmod": (2, 2), "isclose": (2, 2), "ldexp": (2, 2),
    "remainder": (2, 2), "atan2": (2, 2), "dist": (2, 2), "perm": (1, 2), "log": (1, 2),
    "pow": (2, 3), "round": (1, 2), "sum": (1, 2), "range": (1, 3), "gcd": (0, _MANY),
    "hypot": (0, _MANY), "min": (1, _MANY), "max": (1, _MANY), "float": (0, 1),
    "int": (0, 2), "bool": (0, 1), "list": (0, 1), "tuple": (0, 1),
}
_NOT_COMPUTED = frozenset({"str", "enumerate", "getcwd", "map"})


class NotComputed(SpecError):
    """:func:`evaluate_accelergy` cannot compute a value that Accelergy may well compute
    (a construct or size beyond grcim's evaluator): the value is not checked."""


def _is_number(x: Any) -> bool:
    return isinstance(x, bool | int | float)


def _number(x: Any) -> Any:
    if not _is_number(x):
        raise _Unsupported(f"operators on {type(x).__name__} values are not computed by grcim")
    return x


def _items(x: Any) -> tuple[Any, ...]:
    if isinstance(x, range):
        if len(x) > MAX_SEQUENCE:
            raise _Unsupported(f"a range of more than {MAX_SEQUENCE} numbers")
        return tuple(x)
    if isinstance(x, tuple):
        return x
    if isinstance(x, str):
        raise _Unsupported("text used as a sequence")
    raise TypeError(f"'{type(x).__name__}' object is not iterable")


def _prod(x: Any) -> Any:
    out: Any = 1
    for v in _items(x):
        out = out * v
        _check_accelergy_value(out)
    return out


def _minmax(f: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        values = _items(args[0]) if len(args) == 1 else args
        if not all(_is_number(v) for v in values):
            raise _Unsupported(f"{f.__name__}() of values other than numbers")
        return f(values)
    return call


def _sum(x: Any, start: Any = 0) -> Any:
    values = _items(x)
    if not all(_is_number(v) for v in (*values, start)):
        raise _Unsupported("sum() of values other than numbers")
    return sum(values, start)


def _len(x: Any) -> int:
    if isinstance(x, range | tuple | str):
        return len(x)
    raise TypeError(f"object of type '{type(x).__name__}' has no len()")


def _int(*args: Any) -> int:
    if args and isinstance(args[0], str) and len(args[0]) > MAX_CHARS:
        raise _Unsupported("int() of a long text")
    return int(*args)


def _factorial(n: Any) -> int:
    if isinstance(n, int) and n > 1000:  # 171! already exceeds 2**1100
        raise _Unsupported(f"factorial too large: results must stay below 2**{MAX_INT_BITS}")
    return math.factorial(n)


def _combinatorial(f: Callable[..., int], symmetric: bool) -> Callable[..., int]:
    def call(n: Any, k: Any = None) -> int:
        if isinstance(n, int) and isinstance(k, int) and 0 <= k <= n:
            m = min(k, n - k) if symmetric else k
            if m * max(1, n.bit_length()) > 4 * MAX_INT_BITS:
                raise _Unsupported(f"{f.__name__}() too large: results must stay below "
                                   f"2**{MAX_INT_BITS}")
        return f(n) if k is None else f(n, k)
    call.__name__ = f.__name__
    return call


def _pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        return _power(_number(base), _number(exp))
    return pow(base, exp, mod)  # three ints: modular, fast; anything else a TypeError


def _round(x: Any, digits: Any = None) -> Any:
    if digits is None:
        return round(x)
    if isinstance(digits, int) and abs(digits) > MAX_ROUND_DIGITS:
        raise _Unsupported(f"round() digits beyond {MAX_ROUND_DIGITS}")
    return round(x, digits)


def _range(*args: Any) -> range:
    return range(*args)


def _sequence(x: Any = ()) -> tuple[Any, ...]:
    return _items(x)


def _dist(p: Any, q: Any) -> float:
    return math.dist(_items(p), _items(q))


def _math(name: str) -> Callable[..., Any]:
    f: Callable[..., Any] = getattr(math, name)
    return f


_ACC_CALLS: dict[str, Callable[..., Any]] = {
    **{name: _math(name) for name in ACCELERGY_FUNCTIONS if hasattr(math, name)},
    "fsum": lambda x: math.fsum(_items(x)), "prod": _prod, "dist": _dist,
    "factorial": _factorial, "comb": _combinatorial(math.comb, True),
    "perm": _combinatorial(math.perm, False), "pow": _pow, "abs": abs, "round": _round,
    "sum": _sum, "range": _range, "len": _len, "min": _minmax(min), "max": _minmax(max),
    "float": float, "int": _int, "bool": bool, "list": _sequence, "tuple": _sequence,
}


def _check_accelergy_value(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) \
            and value.bit_length() > MAX_INT_BITS:
        raise _Unsupported(f"result too large: integers must stay below 2**{MAX_INT_BITS}")
    if isinstance(value, tuple):
        for v in value:
            _check_accelergy_value(v)
    return value


class _AccelergyEvaluator(_Evaluator):
    """Python's semantics for what Accelergy 0.4 evaluates: its functions and constants,
    ``nan``, lists and tuples of numbers, ranges, and text as ``int``/``float`` arguments.
    A construct beyond that raises :class:`_Unsupported`; what Python itself would fail on
    (an unknown name, a division by zero, a math domain error) raises :class:`_Refused`."""

    _absent = _Unsupported
    _absent_text = "not computed by grcim"

    @staticmethod
    def _checked(value: Any) -> Any:
        return _check_accelergy_value(value)

    def _Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, bool | int | float | str):
            return node.value
        raise _Unsupported(f"constant {node.value!r} not computed by grcim")

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            value: Any = self.names[node.id]
            if isinstance(value, bool | int | float | str):
                return value
            raise _Unsupported(f"name {node.id!r} is not a number")
        if node.id in ACCELERGY_CONSTANTS:
            return ACCELERGY_CONSTANTS[node.id]
        if node.id in ACCELERGY_FUNCTIONS:
            raise _Unsupported(f"function {node.id!r} used as a value")
        raise _Refused(f"name {node.id!r} is not defined")

    def _List(self, node: ast.List) -> Any:
        return self._Tuple(node)

    def _Tuple(self, node: ast.List | ast.Tuple) -> Any:
        values = tuple(self.visit(v) for v in node.elts)
        if not all(_is_number(v) for v in values):
            raise _Unsupported("lists of values other than numbers")
        return values

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        if isinstance(node.op, ast.Not):
            return not self.visit(node.operand)
        value = _number(self.visit(node.operand))
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        raise _Unsupported("bitwise operators not computed by grcim")

    def _BinOp(self, node: ast.BinOp) -> Any:
        left = _number(self.visit(node.left))
        right = _number(self.visit(node.right))
        try:
            if isinstance(node.op, ast.Pow):
                return _power(left, right)
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise _Unsupported("bitwise and matrix operators not computed by grcim")
            return op(left, right)
        except ZeroDivisionError:
            raise _Refused("division by zero") from None
        except OverflowError as exc:
            raise _Refused(f"overflow: {exc}") from None

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for v in node.values:  # Python's: the deciding operand, short-circuited
            value = self.visit(v)
            if bool(value) != isinstance(node.op, ast.And):
                return value
        return value

    def _Compare(self, node: ast.Compare) -> Any:
        left = _number(self.visit(node.left))
        for op_node, right_node in zip(node.ops, node.comparators, strict=True):
            op = _CMPOPS.get(type(op_node))
            if op is None:
                raise _Unsupported("'is' and 'in' not computed by grcim")
            right = _number(self.visit(right_node))
            if not op(left, right):
                return False
            left = right
        return True

    def _Call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name):
            raise _Unsupported(f"call of {_describe(node.func)} not computed by grcim")
        name = node.func.id
        if name in self.names or name not in _ACC_CALLS:
            raise _Unsupported(f"call of {name!r} not computed by grcim")
        if node.keywords:
            raise _Unsupported("keyword arguments not computed by grcim")
        low, high = _ACC_ARITY.get(name, (1, 1))
        if not low <= len(node.args) <= high:
            raise _Refused(f"{name}() takes {low} to {high} arguments")
        args = [self.visit(a) for a in node.args]
        try:
            return _ACC_CALLS[name](*args)
        except ZeroDivisionError:
            raise _Refused(f"{name}() failed: division by zero") from None
        except (ValueError, OverflowError, TypeError) as exc:
            raise _Refused(f"{name}() failed: {exc}") from None


def evaluate_accelergy(
    text: str,
    names: Mapping[str, Number | str] | None = None,
    *,
    file: str = "<expression>",
    key: str = "<expression>",
    line: int | None = None,
) -> Number:
    """Compute an unquoted Accelergy 0.4 value the way Accelergy's ``eval`` would, without
    ``eval``: ``names`` (numbers or text) first, then :data:`ACCELERGY_CONSTANTS` and the
    functions in :data:`ACCELERGY_FUNCTIONS`. Only the result's number is returned.

    Callers refuse dangerous shapes first (attribute access, ``_`` names, ...): anything
    this evaluator does not know is never run, only reported.

    Raises
    ------
    NotComputed
        Accelergy may compute it but grcim does not (``str()``, a user function, keyword
        arguments, a list as the result, a huge integer, ...).
    grcim.errors.SpecError
        Python (so Accelergy) fails on it: an unknown name, a division by zero, a math
        domain error, a wrong argument count or type.
    """
    try:
        tree = _parse(text)
        value = _AccelergyEvaluator(names or {}).visit(tree)  # type: ignore[arg-type]
    except _Unsupported as why:
        raise NotComputed(file, key, text, str(why), line) from None
    except _Refused as why:
        raise SpecError(file, key, text, str(why), line) from None
    except RecursionError:
        raise NotComputed(file, key, text, "nested too deeply", line) from None
    if not _is_number(value):
        raise NotComputed(file, key, text, f"its value is a {type(value).__name__}, not a "
                          "number", line)
    return value
