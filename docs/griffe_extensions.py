"""A Griffe extension for the API pages (mkdocs.yml: mkdocstrings' `extensions`).

It adapts two habits of the project's docstrings to Google-style parsing, without changing
what they say:

- doctests are headed `Example:`, which the parser reads as an admonition (its `>>>` lines
  would render as nested quotes); as `Examples:` they render as highlighted Python sessions;
- `Args:` sections group arguments and wrap lines without indenting them
  (`kernel_size; stride (default kernel_size); padding (0, zeros);` then a line with the
  colon); the parser drops a line that neither names arguments before a colon nor is indented
  under the entry above, so such a line is indented as the continuation of the entry above it, or, before the first entry,
  joined to the line that follows.
"""
from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:[ \t]*$", re.M)
_ARGS = re.compile(r"^(\s*)(Args|Arguments):[ \t]*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _names_entry(line: str) -> bool:
    """Whether a line starts an entry: argument names (`p (0.5); inplace`) before a colon."""
    names, colon, _ = line.strip().partition(":")
    return bool(colon) and re.match(r"[A-Za-z_*]", names) is not None and "=" not in names


def _mend_args(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _ARGS.match(lines[i])
        out.append(lines[i])
        i += 1
        if not match:
            continue
        item = None  # the indent of the section's entries
        pending = ""  # leading lines without a colon, joined to the next entry
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > len(match.group(1))):
            line = lines[i]
            i += 1
            if not line.strip():
                out.append(line)
                continue
            if item is None:
                item = _indent(line)
            if _indent(line) == item and not _names_entry(line):
                if len(out) and out[-1].strip() and _indent(out[-1]) >= item and not _ARGS.match(out[-1]):
                    out.append(" " * (item + 4) + line.strip())  # continues the entry above
                else:
                    pending += line.strip() + " "
                continue
            if pending and _indent(line) == item:
                line = " " * item + pending + line.strip()
                pending = ""
            out.append(line)
        if pending:
            out.append(" " * (item or 0) + pending.rstrip())
    return "\n".join(out)


class DocstringHabits(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None:
            return
        value = docstring.value
        if "Example:" in value:
            value = _EXAMPLE.sub(r"\1Examples:", value)
        if "Args:" in value or "Arguments:" in value:
            value = _mend_args(value)
        docstring.value = value
