"""How drawn graphs look: operator labels (as textbooks write them, from the symbols the
operators give), numbers written out, and colours."""
import math
import numbers
import re

import numpy as np

# Symbols written between their two arguments, and those of them whose arguments commute.
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


def op_name(node) -> str:
    """An operator's full name as drawings write it: a private Function class reads as its name."""
    return node.name.lstrip("_")


def operator_symbol(symbol: str, slots=(), power: bool = False, dims=None) -> str:
    """The label of an operator circle, from the operator's textbook symbol (or its name).

    `slots` has one entry per argument: None for an argument drawn as an input box, or the
    number it was called with (folded into the label: "× 3", "1 −"). `power`: the operator
    raises its first argument to its second, written (·)² for a constant exponent and 2^(·)
    for a constant base. `dims`: a "permute"'s order of axes; swapping two is written (·)ᵀ.
    """
    constants = [s for s in slots if s is not None]
    if power and len(slots) == 2 and constants:
        if slots[0] is None:
            return power_symbol(number(slots[1]))
        return f"{number(slots[0])}^(·)"
    if symbol == "permute" and tuple(dims or ()) == (1, 0):
        return "(·)ᵀ"
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
