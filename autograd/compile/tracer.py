"""Lowering: an op's own forward and gradient rule, run once more on stand-ins for its arrays,
give the NumPy calls it makes, which the generated code then makes directly.

A primitive's forward and backward are written in the vocabulary NumPy arrays and Tensors share
(operators, methods, NumPy functions). While ag.compile records, each primitive is run again
on Traced stand-ins: every operator, method or NumPy function applied to one is computed on
the real arrays and noted as one Call. codegen.py writes the calls inline instead of calling
the op, with a preallocated buffer as `out=` for each fresh ufunc result and Python numbers as
0-d arrays of the dtype NumPy casts them to. A trace computes its values exactly as the
generated code will (the same calls, buffers laid out as eager's results), and the recorder
compares them with the eager values bit for bit, so a rule that does something a trace cannot
follow (a Python decision on a value, NumPy code on a new array, an in-place write into one)
fails loudly (Untraceable) or differs, and the op is then replayed by calling it whole.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_SHAPE_ONLY = {np.shape, np.ndim, np.size}  # functions whose result depends on shapes alone
# NumPy functions that only call the ndarray method of the same name (_wrapfunc): the method skips
# a microsecond of Python
_AS_METHODS = {np.swapaxes, np.transpose, np.reshape, np.squeeze}


class Untraceable(Exception):
    """A rule did something a trace cannot turn into straight-line NumPy."""


class Call:
    """One NumPy call of a trace: `outs` (Traced) = `function`(operands, keywords).

    kind: a ufunc method ("__call__", "reduce", "accumulate"; into a preallocated buffer if
    `buffered`, into operands[0]'s array if `inplace`), "function" (a NumPy function), "method"
    (an ndarray method of operands[0], named by `function`), "getitem", "attribute" (.T, .mT).
    Operands are Traced, Constant or plain Python values (shapes, axes, dtypes, slices).
    """

    __slots__ = ("kind", "function", "operands", "keywords", "outs", "buffered", "inplace", "sequence")

    def __init__(self, kind: str, function: Any, operands: list, keywords: dict, outs: list,
                 buffered: bool = False, inplace: bool = False, sequence: bool = False) -> None:
        self.kind, self.function, self.operands, self.keywords = kind, function, operands, keywords
        self.outs, self.buffered, self.inplace, self.sequence = outs, buffered, inplace, sequence

    def reads(self) -> list[Traced]:
        """The stand-ins this call reads (inside tuples too: fancy indices, concatenate's list)."""
        found: list[Traced] = []
        pending = list(self.operands) + list(self.keywords.values())
        while pending:
            obj = pending.pop()
            if type(obj) is Traced:
                found.append(obj)
            elif type(obj) in (tuple, list):
                pending.extend(obj)
        return found


class Constant:
    """An array the rule made without reading a traced value (np.arange(n), a 0-d number):
    a copy, so that a later write into the rule's array cannot change what the code reads."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array.copy()


class Trace:
    """The calls one rule made, in order (`calls`), while it is the current trace."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.made: set[int] = set()  # ids of Traced made by a buffered call of this trace (in-place targets)

    def __enter__(self) -> Trace:
        global _current
        self._outer, _current = _current, self
        return self

    def __exit__(self, *exc: Any) -> None:
        global _current
        _current = self._outer

    def note(self, kind: str, function: Any, operands: list, keywords: dict, result: Any,
             buffered: bool = False) -> Any:
        if isinstance(result, (np.ndarray, np.generic)):
            outs = [Traced(result)]
        elif type(result) in (tuple, list) and result and all(isinstance(r, np.ndarray) for r in result):
            outs = [Traced(r) for r in result]
        else:
            raise Untraceable(f"{getattr(function, '__name__', function)} returned a {type(result).__name__}")
        sequence = isinstance(result, (tuple, list))
        self.calls.append(Call(kind, function, operands, keywords, outs, buffered, sequence=sequence))
        if buffered:
            self.made.add(id(outs[0]))
        return tuple(outs) if sequence else outs[0]


_current: Trace | None = None


def _trace() -> Trace:
    if _current is None:
        raise Untraceable("a stand-in used after its trace ended")
    return _current


def real(obj: Any) -> Any:
    """`obj` with every stand-in replaced by its array (inside lists, tuples and dicts too)."""
    if type(obj) is Traced:
        return obj.array
    if type(obj) is Constant:
        return obj.array
    if type(obj) in (tuple, list):
        return type(obj)(real(o) for o in obj)
    if type(obj) is dict:
        return {k: real(v) for k, v in obj.items()}
    return obj


def _operand(obj: Any) -> Any:
    """What a call reads: a stand-in, a Constant for an array made without one, or a plain value."""
    if type(obj) is Traced:
        return obj
    if isinstance(obj, np.ndarray):
        if not obj.flags.writeable or obj.base is not None:
            raise Untraceable("a view of an untraced array")
        return Constant(obj)
    if type(obj) in (tuple, list):
        return type(obj)(_operand(o) for o in obj)
    return obj


def same_bits(a: Any, b: Any) -> bool:
    """True when two arrays (or NumPy scalars, taken as 0-d arrays) are equal bit for bit, with
    the same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _ufunc(ufunc: Any, method: str, inputs: tuple, keywords: dict) -> Any:
    out = keywords.pop("out", None)
    if method not in ("__call__", "reduce", "accumulate") or any(k in keywords for k in ("where", "casting", "order")):
        raise Untraceable(f"{ufunc.__name__}.{method} with {sorted(keywords)}")
    operands = list(inputs)
    if method == "__call__" and ufunc.nin == len(inputs):
        # Python numbers become 0-d arrays of the dtype NumPy's weak-scalar rule casts them to:
        # the same arithmetic, at half the cost of a Python operand
        kinds = [type(o) if type(o) in (int, float, complex, bool) else np.asarray(real(o)).dtype for o in inputs]
        if any(isinstance(k, type) for k in kinds):
            try:
                loop = ufunc.resolve_dtypes(tuple(kinds) + (None,) * ufunc.nout)
                operands = [Constant(np.asarray(o, dtype=loop[i])) if isinstance(kinds[i], type) else o
                            for i, o in enumerate(inputs)]
            except (TypeError, ValueError, OverflowError) as error:
                raise Untraceable(f"{ufunc.__name__}: {error}") from None
    trace = _trace()
    operands = [_operand(o) for o in operands]
    function = getattr(ufunc, method)
    args, kwargs = real(operands), real(keywords)
    if out is not None:
        target = out[0] if type(out) is tuple else out
        if type(out) is tuple and len(out) != 1:
            raise Untraceable(f"{ufunc.__name__} with several outputs")
        if isinstance(target, np.ndarray) and target.base is None and target.flags.c_contiguous:
            # into a new array the rule made (np.positive(g, out=np.empty(shape))): the code's buffer
            result = function(*args, **kwargs, out=target)
            return trace.note(method, ufunc, operands, keywords, result, buffered=True)
        # an in-place write: only into a fresh result of this trace (x @ w; out += b)
        if type(target) is not Traced or id(target) not in trace.made:
            raise Untraceable(f"{ufunc.__name__} writing into an array the trace did not make")
        function(*args, **kwargs, out=target.array)
        trace.calls.append(Call(method, ufunc, operands, keywords, [target], inplace=True))
        return target
    fresh = function(*args, **kwargs)
    # Not a NumPy scalar into a 0-d buffer: arithmetic on scalars is not always arithmetic on 0-d
    # arrays (`s ** -0.5` on a float32 scalar and on a 0-d array can differ in the last bit)
    if ufunc.nout == 1 and isinstance(fresh, np.ndarray):
        buffer = np.empty_like(fresh)
        result = function(*args, **kwargs, out=buffer)
        if same_bits(result, fresh):
            return trace.note(method, ufunc, operands, keywords, result, buffered=True)
    return trace.note(method, ufunc, operands, keywords, fresh)


def _method(name: str) -> Any:
    def method(self: Traced, *args: Any, **kwargs: Any) -> Any:
        operands = [self] + [_operand(a) for a in args]
        keywords = {k: _operand(v) for k, v in kwargs.items()}
        result = getattr(self.array, name)(*real(operands[1:]), **real(keywords))
        return _trace().note("method", name, operands, keywords, result)
    method.__name__ = name
    return method


def _operator(ufunc: Any, reflected: bool = False) -> Any:
    if reflected:
        return lambda self, other: _ufunc(ufunc, "__call__", (other, self), {})
    return lambda self, other: _ufunc(ufunc, "__call__", (self, other), {})


def _inplace(ufunc: Any) -> Any:
    return lambda self, other: _ufunc(ufunc, "__call__", (self, other), {"out": (self,)})


class Traced:
    """A stand-in for one array while a rule is traced: `array` is its real value (computed as
    the generated code computes it), `value` the recorder's name for it (None: made by this trace)."""

    __slots__ = ("array", "value")
    __hash__ = None  # type: ignore[assignment]  # compared elementwise, as arrays are

    def __init__(self, array: Any, value: Any = None) -> None:
        self.array, self.value = array, value

    # ---- NumPy's protocols ------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **keywords: Any) -> Any:
        return _ufunc(ufunc, method, inputs, keywords)

    def __array_function__(self, function: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if function in _SHAPE_ONLY:
            return function(*real(args), **real(kwargs))
        if function in _AS_METHODS and type(args[0]) is Traced:  # np.swapaxes(a, ...) is a.swapaxes(...), in C
            return getattr(args[0], function.__name__)(*args[1:], **kwargs)
        operands, keywords = [_operand(a) for a in args], {k: _operand(v) for k, v in kwargs.items()}
        if "out" in keywords:
            raise Untraceable(f"np.{function.__name__}(out=...)")
        return _trace().note("function", function, operands, keywords, function(*real(operands), **real(keywords)))

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise Untraceable("converted to an array (np.asarray or NumPy code on a new array)")

    def _python(self, *args: Any) -> Any:
        raise Untraceable("turned into a Python value (a decision on data)")

    __bool__ = __float__ = __int__ = __index__ = __complex__ = __iter__ = _python

    def __setitem__(self, key: Any, value: Any) -> None:
        raise Untraceable("an item assignment")

    # ---- what the rules read ----------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def dtype(self) -> Any:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def size(self) -> int:
        return self.array.size

    @property
    def itemsize(self) -> int:
        return self.array.itemsize

    def __len__(self) -> int:
        return len(self.array)

    @property
    def T(self) -> Any:  # noqa: N802  (NumPy's name)
        return _trace().note("attribute", "T", [self], {}, self.array.T)

    @property
    def mT(self) -> Any:  # noqa: N802  (NumPy's name)
        return _trace().note("attribute", "mT", [self], {}, self.array.mT)

    def __getitem__(self, key: Any) -> Any:
        key = _operand(key)
        return _trace().note("getitem", None, [self, key], {}, self.array[real(key)])

    __add__, __radd__ = _operator(np.add), _operator(np.add, True)
    __sub__, __rsub__ = _operator(np.subtract), _operator(np.subtract, True)
    __mul__, __rmul__ = _operator(np.multiply), _operator(np.multiply, True)
    __truediv__, __rtruediv__ = _operator(np.true_divide), _operator(np.true_divide, True)
    __floordiv__, __rfloordiv__ = _operator(np.floor_divide), _operator(np.floor_divide, True)
    __mod__, __rmod__ = _operator(np.remainder), _operator(np.remainder, True)
    __matmul__, __rmatmul__ = _operator(np.matmul), _operator(np.matmul, True)
    __and__, __rand__ = _operator(np.bitwise_and), _operator(np.bitwise_and, True)
    __or__, __ror__ = _operator(np.bitwise_or), _operator(np.bitwise_or, True)
    __xor__, __rxor__ = _operator(np.bitwise_xor), _operator(np.bitwise_xor, True)
    __lt__, __le__ = _operator(np.less), _operator(np.less_equal)
    __gt__, __ge__ = _operator(np.greater), _operator(np.greater_equal)
    __eq__, __ne__ = _operator(np.equal), _operator(np.not_equal)
    __iadd__, __isub__, __imul__ = _inplace(np.add), _inplace(np.subtract), _inplace(np.multiply)
    __itruediv__ = _inplace(np.true_divide)

    def __pow__(self, other: Any) -> Any:
        # `a ** 2` is ndarray's fast path (np.square), not np.power: keep the operator itself
        exponent = _operand(other)
        return _trace().note("method", "__pow__", [self, exponent], {}, self.array ** real(exponent))

    def __rpow__(self, other: Any) -> Any:
        base = _operand(other)
        return _trace().note("method", "__rpow__", [self, base], {}, real(base) ** self.array)

    def __neg__(self) -> Any:
        return _ufunc(np.negative, "__call__", (self,), {})

    def __pos__(self) -> Any:
        return _ufunc(np.positive, "__call__", (self,), {})

    def __abs__(self) -> Any:
        return _ufunc(np.absolute, "__call__", (self,), {})

    def __invert__(self) -> Any:
        return _ufunc(np.invert, "__call__", (self,), {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # NumPy and Python probe for protocols: "not here" is the answer
            raise AttributeError(name)
        raise Untraceable(f"ndarray.{name}")

    def __repr__(self) -> str:
        return f"Traced({self.array.shape}, {self.array.dtype})"


for _name in ("sum", "mean", "max", "min", "prod", "all", "any", "argmax", "argmin", "reshape", "transpose",
              "swapaxes", "squeeze", "astype", "view", "copy", "ravel", "flatten", "clip", "cumsum", "repeat",
              "nonzero", "round", "conj", "var", "std", "dot"):
    setattr(Traced, _name, _method(_name))
