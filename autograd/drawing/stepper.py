"""The interactive stepper for Jupyter: a slider, a play button and previous/next buttons over
frames rendered once, with each frame's caption under it.

ipywidgets is optional and imported here only when a stepper is built; `Animated` asks
`widgets_installed()` before offering one, and falls back to its HTML animation.

Example:
    stepper = ag.draw_backward_steps(loss).stepper()
    stepper            # in Jupyter: the widget
    stepper.go(2)      # or move it from Python: stepper.step == 2, stepper.frame is frame 2's PNG
"""
from __future__ import annotations

import html
import struct
from collections.abc import Sequence
from typing import Any

WIDGETS_HINT = ("The interactive stepper needs ipywidgets, which is not installed: `pip install ipywidgets` "
                "(or `pip install graphgrad[draw]`). Without it, Jupyter shows the HTML animation, and "
                "`save('steps.html')` writes it to a file.")


def widgets_installed() -> bool:
    """Whether ipywidgets can be imported."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def require_widgets() -> Any:
    """The ipywidgets module, or an ImportError saying how to install it."""
    try:
        import ipywidgets
    except ImportError as error:
        raise ImportError(WIDGETS_HINT) from error
    return ipywidgets


class Stepper:
    """Steps through PNG frames in Jupyter, swapping the cached bytes (nothing is re-rendered).

    `step` is the index of the frame shown (0-based, as `steps[i]`); the slider reads
    `step + 1`, as the steps table numbers its rows. `next()` at the last frame and
    `previous()` at the first stay where they are (their buttons are disabled there); play
    runs from the slider to the last frame and stops.

    Args:
        frames: the PNG bytes of each frame.
        captions: one line of text for each frame.
        interval: milliseconds per frame while playing.

    Attributes:
        widget: the whole UI (an ipywidgets VBox); play, slider, previous_button, next_button,
            image and caption are its parts.
    """

    def __init__(self, frames: Sequence[bytes], captions: Sequence[str], interval: int = 1000) -> None:
        widgets = require_widgets()
        if not frames or len(frames) != len(captions):
            raise ValueError(f"Stepper: needs one caption per frame and at least one frame, "
                             f"got {len(frames)} frames and {len(captions)} captions")
        self.frames, self.captions = tuple(frames), tuple(captions)
        self._step = 0
        count = len(self.frames)
        self.play = widgets.Play(value=1, min=1, max=count, interval=interval, description="play")
        self.slider = widgets.IntSlider(value=1, min=1, max=count, description="step")
        widgets.jslink((self.play, "value"), (self.slider, "value"))  # in the browser: play moves the slider
        self.slider.observe(lambda change: self._show(change["new"] - 1), names="value")
        self.previous_button = widgets.Button(description="◀", tooltip="previous step", layout=widgets.Layout(width="3em"))
        self.next_button = widgets.Button(description="▶", tooltip="next step", layout=widgets.Layout(width="3em"))
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        # a box the size of the largest frame, each frame at its top left (as in a GIF): the controls stay put
        width, height = (max(size) for size in zip(*map(_png_size, self.frames)))
        self.image = widgets.Image(value=self.frames[0], format="png", layout=widgets.Layout(
            width=f"{width}px", height=f"{height}px", max_width="100%", object_fit="scale-down", object_position="left top"))
        self.caption = widgets.HTML()
        controls = widgets.HBox([self.play, self.previous_button, self.slider, self.next_button])
        self.widget = widgets.VBox([controls, self.image, self.caption])
        self._show(0)

    @property
    def step(self) -> int:
        """The index of the frame shown."""
        return self._step

    @property
    def frame(self) -> bytes:
        """The PNG bytes of the frame shown."""
        return self.frames[self._step]

    def go(self, index: int) -> None:
        """Shows frame `index` (negative counts from the end, as in a list)."""
        count = len(self.frames)
        if not -count <= index < count:
            raise IndexError(f"Stepper.go: no frame {index}: there are {count} (0 to {count - 1})")
        self._show(index % count)

    def next(self) -> None:
        """Shows the next frame; at the last frame, stays there."""
        self.go(min(self._step + 1, len(self.frames) - 1))

    def previous(self) -> None:
        """Shows the previous frame; at the first frame, stays there."""
        self.go(max(self._step - 1, 0))

    def _show(self, index):
        # reached from go() and from the slider's observer; setting the slider to its own
        # value again fires nothing, so the two never loop
        self._step = index
        self.slider.value = index + 1
        self.image.value = self.frames[index]
        self.caption.value = f'<span style="font-family: monospace; white-space: pre-wrap">{html.escape(self.captions[index])}</span>'
        self.previous_button.disabled = index == 0
        self.next_button.disabled = index == len(self.frames) - 1

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<Stepper: frame {self._step + 1} of {len(self.frames)}>"


def _png_size(png):
    """(width, height) from a PNG's header (its IHDR chunk), without decoding the image."""
    return struct.unpack(">II", png[16:24])
