"""How drawn graphs look: operator symbols, numbers written out, and colours."""
import math
import numbers
import re

import numpy as np

# Engine op names (Tensor nodes) and Scalar op names, as textbooks write them.
SYMBOLS = {
    "Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Neg": "−", "Matmul": "@", "Einsum": "einsum",
    "Exp": "exp", "Log": "log", "Log1p": "log1p", "Expm1": "expm1", "Sqrt": "√", "Abs": "|·|",
    "Sign": "sign", "Sin": "sin", "Cos": "cos", "Tanh": "tanh", "Sigmoid": "σ", "Relu": "ReLU",
    "Erf": "erf", "Maximum": "max", "Minimum": "min", "Where": "where", "Clamp": "clamp",
    "Cast": "cast", "Clone": "clone", "Sum": "Σ", "Mean": "mean", "Amax": "max", "Amin": "min", "Prod": "Π",
    "Cumsum": "cumsum", "Norm2": "‖·‖", "Reshape": "reshape", "Permute": "permute",
    "BroadcastTo": "broadcast", "BasicIndex": "[·]", "AdvancedIndex": "[·]", "IndexAdd": "index_add",
    "Cat": "cat", "Stack": "stack", "Flip": "flip", "Roll": "roll", "Pad": "pad", "Gather": "gather",
    "ScatterAdd": "scatter_add", "Unfold": "unfold", "Fold": "fold", "SelectAlong": "select",
    "Reciprocal": "1/·", "Rsqrt": "1/√", "Var": "var", "Std": "std", "Logsumexp": "logsumexp",
    "Softmax": "softmax", "LogSoftmax": "log_softmax", "LeakyRelu": "leaky_relu", "Elu": "ELU",
    "Gelu": "GELU", "Silu": "SiLU", "Softplus": "softplus",
    "+": "+", "*": "×", "-": "−", "/": "÷", "neg": "−", "sigmoid": "σ",
}
_INFIX = {"+", "−", "×", "÷", "@"}
_COMMUTATIVE = {"+", "×"}
_SUPERSCRIPTS = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")

# Fills: learnable leaves, data that needs no gradient, the drawn outputs, operators.
LEAF_FILL = "#dbe8f6"
DATA_FILL = "#eeeeee"
ROOT_FILL = "#fff2cc"
RESULT_FILL = "#ffffff"
OPERATOR_FILL = "#fbe3d6"
MODULE_FILL = "#e2f0d9"
BACKWARD_COLOR = "#c0392b"
PAST_BACKWARD_COLOR = "#e6a59d"
CAPTION_COLOR = "#555555"
FONT = "Helvetica"


def number(x, digits=4) -> str:
    """A number as a figure shows it: 4 significant digits, no "-0"."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    text = f"{float(x):.{digits}g}"
    return "0" if text == "-0" else text


def power_symbol(exponent_text: str) -> str:
    """(·)² for x ** 2, (·)^0.5 where no superscript reads well."""
    if re.fullmatch(r"-?\d+", exponent_text):
        return "(·)" + exponent_text.translate(_SUPERSCRIPTS)
    return f"(·)^{exponent_text}"


def operator_symbol(name: str, slots=(), node=None) -> str:
    """The label of an operator circle.

    `slots` has one entry per argument: None for an argument drawn as an input box, or the
    number it was called with (folded into the label: "× 3", "1 −", "(·)²").
    """
    power = re.fullmatch(r"\*\*(.+)", name)  # Scalar's x ** 2 is the op "**2"
    if power:
        return power_symbol(power.group(1))
    constants = [s for s in slots if s is not None]
    if name == "Pow" and len(slots) == 2 and constants:
        if slots[0] is None:
            return power_symbol(number(slots[1]))
        return f"{number(slots[0])}^(·)"
    if name == "Permute" and tuple(getattr(node, "dims", ())) == (1, 0):
        return "(·)ᵀ"
    symbol = SYMBOLS.get(name, name.lstrip("_"))  # a private Function class still reads as its name
    if not constants:
        return symbol
    if symbol in _INFIX and len(slots) == 2:
        if symbol in _COMMUTATIVE or slots[0] is None:
            return f"{symbol} {number(constants[0])}"
        return f"{number(constants[0])} {symbol}"
    return symbol + "(" + ", ".join("·" if s is None else number(s) for s in slots) + ")"


def value_lines(value, max_elements: int):
    """A value written out as lines of text, or None when it is too big to write out."""
    array = np.asarray(value)
    if array.ndim == 0:
        return [number(array.item())]
    if array.size > max_elements:
        return None
    text = np.array2string(array, separator=", ", max_line_width=10**6, threshold=10**6,
                           formatter={"float_kind": number})
    return [line for line in text.split("\n") if line.strip()]


def compact(value, max_elements: int) -> str:
    """One line for a value (edge labels, table cells): written out if small, else its norm."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    lines = value_lines(value, max_elements)
    if lines is None:
        return f"‖·‖ = {number(float(np.linalg.norm(np.asarray(value, dtype=float))))}"
    return " ".join(line.strip() for line in lines)


def magnitude(grad) -> float:
    """The size of a gradient, for colouring: root mean square of its elements."""
    array = np.asarray(grad, dtype=float)
    return float(np.sqrt(np.mean(array * array))) if array.size else 0.0


def heat(size: float, largest: float, decades: float = 6.0) -> str:
    """Fill colour for a gradient of `size`: strong for the largest, fading to white over
    `decades` orders of magnitude below it (so vanishing gradients show as pale boxes)."""
    if not (size > 0 and largest > 0 and math.isfinite(size)):
        return "#ffffff"
    strength = 1.0 - min(1.0, max(0.0, math.log10(largest / size) / decades))
    pale, strong = (255, 255, 255), (243, 134, 72)
    rgb = [round(p + (s - p) * strength) for p, s in zip(pale, strong)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def dot_label(lines) -> str:
    """Lines joined with DOT's centred line break; backslashes kept literal."""
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)
