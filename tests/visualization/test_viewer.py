"""The self-contained HTML viewer: embedded data, escaping, argument checks, and drawing in real Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from picture_helpers import pixels_near, rgb, standing_sequence

from jointformer.data.skeleton import SKELETON17
from jointformer.visualization import LEFT_RGB, RIGHT_RGB, camera_to_upright, write_html


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="pose-data" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))


def test_html_is_self_contained_and_embeds_the_poses(tmp_path: Path) -> None:
    poses = standing_sequence(3)
    poses[1, 4] = np.nan
    errors = np.linspace(0, 80, 3 * 17).reshape(3, 17)
    page = write_html(tmp_path / "view.html", poses, errors, title="S9 <Walking> & co").read_text()
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)\s*=", page, re.IGNORECASE)
    assert "<title>S9 &lt;Walking&gt; &amp; co</title>" in page
    data = embedded_data(page)
    assert data["names"] == list(SKELETON17.names)
    assert data["poses"][1][4] is None
    shown = np.array([[joint if joint is not None else [np.nan] * 3 for joint in frame]
                      for frame in data["poses"]])
    np.testing.assert_allclose(shown, camera_to_upright(poses), atol=1e-4)
    np.testing.assert_allclose(np.array(data["errors"]), errors, atol=0.05)


def test_html_escapes_hostile_names(tmp_path: Path) -> None:
    names = list(SKELETON17.names)
    names[13] = "</script><script>alert(1)</script>{{TITLE}}"
    page = write_html(tmp_path / "view.html", standing_sequence(1)[0], joint_names=names,
                      title="{{DATA}}").read_text()
    assert page.lower().count("</script>") == 2  # the data block and the viewer script, nothing injected
    assert embedded_data(page)["names"][13] == names[13]
    assert "<title>{{DATA}}</title>" in page


def test_html_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="joint_names"):
        write_html(tmp_path / "v.html", standing_sequence(1), joint_names=["a"] * 16)
    with pytest.raises(ValueError, match="errors_mm"):
        write_html(tmp_path / "v.html", standing_sequence(2), errors_mm=np.zeros((2, 16)))


CHROMIUM = shutil.which("chromium")


def run_chromium(page: Path, screenshot: Path, profile: Path) -> str:
    """Load ``page`` in headless Chromium (no network), save an 800x600 screenshot, return the loaded DOM."""
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--screenshot={screenshot}", "--dump-dom", "--window-size=800,600",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def body_status(dom: str) -> str:
    match = re.search(r'<body[^>]*data-status="([^"]*)"', dom)
    assert match is not None, dom[:2000]
    return match.group(1)


def page_errors(dom: str) -> str:
    match = re.search(r'<pre id="errors">(.*?)</pre>', dom, re.DOTALL)
    assert match is not None, dom[:2000]
    return match.group(1)


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_draws_the_skeleton_in_chromium(tmp_path: Path) -> None:
    poses = standing_sequence(5)
    errors = np.linspace(5, 90, 5 * 17).reshape(5, 17)
    page = write_html(tmp_path / "view.html", poses, errors, fps=10)
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert page_errors(dom) == ""
    assert body_status(dom) == "drawn"

    image = rgb(tmp_path / "shot.png")
    assert image.shape == (600, 800, 3)
    centre = image[100:500, 200:600]
    assert pixels_near(centre, LEFT_RGB) > 300
    assert pixels_near(centre, RIGHT_RGB) > 300
    outside = np.concatenate([image[:100].reshape(-1, 3), image[:, :150].reshape(-1, 3)])
    assert pixels_near(outside, LEFT_RGB) + pixels_near(outside, RIGHT_RGB) < 50  # the person is centred


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_reports_script_errors_in_chromium(tmp_path: Path) -> None:
    # The check above can only pass if errors would be visible: break the page and look for the report.
    page = write_html(tmp_path / "view.html", standing_sequence(1))
    text = page.read_text()
    page.write_text(text.replace("function main() {", 'function main() {\n    throw new Error("boom");', 1))
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert body_status(dom) == "error"
    assert "boom" in page_errors(dom)


@pytest.mark.skipif(CHROMIUM is None, reason="no `chromium` binary on PATH (apt-get install chromium)")
def test_html_hover_names_the_joint_and_its_error_in_chromium(tmp_path: Path) -> None:
    errors = np.full(17, 12.0)
    errors[13] = 47.3
    page = write_html(tmp_path / "view.html", standing_sequence(1)[0], errors)
    # Test-only probe: move the pointer onto the left wrist's projected position after the first draw.
    probe = ('    draw();\n    const wrist = state.projected[13];\n'
             '    canvas.dispatchEvent(new PointerEvent("pointermove", '
             '{ clientX: wrist[0], clientY: wrist[1], bubbles: true }));\n')
    text = page.read_text()
    assert text.count("    resize();\n    draw();\n") == 1
    page.write_text(text.replace("    resize();\n    draw();\n", "    resize();\n" + probe))
    dom = run_chromium(page, tmp_path / "shot.png", tmp_path / "profile")
    assert page_errors(dom) == ""
    tooltip = re.search(r'<div id="tooltip"[^>]*>(.*?)</div>', dom, re.DOTALL)
    assert tooltip is not None and "display: block" in tooltip.group(0)
    assert SKELETON17.names[13] in tooltip.group(1) and "47.3 mm" in tooltip.group(1)


def test_torch_tensors_are_accepted(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    poses = standing_sequence(2)
    tensor = torch.tensor(poses, requires_grad=True)
    from_tensor = write_html(tmp_path / "tensor.html", tensor * 1.0, torch.ones(2, 17)).read_text()
    from_numpy = write_html(tmp_path / "numpy.html", poses, np.ones((2, 17))).read_text()
    assert embedded_data(from_tensor) == embedded_data(from_numpy)
