"""The README's Python examples run as written, top to bottom in one namespace."""
import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 6
    namespace = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    printed = out.getvalue()
    assert "33.0 3.0 6.0 9.0" in printed
    assert "27.0 18.0" in printed
    assert "True True" in printed


def test_readme_images_exist_and_its_animation_is_one():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text())
    assert "docs/article_004_backprop.gif" in images
    for image in images:
        assert (README.parent / image).stat().st_size > 10_000, image
    from PIL import Image
    gif = Image.open(README.parent / "docs/article_004_backprop.gif")
    assert gif.is_animated and gif.n_frames == 9  # scripts/render_figures.py: 7 operators, W1 and W2
