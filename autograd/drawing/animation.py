"""Any sequence of drawings as an animation: a GIF or animated PNG that plays on a code host, a
self-contained HTML page with a slider, and, in Jupyter, an interactive stepper.

A subclass of `Animated` says what its frames are (`__len__`, `__getitem__` returning a
Drawing) and what each one means (`caption(i)`: one line, such as the chain-rule row of a
backward step); `Animated` renders them once and writes them out. Pillow (for GIF and APNG)
and ipywidgets (for the stepper) are optional: each is imported only by the feature that
needs it, whose error says how to install it. The HTML animation needs neither.

Example:
    steps = ag.draw_backward_steps(loss)   # a BackwardSteps, which is Animated
    steps.save("backprop.gif")             # or .png/.apng, or .html
    steps                                  # in Jupyter: the stepper (or the HTML animation)
"""
from __future__ import annotations

import html
import io
import json
import os
import re
import uuid
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from .dot import Drawing

if TYPE_CHECKING:  # imported when a stepper is asked for: it needs ipywidgets
    from .stepper import Stepper

SUFFIXES = (".gif", ".png", ".apng", ".html")
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"

PILLOW_HINT = ("Saving an animation as GIF or animated PNG needs Pillow, which is not installed: "
               "`pip install pillow` (or `pip install graphgrad[draw]`). Saving as .html needs no Pillow.")


class Animated(ABC):
    """A sequence of Drawings that renders as an animation and, in Jupyter, as a stepper.

    A subclass provides `__len__`, `__getitem__(i) -> Drawing` and `caption(i) -> str`.
    Rendered frames are cached (per dpi for PNG), so the stepper swaps frames and a second
    `save` writes them without running Graphviz again.
    """

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __getitem__(self, index: int) -> Drawing: ...

    @abstractmethod
    def caption(self, index: int) -> str:
        """One line saying what frame `index` shows (shown under it in the HTML and the stepper)."""

    def png_frames(self, dpi: float = 96) -> tuple[bytes, ...]:
        """Every frame as PNG bytes, rendered by Graphviz once for each dpi and then cached."""
        return self._rendered(("png", dpi), lambda drawing: _with_dpi(drawing, dpi).pipe(format="png"))

    def svg_frames(self) -> tuple[str, ...]:
        """Every frame as an SVG document, rendered once and then cached."""
        return self._rendered(("svg", None), lambda drawing: drawing.pipe(format="svg", encoding="utf-8"))

    def _rendered(self, key, render):
        # kept on the instance without an __init__, so that subclasses need not call one
        cache = vars(self).setdefault("_rendered_frames", {})
        if key not in cache:
            cache[key] = tuple(render(self[i]) for i in range(len(self)))
        return cache[key]

    def captions(self) -> list[str]:
        """`caption(i)` for every frame."""
        return [self.caption(i) for i in range(len(self))]

    def save(self, path: str | os.PathLike, duration: int = 1000, loop: int = 0, dpi: float = 96) -> str | os.PathLike:
        """Writes the animation to `path`, in the format its suffix names.

        Args:
            path: ".gif" (plays anywhere, a code host's README included), ".png" or ".apng" (an
                animated PNG: lossless, full colour), ".html" (one self-contained page: the
                frames as inline SVG, their captions, a slider and play/previous/next buttons).
            duration: how long each frame shows, in milliseconds.
            loop: 0 plays forever; another number is written into a GIF or PNG as its loop
                count, and makes an HTML page play once and stop at the last frame.
            dpi: the resolution of GIF and PNG frames (an HTML page is vector graphics).

        Returns:
            `path`.

        Raises:
            ValueError: the suffix is none of those.
            ImportError: GIF or PNG without Pillow (the message says how to install it).
        """
        suffix = os.path.splitext(os.fspath(path))[1].lower()
        if suffix not in SUFFIXES:
            raise ValueError(f"save: cannot write an animation as {suffix or 'a file without a suffix'!r} "
                             f"({os.fspath(path)}): use one of {', '.join(SUFFIXES)}")
        if not len(self):
            raise ValueError(f"save: {self!r} has no frames to write to {os.fspath(path)}")
        if suffix == ".html":
            with open(path, "w", encoding="utf-8") as file:
                file.write(html_page(self.svg_frames(), self.captions(), duration, loop))
            return path
        Image = require_pillow()  # before rendering: a missing package is said at once
        images = _on_one_canvas(Image, self.png_frames(dpi))
        if suffix == ".gif":
            images = _in_one_palette(Image, images)
        images[0].save(path, format="GIF" if suffix == ".gif" else "PNG", save_all=True,
                       append_images=images[1:], duration=duration, loop=loop, optimize=suffix == ".gif")
        return path

    def to_html(self, duration: int = 1000, loop: int = 0) -> str:
        """The HTML animation as a fragment to embed in a page (what Jupyter shows without widgets)."""
        return html_fragment(self.svg_frames(), self.captions(), duration, loop)

    def stepper(self, dpi: float = 96, duration: int = 1000) -> Stepper:
        """An interactive stepper for Jupyter (a `Stepper`): slider, play and previous/next
        buttons swapping the cached PNG frames, with the caption under them.

        Raises:
            ImportError: ipywidgets is not installed (the message says how to install it).
        """
        from .stepper import Stepper, require_widgets
        require_widgets()  # before rendering: a missing package is said at once
        return Stepper(self.png_frames(dpi), self.captions(), interval=duration)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter shows the stepper where ipywidgets is installed, else the HTML animation;
        the HTML is in the bundle either way, for a frontend that cannot show widgets."""
        from .stepper import widgets_installed

        def wanted(mime):
            return (include is None or mime in include) and (exclude is None or mime not in exclude)
        bundle = {}
        if wanted(WIDGET_MIMETYPE) and widgets_installed():
            bundle.update(self.stepper()._repr_mimebundle_())
        if wanted("text/html"):
            bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return {mime: data for mime, data in bundle.items() if wanted(mime)}


def _with_dpi(drawing, dpi):
    drawing = drawing.copy()  # the caller's drawing keeps its own resolution
    drawing.graph_attr["dpi"] = str(dpi)
    return drawing


def require_pillow() -> Any:
    """Pillow's Image module, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(PILLOW_HINT) from error
    return Image


def _on_one_canvas(Image, pngs):
    """The frames as RGB images of one size on white, each at the top left: Graphviz lays a
    graph out from there, so the part of it before a label that grew stays still."""
    frames = [Image.open(io.BytesIO(png)).convert("RGBA") for png in pngs]
    width, height = max(f.width for f in frames), max(f.height for f in frames)
    images = []
    for frame in frames:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(frame, (0, 0), frame)
        images.append(canvas)
    return images


def _in_one_palette(Image, images):
    """The frames in one 256-colour palette, for a GIF: one palette lets each frame store only
    what changed since the last; no dithering keeps flat fills flat (and small); and the
    palette's lightest colour is made pure white, so the background stays white."""
    sample = images[::max(1, len(images) // 8)]  # the colours of a few frames are those of all
    width, height = images[0].size
    stack = Image.new("RGB", (width, height * len(sample)))
    for i, image in enumerate(sample):
        stack.paste(image, (0, height * i))
    palette = stack.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    colours = palette.getpalette()
    lightest = max(range(len(colours) // 3), key=lambda k: sum(colours[3 * k:3 * k + 3]))
    colours[3 * lightest:3 * lightest + 3] = [255, 255, 255]
    palette.putpalette(colours)
    return [image.quantize(palette=palette, dither=Image.Dither.NONE) for image in images]


# ---- the HTML animation -----------------------------------------------------------------------

def html_fragment(svgs, captions, duration=1000, loop=0) -> str:
    """The frames (SVG documents) and captions as an HTML fragment with its controls.

    Without JavaScript (a sanitised notebook view) every frame shows, one under the other, with
    its caption; the script hides all but one and shows the slider and buttons."""
    key = f"gg-{uuid.uuid4().hex[:12]}"
    figures = "\n".join(
        f'<figure class="gg-frame" data-step="{i}">{_inline(svg, f"{key}-{i}")}'
        f'<figcaption class="gg-caption">{html.escape(caption)}</figcaption></figure>'
        for i, (svg, caption) in enumerate(zip(svgs, captions)))
    script = _SCRIPT.replace("KEY", json.dumps(key)).replace("DELAY", str(int(duration)))
    return (f'<div class="gg-animation" id="{key}">\n<style>{_STYLE.replace("KEY", key)}</style>\n'
            f'<div class="gg-controls" hidden><button class="gg-prev" title="previous step">&#9664;</button>'
            f'<button class="gg-play" title="play">play</button>'
            f'<button class="gg-next" title="next step">&#9654;</button>'
            f'<input class="gg-slider" type="range" min="0" max="{len(svgs) - 1}" value="0" step="1">'
            f'<span class="gg-counter"></span></div>\n{figures}\n'
            f'<script>{script.replace("LOOP", "true" if loop == 0 else "false")}</script>\n</div>')


def html_page(svgs, captions, duration=1000, loop=0) -> str:
    """`html_fragment` as a whole page: one file that opens in any browser, offline."""
    return ('<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>graphgrad animation</title></head>\n'
            f"<body>\n{html_fragment(svgs, captions, duration, loop)}\n</body>\n</html>\n")


def _inline(svg, prefix):
    """An SVG document as an element inside HTML: no XML prolog, and its ids made unique, as
    every frame's Graphviz ids (node1, edge1, ...) would otherwise clash in one page."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    return re.sub(r"url\(#", f"url(#{prefix}-", svg)


_STYLE = """
#KEY .gg-frame { margin: 0 0 1em 0; }
#KEY .gg-frame svg { max-width: 100%; height: auto; }
#KEY .gg-caption { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; white-space: pre-wrap; }
#KEY .gg-controls { display: flex; align-items: center; gap: 0.4em; }
#KEY .gg-slider { flex: 1; max-width: 24em; }
#KEY [hidden] { display: none; }
"""

# Plain JavaScript, no library: the slider holds the current frame; play steps it on a timer.
_SCRIPT = """
(function () {
  var root = document.getElementById(KEY), delay = DELAY, loop = LOOP;
  var frames = root.querySelectorAll(".gg-frame"), last = frames.length - 1;
  var slider = root.querySelector(".gg-slider"), play = root.querySelector(".gg-play");
  var counter = root.querySelector(".gg-counter"), timer = null;
  function current() { return Number(slider.value); }
  function show(i) {
    for (var k = 0; k <= last; k++) { frames[k].hidden = k !== i; }
    slider.value = i;
    counter.textContent = "step " + (i + 1) + " of " + frames.length;
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = "play"; }
  function tick() {
    if (current() < last) { show(current() + 1); } else if (loop) { show(0); } else { stop(); }
  }
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (!loop && current() === last) { show(0); }
    timer = setInterval(tick, delay);
    play.textContent = "pause";
  };
  root.querySelector(".gg-prev").onclick = function () { stop(); show(Math.max(current() - 1, 0)); };
  root.querySelector(".gg-next").onclick = function () { stop(); show(Math.min(current() + 1, last)); };
  slider.oninput = function () { stop(); show(current()); };
  root.querySelector(".gg-controls").hidden = false;
  show(0);
})();
"""
