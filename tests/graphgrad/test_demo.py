"""The demo writes its drawings, plot and report; without Graphviz's dot it still runs."""
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from graphgrad import demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_demo_writes_valid_images_and_a_report(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--epochs", "3"]) == 0
    for name in ("article_004_graph", "digits_mlp_graph"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(PNG_SIGNATURE)
        assert ET.parse(tmp_path / f"{name}.svg").getroot().tag.endswith("svg")
        assert (tmp_path / f"{name}.dot").read_text().startswith("digraph")
    png = (tmp_path / "loss_curve.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5000
    report = (tmp_path / "report.md").read_text()
    assert "L = 0.08" in report and "test accuracy" in report
    assert "Wrote 9 files" in capsys.readouterr().out
    from PIL import Image
    gif = Image.open(tmp_path / "article_004_backprop.gif")  # backprop, a frame per node visited
    _, _, steps = demo.article_004()
    assert gif.is_animated and gif.n_frames == len(steps) == 9  # 7 operators, W1 and W2


def test_demo_without_dot_writes_dot_sources_and_says_how_to_get_images(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo.shutil, "which", lambda name: None)
    assert demo.main(["--out", str(tmp_path), "--epochs", "1"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "article_004_graph.dot", "digits_mlp_graph.dot", "loss_curve.png", "report.md"]
    out = capsys.readouterr().out
    assert "apt-get install graphviz" in out and "brew install graphviz" in out
    # the MLP is drawn on a real digit: the first layer's weight gradient is not zero, and the
    # fused cross-entropy is drawn as CE
    dot = (tmp_path / "digits_mlp_graph.dot").read_text()
    first_weight = re.search(r'label="0: Linear\(64→64\)\\nweight \(64×64\)  ‖grad‖ = ([0-9.e-]+)', dot)
    assert first_weight and float(first_weight.group(1)) > 0
    assert "label=CE" in dot and "tooltip=MeanSoftmaxCrossEntropy" in dot
