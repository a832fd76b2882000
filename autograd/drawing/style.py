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


def summary(value) -> str:
    """A value too big to write out, in one line: its range and mean."""
    array = np.asarray(value, dtype=float)
    if array.size == 0:
        return "(empty)"
    return f"min {number(array.min())} · mean {number(array.mean())} · max {number(array.max())}"


# Operator circles are all one size; a longer symbol is written smaller to fit.
CIRCLE_WIDTH = "0.5"
CIRCLE_CHARACTERS = 8  # the longest label a circle holds; a longer one keeps its symbol only


def circle_fontsize(label: str) -> str:
    longest = max((len(line) for line in label.split("\n")), default=1)
    return "12" if longest <= 3 else "10" if longest <= 5 else "8" if longest <= 7 else "6.5"


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


# ---- names: what an unnamed value is called, and a module's title ------------------------------
EXPRESSION_LENGTH = 24  # longer expressions empty their innermost brackets: ReLU(…)
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_ENCLOSING = {"|·|", "‖·‖"}  # symbols that bracket their operand themselves


def subscript(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)


def expression(symbol: str, operands, slots=(), power: bool = False, dims=None) -> str:
    """How a value is written from the names of the values it was computed from, as the
    operator's symbol writes it: "W1 @ x", "ReLU(h)", "(ŷ − y)²", "1 − p", "Wᵀ", "Σ(e²)".
    `slots` as for operator_symbol (None for an operand, the number for a constant). Past
    EXPRESSION_LENGTH characters the innermost brackets are emptied first: "(W2 @ ReLU(…) − 1.5)²"."""
    text = _expression(symbol, operands, slots, power, dims)
    while len(text) > EXPRESSION_LENGTH:
        group = _innermost_group(text)
        if group is None:
            return text[:EXPRESSION_LENGTH - 1] + "…"
        start, end = group
        text = text[:start + 1] + "…" + text[end:]
    return text


def _innermost_group(text: str):
    """(start, end) of the deepest pair of parentheses not yet emptied to "(…)", or None."""
    best, opened = None, []
    for i, char in enumerate(text):
        if char == "(":
            opened.append(i)
        elif char == ")" and opened:
            start = opened.pop()
            if text[start + 1:i] != "…" and (best is None or len(opened) >= best[0]):
                best = (len(opened), start, i)
    return None if best is None else best[1:]


def _expression(symbol, operands, slots, power, dims):
    names = iter(operands)
    raw = [number(s) if s is not None else next(names, "?") for s in slots] if slots else list(names)
    if symbol in _INFIX and len(raw) == 2:
        return " ".join([_operand(raw[0], symbol, 0), symbol, _operand(raw[1], symbol, 1)])
    postfix = [_operand(name, "postfix") for name in raw]  # bracketed where compound
    if power and len(raw) == 2:
        exponent = number(slots[1]) if len(slots) == 2 and slots[1] is not None else None
        if exponent is not None and re.fullmatch(r"-?\d+", exponent):
            return postfix[0] + exponent.translate(_SUPERSCRIPTS)
        return f"{postfix[0]}^{postfix[1]}"
    if len(raw) == 1:
        if symbol == "permute" and tuple(dims or ()) == (1, 0):
            return postfix[0] + "ᵀ"
        if symbol.startswith("(·)"):  # a Scalar's power: (·)²
            return postfix[0] + symbol[3:]
        if symbol == "[·]":
            return postfix[0] + "[…]"
        if symbol == "−":
            return "−" + postfix[0]
        if symbol in _ENCLOSING:  # |a − b|
            return symbol.replace("·", _operand(raw[0], "argument"))
        if "·" in symbol:  # 1/·, 1/√
            return symbol.replace("·", postfix[0])
    return f"{symbol}({', '.join(_operand(name, 'argument') for name in raw)})"


_ADDITIVE, _MULTIPLICATIVE = {"+", "−"}, {"×", "÷", "@"}


def _operand(name: str, context: str, side: int = 0) -> str:
    """An operand's name inside a larger expression, in parentheses where precedence needs them.
    `context`: an infix symbol (`side` 0 left, 1 right), "postfix" (Wᵀ, a², a[…]) or "argument"
    (ReLU(a + b))."""
    top = _top_level_infix(name) if " " in name else set()
    if not top or context == "argument":
        return name
    if context in _ADDITIVE:
        needed = side == 1 and bool(top & _ADDITIVE)
    elif context in _MULTIPLICATIVE:
        needed = bool(top & _ADDITIVE) or side == 1
    else:
        needed = True
    return f"({name})" if needed else name


def _top_level_infix(text: str) -> set:
    """The infix symbols of `text` outside any brackets."""
    found, depth = set(), 0
    for i, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0 and char in _INFIX and text[i - 1:i] == " ":
            found.add(char)
    return found


def module_title(name: str, module) -> str:
    """A module's cluster title, "fc1: Linear(64→128)": its type, and its first arguments as
    its `extra_repr()` gives them (two counts written as in→out, a kernel size as 3×3)."""
    items = _top_level_items(module.extra_repr()) if hasattr(module, "extra_repr") else []
    values = [item.partition("=")[2] if "=" in item.split("(")[0] else item for item in items]
    values = [_compact_tuple(v.strip()) for v in values]
    brief = ""
    if len(values) >= 2 and values[0].isdigit() and values[1].isdigit():
        brief = f"{values[0]}→{values[1]}"
        if len(items) > 2 and items[2].startswith("kernel_size="):
            brief += f", {values[2]}"
    elif values:
        brief = values[0]
    return f"{name}: {type(module).__name__}({brief})" if name else f"{type(module).__name__}({brief})"


def _top_level_items(text: str):
    """"a, b=(1, 2), c" split at the commas outside parentheses."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            items.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        items.append(text[start:].strip())
    return items


def _compact_tuple(value: str) -> str:
    """"(3, 3)" as 3×3, "(64,)" as 64."""
    if value.startswith("(") and value.endswith(")"):
        parts = [p.strip() for p in value[1:-1].split(",") if p.strip()]
        return "×".join(parts)
    return value
