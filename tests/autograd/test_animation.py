"""Animations of drawings (autograd/drawing/animation.py) and the Jupyter stepper
(autograd/drawing/stepper.py): GIF and APNG read back with Pillow, the self-contained HTML page,
the stepper's state without a browser, and Pillow and ipywidgets as optional dependencies."""
import html
import io
import re
import shutil
import sys

import numpy as np
import pytest

import autograd as ag
from autograd.drawing.animation import WIDGET_MIMETYPE, Animated

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


class Frames(Animated):
    """BackwardSteps' frames as an Animated, captioned by the steps table's first row of each step."""

    def __init__(self, steps):
        self.steps, self.rendered = steps, 0

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, index):
        self.rendered += 1
        return self.steps[index]

    def caption(self, index):
        row = next(row for row in self.steps.rows() if row[0] == str(index + 1))
        return "  ".join(cell for cell in row if cell)

    def __repr__(self):
        return f"<Frames: {len(self)}>"


def _loss_steps():
    w, x = ag.tensor(1.0, requires_grad=True), ag.tensor(1.0)
    return ag.draw_backward_steps((w * x - 2) ** 2, names={"w": w, "x": x})


@pytest.fixture(scope="module")
def frames():
    """Rendered once for the module: every test below reads the same cached frames."""
    return Frames(_loss_steps())


def _images(path):
    """Every frame of an animated GIF or PNG as an RGB array, and the file's first image."""
    from PIL import Image
    image = Image.open(path)
    arrays = []
    for i in range(image.n_frames):
        image.seek(i)
        arrays.append(np.asarray(image.convert("RGB"), dtype=np.int16))
    image.seek(0)
    return image, arrays


def _on_white(png, size):
    """A PNG frame as the animation should show it: at the top left of a white canvas of `size`."""
    from PIL import Image
    frame = Image.open(io.BytesIO(png)).convert("RGBA")
    canvas = Image.new("RGB", size, "white")
    canvas.paste(frame, (0, 0), frame)
    return np.asarray(canvas, dtype=np.int16)


def _canvas(pngs):
    from PIL import Image
    sizes = [Image.open(io.BytesIO(png)).size for png in pngs]
    return max(w for w, _ in sizes), max(h for _, h in sizes), len(set(sizes))


# ---- GIF and animated PNG ----------------------------------------------------------------------

@needs_dot
def test_gif_has_one_frame_per_step_on_one_canvas_and_shows_each_step(frames, tmp_path):
    pytest.importorskip("PIL")
    width, height, distinct = _canvas(frames.png_frames())
    assert distinct > 1  # the frames differ in size: the canvas is what keeps the GIF still
    path = tmp_path / "backprop.gif"
    assert frames.save(path, duration=400) == path
    image, arrays = _images(path)
    assert image.format == "GIF" and image.is_animated and image.n_frames == len(frames) == 4
    assert image.info["loop"] == 0 and image.info["duration"] == 400
    assert {a.shape for a in arrays} == {(height, width, 3)}
    for array, png in zip(arrays, frames.png_frames()):  # each frame is its step, up to the palette
        assert np.abs(array - _on_white(png, (width, height))).mean() < 0.5
    assert (arrays[0][-1, -1] == 255).all()  # the first frame is the narrowest: padded with white
    assert np.abs(arrays[0] - arrays[-1]).mean() > 1
    assert path.stat().st_size < 200_000


@needs_dot
@pytest.mark.parametrize("suffix", [".png", ".apng"])
def test_animated_png_holds_each_steps_drawing_exactly(frames, tmp_path, suffix):
    pytest.importorskip("PIL")
    width, height, _ = _canvas(frames.png_frames())
    image, arrays = _images(frames.save(tmp_path / f"backprop{suffix}", loop=2))
    assert image.format == "PNG" and image.is_animated and image.n_frames == len(frames)
    assert image.info["loop"] == 2
    assert {a.shape for a in arrays} == {(height, width, 3)}
    # the first frame is step 1 of the table (the loss's operator), the last the leaf w
    steps = frames.steps
    assert (steps.steps[0].operator, steps.steps[-1].name) == ("(·)²", "w")
    assert np.array_equal(arrays[0], _on_white(steps[0].pipe(format="png"), (width, height)))
    assert np.array_equal(arrays[-1], _on_white(steps[len(steps) - 1].pipe(format="png"), (width, height)))
    assert not np.array_equal(arrays[0], arrays[-1])


@needs_dot
def test_frames_are_rendered_once_and_a_dpi_changes_their_resolution(tmp_path):
    counted = Frames(_loss_steps())
    pngs = counted.png_frames()
    assert counted.png_frames() is pngs and counted.rendered == len(counted)
    counted.save(tmp_path / "again.png")
    assert counted.rendered == len(counted)
    sharp = counted.png_frames(dpi=192)
    assert counted.rendered == 2 * len(counted)
    width, height, _ = _canvas(pngs)
    sharp_width, sharp_height, _ = _canvas(sharp)
    assert abs(sharp_width - 2 * width) <= 2 and abs(sharp_height - 2 * height) <= 2
    assert "dpi" not in counted.steps[0].graph_attr  # the caller's drawing is left as it was


def test_save_names_the_suffixes_it_writes(tmp_path):
    with pytest.raises(ValueError, match=r"\.mp4.*\.gif, \.png, \.apng, \.html"):
        Frames(_loss_steps()).save(tmp_path / "backprop.mp4")
    with pytest.raises(ValueError, match="without a suffix"):
        Frames(_loss_steps()).save(tmp_path / "backprop")


def test_gif_and_png_without_pillow_say_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # `from PIL import Image` fails, as without Pillow
    for name in ("backprop.gif", "backprop.png"):
        with pytest.raises(ImportError, match=r"GIF or animated PNG needs Pillow.*`pip install pillow`.*graphgrad\[draw\]"):
            Frames(_loss_steps()).save(tmp_path / name)


# ---- the HTML animation ------------------------------------------------------------------------

@needs_dot
def test_html_is_one_self_contained_page_with_every_frame_and_caption(frames, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # HTML needs no Pillow
    page = frames.save(tmp_path / "backprop.html", duration=700).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('<figure class="gg-frame"') == page.count("<svg") == len(frames)
    for i in range(len(frames)):
        assert f'data-step="{i}"' in page and html.escape(frames.caption(i)) in page
    assert "(·)²" in page and "setInterval(tick, delay)" in page and "delay = 700" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) > len(frames) and len(ids) == len(set(ids))  # the frames' Graphviz ids do not clash
    assert not re.search(r'\b(src|href)="(?!#)', page) and "<?xml" not in page  # nothing fetched from elsewhere


# ---- the stepper -------------------------------------------------------------------------------

@needs_dot
def test_stepper_moves_from_python_and_its_widgets_follow(frames):
    pytest.importorskip("ipywidgets")
    pngs = frames.png_frames()
    stepper = frames.stepper()
    assert (stepper.step, stepper.slider.value, stepper.slider.max) == (0, 1, len(frames))
    assert stepper.frame == pngs[0] and stepper.previous_button.disabled
    stepper.go(2)
    assert stepper.step == 2 and stepper.frame == pngs[2] and stepper.slider.value == 3
    assert bytes(stepper.image.value) == pngs[2]
    assert html.escape(frames.caption(2)) in stepper.caption.value
    stepper.next()
    assert stepper.step == 3 and stepper.next_button.disabled
    stepper.next()  # at the last step, next() stays there
    stepper.next_button.click()
    assert stepper.step == 3 and bytes(stepper.image.value) == pngs[3]
    stepper.previous_button.click()
    assert stepper.step == 2 and not stepper.next_button.disabled
    stepper.go(-4)
    stepper.previous()  # and at the first, previous() stays there
    assert stepper.step == 0 and stepper.frame == pngs[0]
    with pytest.raises(IndexError, match="no frame 4: there are 4"):
        stepper.go(4)


@needs_dot
def test_stepper_follows_its_slider_as_the_browser_moves_it(frames):
    pytest.importorskip("ipywidgets")
    stepper = frames.stepper()
    stepper.slider.value = 4  # what the frontend sends when the slider is dragged or played
    assert stepper.step == 3 and stepper.frame == frames.png_frames()[3]
    assert bytes(stepper.image.value) == frames.png_frames()[3]
    assert html.escape(frames.caption(3)) in stepper.caption.value
    assert repr(stepper) == "<Stepper: frame 4 of 4>"


def test_stepper_checks_its_frames_and_captions():
    pytest.importorskip("ipywidgets")
    from autograd.drawing.stepper import Stepper
    with pytest.raises(ValueError, match="one caption per frame.*2 frames and 1 captions"):
        Stepper([b"", b""], ["one"])


# ---- Jupyter -----------------------------------------------------------------------------------

@needs_dot
def test_jupyter_shows_the_stepper_with_the_html_animation_as_its_fallback(frames):
    pytest.importorskip("ipywidgets")
    bundle = frames._repr_mimebundle_()
    assert set(bundle) == {WIDGET_MIMETYPE, "text/html", "text/plain"}
    assert bundle[WIDGET_MIMETYPE]["model_id"] and bundle["text/plain"] == "<Frames: 4>"
    assert bundle["text/html"].count('<figure class="gg-frame"') == len(frames)
    assert set(frames._repr_mimebundle_(include={"text/html", "text/plain"})) == {"text/html", "text/plain"}
    assert set(frames._repr_mimebundle_(exclude={WIDGET_MIMETYPE})) == {"text/html", "text/plain"}


@needs_dot
def test_without_ipywidgets_jupyter_shows_the_html_and_the_stepper_says_how_to_install_it(frames, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` fails, as where it is not installed
    bundle = frames._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/html"].count("<svg") == len(frames)
    with pytest.raises(ImportError, match=r"stepper needs ipywidgets.*`pip install ipywidgets`.*graphgrad\[draw\]"):
        frames.stepper()


def test_an_animation_must_say_what_its_frames_are():
    class Unfinished(Animated):
        def __len__(self):
            return 0

    with pytest.raises(TypeError, match="abstract"):
        Unfinished()
