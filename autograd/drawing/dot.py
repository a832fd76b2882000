"""Graphviz, the drawing's one optional dependency: the `Drawing` type drawings are returned as,
and `GraphvizNotInstalledError`, which says how to install whatever is missing.

The Python package `graphviz` is imported here and nowhere else, inside a guard: without it
`import autograd` still works (and so does everything but drawing), and asking for a drawing
raises GraphvizNotInstalledError saying `pip install graphviz`. With it, the types are
graphviz's own: a Drawing is a `graphviz.Digraph` and the error a `graphviz.ExecutableNotFound`
(raised also when a drawing is rendered without Graphviz's `dot` program).
"""
try:
    import graphviz
except ImportError:  # drawing needs it; autograd's engine does not
    graphviz = None

_GET_DOT = ("`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
            "`conda install graphviz` (conda)")

INSTALL_HINT = (f"Rendering needs Graphviz's `dot` program, which was not found on PATH. Install it with "
                f"{_GET_DOT}; the pip package `graphviz` is only the Python interface. "
                f"The DOT text is still available as `.source` (paste it into any Graphviz viewer).")

PACKAGE_HINT = (f"Drawing needs the Python package `graphviz`, which is not installed: `pip install graphviz`. "
                f"Rendering a drawing also needs Graphviz's `dot` program: install it with {_GET_DOT}.")


# (the base class is chosen at import, as graphviz is optional: mypy cannot check it statically)
class GraphvizNotInstalledError(graphviz.ExecutableNotFound if graphviz is not None else RuntimeError):  # type: ignore[misc]
    """Raised when a drawing is asked for without the Python package `graphviz`, or rendered
    without Graphviz's `dot` program. A RuntimeError (a `graphviz.ExecutableNotFound` where the
    package is installed)."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


def require_graphviz() -> None:
    """Raises GraphvizNotInstalledError, saying how to install it, where `graphviz` is missing."""
    if graphviz is None:
        raise GraphvizNotInstalledError(PACKAGE_HINT)


# (the base class is chosen at import, as graphviz is optional: mypy cannot check it statically)
class Drawing(graphviz.Digraph if graphviz is not None else object):  # type: ignore[misc]
    """A `graphviz.Digraph` (displays inline in Jupyter; `.render()`, `.pipe()`, `.source`) whose
    rendering says how to install Graphviz when its `dot` program is missing."""

    def __init__(self, *args, **kwargs):
        require_graphviz()
        super().__init__(*args, **kwargs)

    def pipe(self, *args, **kwargs):
        return _running_dot(super().pipe, *args, **kwargs)

    def render(self, *args, **kwargs):
        return _running_dot(super().render, *args, **kwargs)


def _running_dot(method, *args, **kwargs):
    """graphviz's pipe or render, whose error for a missing `dot` says how to install it."""
    try:
        return method(*args, **kwargs)
    except GraphvizNotInstalledError:
        raise
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotInstalledError(f"{INSTALL_HINT} ({error})") from error


# Only called while painting a Drawing, whose creation checked that graphviz is installed.
def cluster(name, graph_attr):
    """A subgraph for `Drawing.subgraph`; a name starting with "cluster" gets a frame."""
    return graphviz.Digraph(name=name, graph_attr=graph_attr)


def literal(text):
    """`text` as a DOT label to be written as it is (never read as an HTML-like label)."""
    return graphviz.nohtml(text)
